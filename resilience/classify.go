package resilience

import (
	"context"
	"errors"
	"io"
	"net"
	"strings"
	"syscall"
)

// AttemptClass is what became of one attempt, as Classify sorts it: the
// classes retry `on` and breaker `trip_on` lists name.
type AttemptClass uint8

// Attempt classes. The network classes are what a simulator reports to have
// a simulated failure classify exactly like a real one.
const (
	// ClassUnset in AttemptOutcome.Kind means "derive the kind from Status and Err".
	ClassUnset AttemptClass = iota
	// ClassOK is a success: no error and a status below 400 (or no status).
	ClassOK
	// ClassStatus is a complete response with a status of 400 or more.
	ClassStatus
	// ClassRefused is a dial failure (refused, no route, DNS): the request
	// provably never left, so even a non-idempotent request may be retried.
	ClassRefused
	// ClassReset is a connection reset or closed before a response.
	ClassReset
	// ClassEOF is EOF before a complete response, including a truncated body.
	ClassEOF
	// ClassTimeout is the per-attempt timeout firing.
	ClassTimeout
	// ClassMalformed is a response that is not valid HTTP.
	ClassMalformed
	// ClassCanceled is the caller's own cancellation or deadline: never retried.
	ClassCanceled
	// ClassError is any other error: not retried unless listed ("error").
	ClassError
	// ClassRejected is a refusal by a policy of this package (open breaker,
	// rate limit, retry budget); never retried.
	ClassRejected
	kindCount
)

var kindNames = [kindCount]string{"", "ok", "status", "refused", "reset", "eof", "timeout", "malformed", "canceled", "error", "rejected"}

func (k AttemptClass) String() string {
	if k < kindCount {
		return kindNames[k]
	}
	return "unknown"
}

// Network reports whether k is a network failure (refused, reset, eof,
// timeout, malformed).
func (k AttemptClass) Network() bool {
	return k >= ClassRefused && k <= ClassMalformed
}

// RecordOutcome maps k to the client-side outcome of an arrival-log Record
// (record.Outcome*: ok, status, timeout, reset, error).
func (k AttemptClass) RecordOutcome() string {
	switch k {
	case ClassOK:
		return "ok"
	case ClassStatus:
		return "status"
	case ClassTimeout:
		return "timeout"
	case ClassReset, ClassEOF, ClassMalformed:
		return "reset"
	}
	return "error"
}

// netFailure is the error behind the network sentinels.
type netFailure struct {
	kind AttemptClass
	msg  string
}

func (e *netFailure) Error() string              { return e.msg }
func (e *netFailure) AttemptClass() AttemptClass { return e.kind }

// kinded is implemented by errors that know their kind; the sentinels above
// and the errors of this package do. Callers' errors may implement it too.
type kinded interface{ AttemptClass() AttemptClass }

// statusCoder is implemented by errors that carry an HTTP status, such as
// *StatusError; Do's functions can return one to be classified by status.
type statusCoder interface{ StatusCode() int }

// Classify names the kind of a failed attempt's error, and its status when
// the error carries one. It recognises the sentinels above, the standard
// library's network errors, context errors (the caller's cancellation), and
// errors implementing AttemptClass() AttemptClass or StatusCode() int.
//
// The checks, first match wins, over the whole tree of err (err and what
// Unwrap() error or Unwrap() []error return, as package errors walks it):
// an error knowing its kind; one carrying a status; context.Canceled or
// DeadlineExceeded; ECONNREFUSED, EHOSTUNREACH or ENETUNREACH; a
// *net.DNSError; a dial *net.OpError (the first OpError) that is not a
// timeout; ECONNRESET, EPIPE, ECONNABORTED or net.ErrClosed; io.EOF or
// io.ErrUnexpectedEOF; a timeout (the first net.Error); then the text of
// err, for malformed responses and idle connections closed by the server.
//
// Classify walks the tree once, with type assertions, and allocates nothing
// itself (the last check calls err.Error(), which may), except for a tree
// holding an error with an As method: only errors.As asks As, and its
// targets escape (see classifyAs).
func Classify(err error) (AttemptClass, int) {
	if err == nil {
		return ClassOK, 0
	}
	var f errFacts
	if f.visit(err) {
		if f.hasAs {
			return classifyAs(err)
		}
		return f.kinded.AttemptClass(), 0
	}
	if f.status != nil {
		return ClassStatus, f.status.StatusCode()
	}
	if f.canceled {
		return ClassCanceled, 0
	}
	if f.refused || f.dns {
		return ClassRefused, 0
	}
	if f.opFound && f.op.Op == "dial" && !f.op.Timeout() {
		return ClassRefused, 0
	}
	if f.reset {
		return ClassReset, 0
	}
	if f.eof {
		return ClassEOF, 0
	}
	if f.netErr != nil && f.netErr.Timeout() {
		return ClassTimeout, 0
	}
	return classifyText(err)
}

