package faultserver

import (
	"fmt"
	"net/http"
	"strings"

	"github.com/chaos-harness/chaos/problem"
)

// Faults after the work (issue 15). In proxy mode a fault with
// after_upstream forwards the request to the upstream first, as a request
// that draws no fault is, and takes the upstream's answer (its status goes
// into the Record's upstream_status); then, instead of that answer, the
// client gets the fault: a reset, a 503, a hang. It is the lost
// acknowledgement that turns a client's retry into a second side effect,
// which analysis counts as duplicate_effects.

// afterUpstreamProblems checks a fault's after_upstream: it needs a fault to
// answer with once the upstream has answered.
func (f *FaultSpec) afterUpstreamProblems(path string, p *problem.List) {
	if f.AfterUpstream && len(f.givenKinds()) == 0 && f.Status == 0 {
		p.Add(path+".after_upstream", "needs a fault to answer with in place of the upstream's answer (a status, reset, close, hang, truncate, slow, malformed or stream)")
	}
}

// AfterUpstreamFields lists the paths of the faults' after_upstream fields
// that are set (a response's, a phase's, a mix entry's, a route's), as
// Problems names fields: "phases[1].fault.after_upstream".
func (s *Spec) AfterUpstreamFields() []string {
	var out []string
	add := func(path string, f *FaultSpec) {
		if f != nil && f.AfterUpstream {
			out = append(out, path+".after_upstream")
		}
	}
	phases := func(path string, phases []PhaseSpec) {
		for i := range phases {
			at := fmt.Sprintf("%s[%d]", path, i)
			add(at+".fault", phases[i].Fault)
			for j := range phases[i].Mix {
				add(fmt.Sprintf("%s.mix[%d].fault", at, j), phases[i].Mix[j].Fault)
			}
		}
	}
	add("response", &s.Response)
	phases("phases", s.Phases)
	for i := range s.Routes {
		r := &s.Routes[i]
		add(fmt.Sprintf("routes[%d].response", i), r.Response)
		phases(fmt.Sprintf("routes[%d].phases", i), r.Phases)
	}
	return out
}

// checkUpstream refuses a script that has after_upstream on a server that
// is not a proxy, naming the fields.
func (s *Server) checkUpstream(script *Script) error {
	if fields := script.Spec().AfterUpstreamFields(); s.proxy == nil && len(fields) > 0 {
		return fmt.Errorf("%s: needs proxy mode (Options.Upstream, chaos serve --upstream URL): there is no upstream to forward to first", strings.Join(fields, ", "))
	}
	return nil
}

// forwardFirst forwards the request to the upstream for a fault with
// after_upstream and returns the status the upstream answered (0 when it
// gave none: unreachable, or the client went away first). The answer goes
// nowhere: the client gets the fault instead.
func (x *wire) forwardFirst() (status int) {
	x.limitBody()
	sink := &upstreamSink{header: http.Header{}}
	defer func() {
		// ReverseProxy panics with ErrAbortHandler when the upstream's body
		// breaks off; the upstream did answer, with its status.
		if p := recover(); p != nil && p != http.ErrAbortHandler {
			panic(p)
		}
		status = sink.status
		if sink.noAnswer {
			status = 0
		}
	}()
	x.srv.proxy.ServeHTTP(sink, x.r)
	return sink.status
}

// upstreamSink takes the upstream's answer in place of the client: its
// final status, and nothing of its body.
type upstreamSink struct {
	header   http.Header
	status   int
	noAnswer bool // the proxy's ErrorHandler answered: the upstream did not
}

func (u *upstreamSink) Header() http.Header { return u.header }

func (u *upstreamSink) WriteHeader(code int) {
	if u.status == 0 && code >= 200 {
		u.status = code
	}
}

func (u *upstreamSink) Write(b []byte) (int, error) {
	if u.status == 0 {
		u.status = http.StatusOK
	}
	return len(b), nil
}

// Flush is there for ReverseProxy's flushes of streamed answers.
func (u *upstreamSink) Flush() {}

func (u *upstreamSink) upstreamFailed() { u.noAnswer = true }

// markNoAnswer tells the writer of a proxied answer (statusRecorder,
// upstreamSink) that the proxy's ErrorHandler, not the upstream, answers.
func markNoAnswer(w http.ResponseWriter) {
	if f, ok := w.(interface{ upstreamFailed() }); ok {
		f.upstreamFailed()
	}
}

func (s *statusRecorder) upstreamFailed() { s.noAnswer = true }
