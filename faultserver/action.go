package faultserver

import (
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/chaos-harness/chaos/record"
)

// action is a compiled FaultSpec: everything a Plan carries that does not
// depend on the request, computed once so that deciding does not allocate.
type action struct {
	kind           string
	status         int
	headers        http.Header // read-only once compiled
	body           []byte      // read-only once compiled
	retryAfter     time.Duration
	hasRetryAfter  bool
	retryAfterDate bool
	delay          *sampler
	// action is the kind of an action fault, nil for the others; param and
	// raw are its parameter (Plan.Param, Plan.Raw).
	action *actionKind
	param  int64
	raw    []byte
	walk   *walk // the kind's steps (actionKind.walk); nil: a response
	// served marks a request answered by the service itself (kinds none and
	// delay): it gets the service time and may touch the row.
	served bool
	// holding marks a kind whose performance holds the request for a
	// while (hang, slow), as a delay does: it takes a MaxHeld slot.
	holding bool
	// afterUpstream and stream: see Plan.AfterUpstream and Plan.stream.
	afterUpstream bool
	stream        *streamPlan
}

// compileResponse compiles a response: an answer that is not a fault unless
// it has an action.
func compileResponse(f *FaultSpec) *action {
	a := &action{status: http.StatusOK}
	a.shape(f)
	a.act(f)
	if a.kind == "" {
		a.kind = record.FaultNone
	}
	a.served = a.kind == record.FaultNone
	return a
}

// compileFault compiles a phase's fault against the response it modifies.
func compileFault(f *FaultSpec, response *action) *action {
	a := &action{}
	if f.Status == 0 { // a delayed, truncated or slow success: the response's shape
		a.status, a.headers, a.body = response.status, response.headers, response.body
		a.retryAfter, a.hasRetryAfter, a.retryAfterDate = response.retryAfter, response.hasRetryAfter, response.retryAfterDate
	}
	a.shape(f)
	a.act(f)
	switch {
	case a.kind != "":
	case len(f.shapingFields()) > 0:
		a.kind = record.FaultStatus
	case a.delay != nil:
		a.kind, a.served = record.FaultDelay, true
	default:
		a.kind, a.served = record.FaultNone, true
	}
	return a
}

// shape applies the fields that shape a response over what a already has.
func (a *action) shape(f *FaultSpec) {
	if f.Status != 0 {
		a.status = f.Status
	}
	if len(f.Headers) > 0 {
		h := a.headers.Clone()
		if h == nil {
			h = http.Header{}
		}
		for k, v := range f.Headers {
			h.Set(k, v)
		}
		a.headers = h
	}
	switch {
	case f.Body != "":
		a.body = []byte(f.Body)
	case f.BodySize > 0:
		a.body = filler(f.BodySize)
	case f.Status != 0 || a.body == nil:
		a.body = []byte(defaultBody(a.status))
	}
	if f.RetryAfter != nil {
		a.retryAfter, a.hasRetryAfter, a.retryAfterDate = *f.RetryAfter, true, false
	}
	if f.RetryAfterDate != nil {
		a.retryAfter, a.hasRetryAfter, a.retryAfterDate = *f.RetryAfterDate, true, true
	}
}

// act applies the delay and the action field (an actionKind, compiled by
// its fault_<kind>.go), setting the kind of an action.
func (a *action) act(f *FaultSpec) {
	if f.Delay != nil {
		s := newSampler(f.Delay)
		a.delay = &s
	}
	if given := f.givenKinds(); len(given) > 0 {
		k := given[0] // Spec.Problems refuses more than one
		a.kind, a.action, a.holding = k.name, k, k.holding
		k.compile(f, a)
		a.walk = k.walk(a.param)
	}
	a.afterUpstream = f.AfterUpstream
}

// defaultBody is the body of a response that names none: its status text.
func defaultBody(status int) string {
	text := http.StatusText(status)
	if text == "" {
		text = "Status " + strconv.Itoa(status)
	}
	return text + "\n"
}

// filler is n bytes of printable lines, for generated bodies.
func filler(n int) []byte {
	const line = "chaos filler body 0123456789abcdefghijklmnopqrstuvwxyzABCDEFGH\n"
	return []byte(strings.Repeat(line, n/len(line)+1)[:n])
}
