package faultserver

import (
	"net/http"
	"regexp"
	"strings"
	"sync"
	"sync/atomic"
	"time"
)

// route is a compiled schedule: a RouteSpec, or the top level (which matches
// every request no route matched).
type route struct {
	name     string
	seed     uint64
	literal  string         // a template without variables matches this path exactly
	pattern  *regexp.Regexp // otherwise mux's regular expression for the template
	methods  []string       // upper case; empty: any
	headers  [][2]string    // canonical name, value
	perCli   bool
	response *action
	phases   []phase

	mu     sync.Mutex // guards global
	global phaseClock
	// settled is 1 + the index global stays at for good, once it got there
	// (the end of the phases, or a phase with neither a duration nor a
	// request count); 0 before. A request then reads it instead of taking
	// mu, which every request of the route would otherwise share.
	settled atomic.Int64
	clients clientTable
}

// globalPhase advances the route's global phase clock to a request arriving
// at elapsed and returns the phase that decides it (see phaseClock.next).
func (r *route) globalPhase(elapsed time.Duration) int {
	if i := r.settled.Load(); i > 0 {
		return int(i - 1)
	}
	r.mu.Lock()
	defer r.mu.Unlock()
	i := r.global.next(r.phases, elapsed, 0)
	if i == len(r.phases) || (r.phases[i].duration == 0 && r.phases[i].requests == 0) {
		// next never moves the clock from here, and counts in it only
		// for a phase with a request count.
		r.settled.Store(int64(i) + 1)
	}
	return i
}

// pathMatcher compiles a template into a literal or a regular expression.
func pathMatcher(tpl string, prefix bool) (literal string, re *regexp.Regexp, err error) {
	if !prefix && !strings.Contains(tpl, "{") {
		return tpl, nil, nil
	}
	expr, err := pathRegexp(tpl, prefix)
	if err != nil {
		return "", nil, err
	}
	re, err = regexp.Compile(expr)
	return "", re, err
}

// matches reports whether the request belongs to the route. It does not
// allocate.
func (r *route) matches(req *RequestInfo) bool {
	if len(r.methods) > 0 {
		ok := false
		for _, m := range r.methods {
			if m == req.Method {
				ok = true
				break
			}
		}
		if !ok {
			return false
		}
	}
	if r.pattern != nil {
		if !r.pattern.MatchString(req.Path) {
			return false
		}
	} else if r.literal != req.Path {
		return false
	}
	for _, h := range r.headers {
		vs := req.Header[h[0]]
		if len(vs) == 0 || vs[0] != h[1] {
			return false
		}
	}
	return true
}

func compileHeaders(m map[string]string) [][2]string {
	out := make([][2]string, 0, len(m))
	for k, v := range m {
		out = append(out, [2]string{http.CanonicalHeaderKey(k), v})
	}
	return out
}

func compileMethods(ms []string) []string {
	out := make([]string, len(ms))
	for i, m := range ms {
		out[i] = strings.ToUpper(m)
	}
	return out
}
