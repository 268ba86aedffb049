package resilience

import (
	"bytes"
	"context"
	"errors"
	"io"
	"net/http"
	"strconv"
	"time"

	"github.com/chaos-harness/chaos/record"
)

// Request and response headers the Transport reads or writes, besides
// record.HeaderAttempt: the attempt number, 1 for the first, so the fault
// server can log attempts (docs/DESIGN.md, "Client identity on the wire").
const (
	// HeaderFallback marks a response that a fallback produced: stale,
	// caller or static.
	HeaderFallback = "X-Chaos-Fallback"
	// HeaderIdempotencyKey makes a POST or PATCH safe to retry.
	HeaderIdempotencyKey = "Idempotency-Key"
)

// drainLimit is how much of a failed response's body is read before closing
// it, so the connection can be reused; larger bodies cost a new connection.
const drainLimit = 64 << 10

// Transport is an http.RoundTripper that runs every request under Policy.
// It sets X-Chaos-Attempt on each attempt and leaves every other header of
// the caller (X-Chaos-Client, X-Chaos-Request) alone. The request body is
// re-sent on each attempt through Request.GetBody (set by http.NewRequest
// for in-memory bodies); a body without GetBody is sent once and not
// retried. Failed responses that are retried are drained and closed so
// their connections are reused.
//
// The final answer is the last response when the server gave one, even a
// failing status once retries are exhausted, as http.Client callers expect;
// it is an error (*GiveUpError) when there is no response, when an open
// breaker, rate limit or budget refused the call, and when the server asked
// for a Retry-After longer than the policy's maximum.
type Transport struct {
	Policy *Policy
	// Base sends each attempt; nil means http.DefaultTransport.
	Base http.RoundTripper
	// Key names a request for the stale fallback; nil means method and URL
	// for GET and HEAD and no stale fallback for other methods.
	Key func(*http.Request) string
	// Fallback, if set, answers a request that failed for good when no stale
	// response applies.
	Fallback func(req *http.Request, err error) (*http.Response, error)
	// ReadBody reads a successful response's body within the attempt, so a
	// truncated body or a reset mid-body is a failed attempt and retried
	// (and the attempt timeout covers the body). It is implied by a stale
	// fallback, which must keep the body.
	ReadBody bool
}

var _ http.RoundTripper = (*Transport)(nil)

// RoundTrip implements http.RoundTripper.
func (t *Transport) RoundTrip(req *http.Request) (*http.Response, error) {
	p := t.Policy
	if p == nil {
		if req.Body != nil {
			_ = req.Body.Close()
		}
		return nil, errors.New("resilience: Transport.Policy is nil")
	}
	clock, ctx := p.clock, req.Context()
	meta := RequestMeta{
		Method:         req.Method,
		Idempotent:     req.Header.Get(HeaderIdempotencyKey) != "" || req.Header.Get("X-"+HeaderIdempotencyKey) != "",
		Key:            t.key(req, p),
		OneShot:        req.Body != nil && req.Body != http.NoBody && req.GetBody == nil,
		CallerFallback: t.Fallback != nil,
	}
	keep := p.stale != nil && meta.Key != ""
	call := p.Begin(clock.Now(), meta)
	var last *http.Response // the last attempt's response, not yet drained
	bodyUsed := false
	defer func() {
		if !bodyUsed && req.Body != nil { // a RoundTripper must close it
			_ = req.Body.Close()
		}
	}()
	if p.hedge != nil {
		return t.roundTripHedged(ctx, req, &call, keep, &bodyUsed)
	}
	for {
		step := call.Next(clock.Now())
		switch step.Action {
		case ActionSend:
			discard(last)
			resp, o := t.attempt(ctx, req, step, &bodyUsed, keep || t.ReadBody)
			last = resp
			if keep && o.Kind == ClassUnset && resp != nil && resp.StatusCode < 400 {
				o.Value = snapshot(resp)
			}
			call.Report(clock.Now(), o)
		case ActionWait:
			if err := pause(ctx, clock, &call, step, &last); err != nil {
				return nil, err
			}
		default:
			return t.final(req, step, last)
		}
	}
}

// pause drains the last response and waits step.Wait; when the caller gives
// up meanwhile it ends the call and returns its error.
func pause(ctx context.Context, clock Clock, call *Call, step Step, last **http.Response) error {
	discard(*last)
	*last = nil
	if err := clock.Sleep(ctx, step.Wait); err != nil {
		return call.Abort(clock.Now(), err).Err
	}
	return nil
}

// final is the answer of a call's last step, given the last attempt's
// response (nil: none): that response on success, and when retries ran out
// on a response; a fallback; or the failure.
func (t *Transport) final(req *http.Request, step Step, last *http.Response) (*http.Response, error) {
	switch step.Action {
	case ActionSucceed:
		return last, nil
	case ActionFallback:
		discard(last)
		if resp, err, ok := t.fallback(req, step); ok {
			return resp, err
		}
		return nil, step.Err
	}
	var g *GiveUpError
	if last != nil && errors.As(step.Err, &g) && g.Reason != ReasonRetryAfter && g.Reason != ReasonCanceled {
		return last, nil
	}
	discard(last)
	return nil, step.Err
}

// key names the request for the stale cache and for events; it is built only
// when one of them will read it, since it costs two allocations per call.
func (t *Transport) key(req *http.Request, p *Policy) string {
	if t.Key != nil {
		return t.Key(req)
	}
	if p.stale == nil && p.observer == nil {
		return ""
	}
	if req.Method == http.MethodGet || req.Method == http.MethodHead {
		return req.Method + " " + req.URL.String()
	}
	return ""
}