// errFacts is what Classify's checks find in an error tree: for each
// errors.As check the first match, depth-first with an error before its
// children (errors.As's order), and for each group of errors.Is targets
// whether any error matches one.
type errFacts struct {
	kinded   kinded       // the first error knowing its kind; decides alone
	hasAs    bool         // an error with an As method came before any kind
	status   statusCoder  // the first error carrying a status
	canceled bool         // context.Canceled, context.DeadlineExceeded
	refused  bool         // ECONNREFUSED, EHOSTUNREACH, ENETUNREACH
	dns      bool         // a *net.DNSError
	op       *net.OpError // the first *net.OpError, when opFound
	opFound  bool         // op is set (a nil *net.OpError counts, as in errors.As)
	reset    bool         // ECONNRESET, EPIPE, ECONNABORTED, net.ErrClosed
	eof      bool         // io.ErrUnexpectedEOF, io.EOF
	netErr   net.Error    // the first net.Error
}

// The errors.Is targets of Classify, by group, for errors with an Is method.
var (
	canceledTargets = [...]error{context.Canceled, context.DeadlineExceeded}
	refusedTargets  = [...]error{syscall.ECONNREFUSED, syscall.EHOSTUNREACH, syscall.ENETUNREACH}
	resetTargets    = [...]error{syscall.ECONNRESET, syscall.EPIPE, syscall.ECONNABORTED, net.ErrClosed}
	eofTargets      = [...]error{io.ErrUnexpectedEOF, io.EOF}
)

// visit records the facts of the tree of err (not nil) and reports whether
// the walk stopped early: at the first error knowing its kind, which is
// Classify's answer, or at an error with an As method, which errors.As
// would ask for each check, so Classify leaves the tree to classifyAs. The
// walk is errors.As's: err, then Unwrap() error repeatedly, or each non-nil
// error of Unwrap() []error in turn.
func (f *errFacts) visit(err error) bool {
	for {
		if k, ok := err.(kinded); ok {
			f.kinded = k
			return true
		}
		if _, ok := err.(interface{ As(any) bool }); ok {
			f.hasAs = true
			return true
		}
		if f.status == nil { // past a status only a kind matters
			f.note(err)
		}
		switch x := err.(type) {
		case interface{ Unwrap() error }:
			if err = x.Unwrap(); err == nil {
				return false
			}
		case interface{ Unwrap() []error }:
			for _, err := range x.Unwrap() {
				if err != nil && f.visit(err) {
					return true
				}
			}
			return false
		default:
			return false
		}
	}
}

