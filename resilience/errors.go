package resilience

import (
	"errors"
	"fmt"
	"net/http"
	"time"
)

// The errors of this package.
var (
	// Sentinel errors for network failures. A simulator returns them (or
	// wraps them) as AttemptOutcome.Err, and they classify exactly like the
	// real errors: ErrReset like "connection reset by peer", ErrRefused like
	// a refused dial.
	ErrRefused        error = &netFailure{ClassRefused, "connection refused"}
	ErrReset          error = &netFailure{ClassReset, "connection reset by peer"}
	ErrEOF            error = &netFailure{ClassEOF, "unexpected EOF before a complete response"}
	ErrAttemptTimeout error = &netFailure{ClassTimeout, "attempt timed out"}
	ErrMalformed      error = &netFailure{ClassMalformed, "malformed HTTP response"}

	// Rejections by the policies themselves (ClassRejected): never retried.
	ErrBreakerOpen     error = &rejection{"circuit breaker is open"}
	ErrRateLimited     error = &rejection{"client-side rate limit exceeded"}
	ErrBudgetExhausted error = &rejection{"retry budget exhausted"}

	// ErrRetryAfterTooLong is wrapped by the *RetryAfterError of a server
	// that asked for a wait longer than retry_after_max.
	ErrRetryAfterTooLong = errors.New("Retry-After exceeds the maximum")

	// ErrDeadline means the overall timeout ended the call, or would have
	// ended before the next retry could start.
	ErrDeadline = errors.New("overall deadline reached")
)

type rejection struct{ msg string }

func (e *rejection) Error() string              { return e.msg }
func (e *rejection) AttemptClass() AttemptClass { return ClassRejected }

// errMisuse is returned by a Call driven out of order.
var errMisuse = errors.New("resilience: Call.Next while an attempt is in flight (call Report first)")

// RetryAfterError is a fast failure: the server asked for Asked, more than
// the policy's maximum Max.
type RetryAfterError struct {
	Asked, Max time.Duration
}

func (e *RetryAfterError) Error() string {
	return fmt.Sprintf("server asked to retry after %v, more than the maximum %v", e.Asked, e.Max)
}

// Unwrap makes errors.Is(err, ErrRetryAfterTooLong) true.
func (e *RetryAfterError) Unwrap() error { return ErrRetryAfterTooLong }

// StatusError is a failing HTTP status as an error. A function run by Do
// may return one (or any error with a StatusCode() int method) to have its
// failure classified by status.
type StatusError struct {
	Code int

	// RetryAfter is the wait the server asked for with the failure, as
	// AttemptOutcome.RetryAfter takes it (a Retry-After value, or
	// retryafter.Millis of a gRPC pushback); "" for none. Do honours it as
	// the attempt's Retry-After.
	RetryAfter string
}

func (e *StatusError) Error() string {
	return fmt.Sprintf("status %d %s", e.Code, http.StatusText(e.Code))
}

// StatusCode returns the status.
func (e *StatusError) StatusCode() int { return e.Code }

// Reason says why a call failed for good.
type Reason string

// Reasons.
const (
	ReasonNotRetryable  Reason = "not retryable"
	ReasonNotIdempotent Reason = "not idempotent"
	ReasonOneShot       Reason = "request body cannot be re-sent"
	ReasonExhausted     Reason = "retries exhausted"
	ReasonBreakerOpen   Reason = "breaker open"
	ReasonRateLimited   Reason = "rate limited"
	ReasonBudget        Reason = "retry budget exhausted"
	ReasonRetryAfter    Reason = "Retry-After too long"
	ReasonDeadline      Reason = "deadline"
	ReasonCanceled      Reason = "canceled"
)

// GiveUpError is the final error of a call: it says how many attempts were
// made and why the call stopped, and wraps the last failure (an attempt's
// error, a *StatusError, a *RetryAfterError, or a policy rejection).
type GiveUpError struct {
	Attempts int
	Reason   Reason
	Kind     AttemptClass // of the last failure
	Status   int          // of the last response; 0 when none
	Err      error
}

func (e *GiveUpError) Error() string {
	plural := "s"
	if e.Attempts == 1 {
		plural = ""
	}
	return fmt.Sprintf("gave up after %d attempt%s (%s): %v", e.Attempts, plural, e.Reason, e.Err)
}

func (e *GiveUpError) Unwrap() error { return e.Err }
