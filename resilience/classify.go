package resilience

import (
	"context"
	"errors"
	"io"
	"net"
	"strings"
	"syscall"
)

// OutcomeKind is what became of one attempt.
type OutcomeKind uint8

// Outcome kinds. The network kinds are what a simulator reports to have a
// simulated failure classify exactly like a real one.
const (
	// KindUnset in Outcome.Kind means "derive the kind from Status and Err".
	KindUnset OutcomeKind = iota
	// KindOK is a success: no error and a status below 400 (or no status).
	KindOK
	// KindStatus is a complete response with a status of 400 or more.
	KindStatus
	// KindRefused is a dial failure (refused, no route, DNS): the request
	// provably never left, so even a non-idempotent request may be retried.
	KindRefused
	// KindReset is a connection reset or closed before a response.
	KindReset
	// KindEOF is EOF before a complete response, including a truncated body.
	KindEOF
	// KindTimeout is the per-attempt timeout firing.
	KindTimeout
	// KindMalformed is a response that is not valid HTTP.
	KindMalformed
	// KindCanceled is the caller's own cancellation or deadline: never retried.
	KindCanceled
	// KindError is any other error: not retried unless listed ("error").
	KindError
	// KindRejected is a refusal by a policy of this package (open breaker,
	// rate limit, retry budget); never retried.
	KindRejected
	kindCount
)

var kindNames = [kindCount]string{"", "ok", "status", "refused", "reset", "eof", "timeout", "malformed", "canceled", "error", "rejected"}

func (k OutcomeKind) String() string {
	if k < kindCount {
		return kindNames[k]
	}
	return "unknown"
}

// Network reports whether k is a network failure (refused, reset, eof,
// timeout, malformed).
func (k OutcomeKind) Network() bool {
	return k >= KindRefused && k <= KindMalformed
}

// RecordOutcome maps k to the client-side outcome of an arrival-log Record
// (faultserver.Outcome*: ok, status, timeout, reset, error).
func (k OutcomeKind) RecordOutcome() string {
	switch k {
	case KindOK:
		return "ok"
	case KindStatus:
		return "status"
	case KindTimeout:
		return "timeout"
	case KindReset, KindEOF, KindMalformed:
		return "reset"
	}
	return "error"
}

// netFailure is the error behind the network sentinels.
type netFailure struct {
	kind OutcomeKind
	msg  string
}

func (e *netFailure) Error() string            { return e.msg }
func (e *netFailure) OutcomeKind() OutcomeKind { return e.kind }

// Sentinel errors for network failures. A simulator returns them (or wraps
// them) as Outcome.Err, and they classify exactly like the real errors:
// ErrReset like "connection reset by peer", ErrRefused like a refused dial.
var (
	ErrRefused        error = &netFailure{KindRefused, "connection refused"}
	ErrReset          error = &netFailure{KindReset, "connection reset by peer"}
	ErrEOF            error = &netFailure{KindEOF, "unexpected EOF before a complete response"}
	ErrAttemptTimeout error = &netFailure{KindTimeout, "attempt timed out"}
	ErrMalformed      error = &netFailure{KindMalformed, "malformed HTTP response"}
)

// kinded is implemented by errors that know their kind; the sentinels above
// and the errors of this package do. Callers' errors may implement it too.
type kinded interface{ OutcomeKind() OutcomeKind }

// statusCoder is implemented by errors that carry an HTTP status, such as
// *StatusError; Do's functions can return one to be classified by status.
type statusCoder interface{ StatusCode() int }

// Classify names the kind of a failed attempt's error, and its status when
// the error carries one. It recognises the sentinels above, the standard
// library's network errors, context errors (the caller's cancellation), and
// errors implementing OutcomeKind() OutcomeKind or StatusCode() int.
func Classify(err error) (OutcomeKind, int) {
	if err == nil {
		return KindOK, 0
	}
	var k kinded
	if errors.As(err, &k) {
		return k.OutcomeKind(), 0
	}
	var sc statusCoder
	if errors.As(err, &sc) {
		return KindStatus, sc.StatusCode()
	}
	if errors.Is(err, context.Canceled) || errors.Is(err, context.DeadlineExceeded) {
		return KindCanceled, 0
	}
	if errors.Is(err, syscall.ECONNREFUSED) || errors.Is(err, syscall.EHOSTUNREACH) ||
		errors.Is(err, syscall.ENETUNREACH) {
		return KindRefused, 0
	}
	var dnsErr *net.DNSError
	if errors.As(err, &dnsErr) {
		return KindRefused, 0
	}
	var opErr *net.OpError
	if errors.As(err, &opErr) && opErr.Op == "dial" && !opErr.Timeout() {
		return KindRefused, 0
	}
	if errors.Is(err, syscall.ECONNRESET) || errors.Is(err, syscall.EPIPE) ||
		errors.Is(err, syscall.ECONNABORTED) || errors.Is(err, net.ErrClosed) {
		return KindReset, 0
	}
	if errors.Is(err, io.ErrUnexpectedEOF) || errors.Is(err, io.EOF) {
		return KindEOF, 0
	}
	var ne net.Error
	if errors.As(err, &ne) && ne.Timeout() {
		return KindTimeout, 0
	}
	// net/http reports a response that is not HTTP only as text.
	msg := err.Error()
	if strings.Contains(msg, "malformed HTTP") {
		return KindMalformed, 0
	}
	if strings.Contains(msg, "server closed idle connection") {
		return KindReset, 0
	}
	return KindError, 0
}

// resolve fills in the kind of an Outcome whose Kind is unset.
func (o *Outcome) resolve() {
	if o.Kind != KindUnset {
		return
	}
	if o.Err != nil {
		kind, status := Classify(o.Err)
		o.Kind = kind
		if status != 0 && o.Status == 0 {
			o.Status = status
		}
		return
	}
	if o.Status >= 400 {
		o.Kind = KindStatus
		return
	}
	o.Kind = KindOK
}