func (t *Transport) base() http.RoundTripper {
	if t.Base != nil {
		return t.Base
	}
	return http.DefaultTransport
}

// attempt sends one attempt and reports its outcome. The response it
// returns (if any) has a body whose Close ends the attempt's context.
func (t *Transport) attempt(ctx context.Context, req *http.Request, step Step, bodyUsed *bool, readBody bool) (*http.Response, AttemptOutcome) {
	actx, cancel := ctx, context.CancelFunc(func() {})
	if step.Timeout > 0 {
		actx, cancel = attemptContext(ctx, t.Policy.clock, step.Timeout)
	}
	// A RoundTripper must not modify the caller's request: a shallow copy with
	// its own header map is enough to add X-Chaos-Attempt (req.Clone would
	// also deep-copy the URL and trailers on every attempt).
	r := req.WithContext(actx)
	r.Header = req.Header.Clone()
	if r.Header == nil {
		r.Header = http.Header{}
	}
	r.Header[record.HeaderAttempt] = []string{attemptText(step.Attempt)}
	if req.Body != nil && req.Body != http.NoBody {
		if *bodyUsed {
			body, err := req.GetBody()
			if err != nil {
				cancel()
				return nil, AttemptOutcome{Err: err, Kind: ClassError}
			}
			r.Body = body
		}
		*bodyUsed = true
	}
	resp, err := t.base().RoundTrip(r)
	if err != nil {
		kind := failureKind(ctx, actx, err)
		cancel()
		return nil, AttemptOutcome{Err: err, Kind: kind}
	}
	o := AttemptOutcome{Status: resp.StatusCode, RetryAfter: resp.Header.Get("Retry-After"), Response: resp}
	if readBody && resp.StatusCode < 400 {
		data, err := io.ReadAll(resp.Body)
		resp.Body.Close()
		if err != nil {
			kind := failureKind(ctx, actx, err)
			cancel()
			return nil, AttemptOutcome{Err: err, Kind: kind}
		}
		cancel()
		resp.Body = io.NopCloser(bytes.NewReader(data))
		return resp, o
	}
	if step.Timeout > 0 { // otherwise cancel is a no-op and needs no wrapper
		resp.Body = &cancelOnClose{ReadCloser: resp.Body, cancel: cancel}
	}
	return resp, o
}

// attemptTexts are the X-Chaos-Attempt values of the first attempts, so the
// common case formats nothing.
var attemptTexts = [...]string{"0", "1", "2", "3", "4", "5", "6", "7", "8", "9", "10"}

func attemptText(n int) string {
	if n >= 0 && n < len(attemptTexts) {
		return attemptTexts[n]
	}
	return strconv.Itoa(n)
}

// failureKind tells the caller's cancellation and the attempt's timeout
// apart from other failures, which Classify names (ClassUnset).
func failureKind(ctx, actx context.Context, err error) AttemptClass {
	switch {
	case ctx.Err() != nil:
		return ClassCanceled
	case errors.Is(context.Cause(actx), ErrAttemptTimeout):
		return ClassTimeout
	}
	kind, _ := Classify(err)
	if kind == ClassCanceled { // a context error that is not the caller's
		return ClassTimeout
	}
	return ClassUnset
}

type cancelOnClose struct {
	io.ReadCloser
	cancel context.CancelFunc
}

func (b *cancelOnClose) Close() error {
	err := b.ReadCloser.Close()
	b.cancel()
	return err
}

// discard drains and closes a response that will not be returned.
func discard(resp *http.Response) {
	if resp == nil {
		return
	}
	_, _ = io.CopyN(io.Discard, resp.Body, drainLimit)
	_ = resp.Body.Close()
}

// staleResponse is what the stale fallback keeps of a good response.
type staleResponse struct {
	status int
	header http.Header
	body   []byte
}

// snapshot keeps a copy of a response whose body was read into memory.
func snapshot(resp *http.Response) *staleResponse {
	data, _ := io.ReadAll(resp.Body) // an in-memory reader: cannot fail
	resp.Body = io.NopCloser(bytes.NewReader(data))
	return &staleResponse{status: resp.StatusCode, header: resp.Header.Clone(), body: data}
}

func (t *Transport) fallback(req *http.Request, step Step) (*http.Response, error, bool) {
	switch step.Fallback {
	case FallbackStale:
		s, ok := step.Value.(*staleResponse)
		if !ok {
			return nil, nil, false
		}
		resp := newResponse(req, s.status, s.header.Clone(), s.body, "stale")
		resp.Header.Set("Age", strconv.Itoa(int(step.Age/time.Second)))
		return resp, nil, true
	case FallbackCaller:
		resp, err := t.Fallback(req, step.Err)
		return resp, err, true
	case FallbackStatic:
		s := step.Static
		h := http.Header{}
		for k, v := range s.Headers {
			h.Set(k, v)
		}
		return newResponse(req, max(s.Status, 0), h, []byte(s.Body), "static"), nil, true
	}
	return nil, nil, false
}

func newResponse(req *http.Request, status int, h http.Header, body []byte, source string) *http.Response {
	if status == 0 {
		status = http.StatusOK
	}
	h.Set(HeaderFallback, source)
	return &http.Response{
		Status:        strconv.Itoa(status) + " " + http.StatusText(status),
		StatusCode:    status,
		Proto:         "HTTP/1.1",
		ProtoMajor:    1,
		ProtoMinor:    1,
		Header:        h,
		Body:          io.NopCloser(bytes.NewReader(body)),
		ContentLength: int64(len(body)),
		Request:       req,
	}
}