// note records the facts of err alone (not its children).
func (f *errFacts) note(err error) {
	if sc, ok := err.(statusCoder); ok {
		f.status = sc
		return
	}
	// errors.Is: err equals a target, or its Is method claims one.
	switch err {
	case context.Canceled, context.DeadlineExceeded:
		f.canceled = true
	case syscall.ECONNREFUSED, syscall.EHOSTUNREACH, syscall.ENETUNREACH:
		f.refused = true
	case syscall.ECONNRESET, syscall.EPIPE, syscall.ECONNABORTED, net.ErrClosed:
		f.reset = true
	case io.ErrUnexpectedEOF, io.EOF:
		f.eof = true
	}
	switch x := err.(type) {
	case syscall.Errno:
		// Errno's Is method claims only the permission, existence and
		// unsupported sentinels of os and errors: none of the targets.
	case interface{ Is(error) bool }:
		f.canceled = f.canceled || isAny(x, canceledTargets[:])
		f.refused = f.refused || isAny(x, refusedTargets[:])
		f.reset = f.reset || isAny(x, resetTargets[:])
		f.eof = f.eof || isAny(x, eofTargets[:])
	}
	// errors.As.
	switch x := err.(type) {
	case *net.DNSError:
		f.dns = true
	case *net.OpError:
		if !f.opFound {
			f.op, f.opFound = x, true
		}
	}
	if f.netErr == nil {
		if ne, ok := err.(net.Error); ok {
			f.netErr = ne
		}
	}
}

// isAny reports whether x's Is method claims one of targets.
func isAny(x interface{ Is(error) bool }, targets []error) bool {
	for _, t := range targets {
		if x.Is(t) {
			return true
		}
	}
	return false
}

// classifyText is Classify's last check: net/http reports a response that
// is not HTTP only as text.
func classifyText(err error) (AttemptClass, int) {
	msg := err.Error()
	if strings.Contains(msg, "malformed HTTP") {
		return ClassMalformed, 0
	}
	if strings.Contains(msg, "server closed idle connection") {
		return ClassReset, 0
	}
	return ClassError, 0
}

// classifyAs is Classify with package errors, for a tree holding an error
// with an As method (such as net/http's HTTP/2 stream error): only
// errors.As asks As. It costs an allocation per errors.As target reached,
// as the targets escape. Classify without an As method in the tree gives
// the same answers; the specs check it.
func classifyAs(err error) (AttemptClass, int) {
	var k kinded
	if errors.As(err, &k) {
		return k.AttemptClass(), 0
	}
	var sc statusCoder
	if errors.As(err, &sc) {
		return ClassStatus, sc.StatusCode()
	}
	if errors.Is(err, context.Canceled) || errors.Is(err, context.DeadlineExceeded) {
		return ClassCanceled, 0
	}
	if errors.Is(err, syscall.ECONNREFUSED) || errors.Is(err, syscall.EHOSTUNREACH) ||
		errors.Is(err, syscall.ENETUNREACH) {
		return ClassRefused, 0
	}
	var dnsErr *net.DNSError
	if errors.As(err, &dnsErr) {
		return ClassRefused, 0
	}
	var opErr *net.OpError
	if errors.As(err, &opErr) && opErr.Op == "dial" && !opErr.Timeout() {
		return ClassRefused, 0
	}
	if errors.Is(err, syscall.ECONNRESET) || errors.Is(err, syscall.EPIPE) ||
		errors.Is(err, syscall.ECONNABORTED) || errors.Is(err, net.ErrClosed) {
		return ClassReset, 0
	}
	if errors.Is(err, io.ErrUnexpectedEOF) || errors.Is(err, io.EOF) {
		return ClassEOF, 0
	}
	var ne net.Error
	if errors.As(err, &ne) && ne.Timeout() {
		return ClassTimeout, 0
	}
	return classifyText(err)
}

// resolve fills in the kind of an AttemptOutcome whose Kind is unset.
// A *StatusError's RetryAfter becomes the outcome's, when it has none.
func (o *AttemptOutcome) resolve() {
	if o.RetryAfter == "" && o.Err != nil {
		o.RetryAfter = statusRetryAfter(o.Err)
	}
	if o.Kind != ClassUnset {
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
		o.Kind = ClassStatus
		return
	}
	o.Kind = ClassOK
}

// statusRetryAfter is the RetryAfter of the first *StatusError in err's
// chain of single Unwraps, "" for none: errors.As would allocate on every
// failed attempt, and Do retries without allocating.
func statusRetryAfter(err error) string {
	for err != nil {
		if se, ok := err.(*StatusError); ok {
			return se.RetryAfter
		}
		u, ok := err.(interface{ Unwrap() error })
		if !ok {
			return ""
		}
		err = u.Unwrap()
	}
	return ""
}
