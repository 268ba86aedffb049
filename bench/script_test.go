package bench

import (
	"context"
	"net/http"

	"github.com/chaos-harness/chaos/resilience"
)

// A script fails the first fails attempts of every call and then succeeds,
// so with fails = 2 a call succeeds on its third attempt. It counts attempts
// across calls, which is exact because every peer stops at the success.
type script struct {
	fails int
	n     int
}

// errUnavailable is the failure every peer sees: one shared value, so no peer
// pays for building an error. chaos classifies it as a 503.
var errUnavailable error = &resilience.StatusError{Code: http.StatusServiceUnavailable}

// fail reports whether the next attempt fails.
func (s *script) fail() bool {
	s.n++
	if s.n > s.fails {
		s.n = 0
		return false
	}
	return true
}

// call is the operation of the function-level benchmarks.
func (s *script) call() (int, error) {
	if s.fail() {
		return 0, errUnavailable
	}
	return 1, nil
}

// callCtx is call with the context chaos's Do passes.
func (s *script) callCtx(context.Context) (int, error) { return s.call() }

// emptyHeader is shared by every stub response; nobody writes to it.
var emptyHeader = http.Header{}

// RoundTrip answers 503 or 200 with no body, without any network: the
// HTTP-level benchmarks measure the policies and the client plumbing only.
func (s *script) RoundTrip(req *http.Request) (*http.Response, error) {
	code := http.StatusOK
	if s.fail() {
		code = http.StatusServiceUnavailable
	}
	return &http.Response{StatusCode: code, Status: http.StatusText(code), Proto: "HTTP/1.1",
		ProtoMajor: 1, ProtoMinor: 1, Header: emptyHeader, Body: http.NoBody, Request: req}, nil
}
