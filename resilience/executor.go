package resilience

import (
	"context"
	"errors"
	"fmt"
	"time"
)

// Do runs fn under the policy p on p's clock: attempts, waits, breaker,
// rate limit, budget, timeouts and stale fallback, composed as p says.
// fn's error is classified by Classify; return a *StatusError (or any error
// with StatusCode() int) to have a failure treated as that HTTP status. The
// final error is a *GiveUpError wrapping the last failure.
func Do[T any](ctx context.Context, p *Policy, fn func(context.Context) (T, error)) (T, error) {
	return DoRequest(ctx, p, RequestMeta{}, fn, nil)
}

// DoRequest is Do with request metadata (for idempotency and the stale
// fallback's key) and an optional fallback of the caller's, which answers a
// call that failed for good when no stale value applies.
func DoRequest[T any](ctx context.Context, p *Policy, req RequestMeta,
	fn func(context.Context) (T, error), fallback func(context.Context, error) (T, error)) (T, error) {
	var zero, result T
	clock := p.clock
	req.CallerFallback = fallback != nil
	keep := p.stale != nil && req.Key != ""
	// now is read once per step: the clock is the executor's largest cost.
	now := clock.Now()
	call := p.Begin(now, req)
	if err := ctx.Err(); err != nil {
		return zero, call.Abort(now, err).Err
	}
	if p.hedge != nil {
		return doHedged(ctx, p, &call, now, keep, fn, fallback)
	}
	for {
		step := call.Next(now)
		switch step.Action {
		case ActionSend:
			v, err, kind := runAttempt(ctx, clock, step.Timeout, fn)
			o := AttemptOutcome{Err: err, Kind: kind}
			if err == nil {
				result = v
				if keep {
					o.Value = v
				}
			}
			now = clock.Now()
			call.Report(now, o)
		case ActionWait:
			if err := clock.Sleep(ctx, step.Wait); err != nil {
				return zero, call.Abort(clock.Now(), err).Err
			}
			now = clock.Now()
		default:
			return finalStep(ctx, step, result, fallback)
		}
	}
}

// finalStep is the answer of a call's last step: the result, a fallback or
// the failure.
func finalStep[T any](ctx context.Context, step Step, result T, fallback func(context.Context, error) (T, error)) (T, error) {
	var zero T
	switch step.Action {
	case ActionSucceed:
		return result, nil
	case ActionFallback:
		switch step.Fallback {
		case FallbackStale:
			if v, ok := step.Value.(T); ok {
				return v, nil
			}
		case FallbackCaller:
			return fallback(ctx, step.Err)
		}
		return zero, step.Err // a static HTTP response is not a T
	}
	return zero, step.Err
}

// runAttempt runs one attempt within timeout (0: none) and classifies its
// failure: the caller's cancellation is ClassCanceled, the attempt's own
// timeout ClassTimeout, anything else is left to Classify (ClassUnset).
func runAttempt[T any](ctx context.Context, clock Clock, timeout time.Duration,
	fn func(context.Context) (T, error)) (T, error, AttemptClass) {
	if timeout <= 0 {
		v, err := fn(ctx)
		if err != nil && ctx.Err() != nil {
			return v, err, ClassCanceled
		}
		return v, err, ClassUnset
	}
	actx, cancel := attemptContext(ctx, clock, timeout)
	v, err := fn(actx)
	timedOut := errors.Is(context.Cause(actx), ErrAttemptTimeout)
	cancel()
	switch {
	case err == nil:
		return v, nil, ClassUnset
	case ctx.Err() != nil:
		return v, err, ClassCanceled
	case timedOut:
		return v, fmt.Errorf("%w after %v", ErrAttemptTimeout, timeout), ClassTimeout
	}
	return v, err, ClassUnset
}

// attemptContext derives a context that is canceled with ErrAttemptTimeout
// as its cause once timeout has passed on clock.
func attemptContext(ctx context.Context, clock Clock, timeout time.Duration) (context.Context, context.CancelFunc) {
	if _, real := clock.(RealClock); real {
		return context.WithTimeoutCause(ctx, timeout, ErrAttemptTimeout)
	}
	actx, cancel := context.WithCancelCause(ctx)
	fire := func() { cancel(ErrAttemptTimeout) }
	var stop func() bool
	if tc, ok := clock.(timerClock); ok {
		stop = tc.AfterFunc(timeout, fire)
	} else {
		done := make(chan struct{})
		go func() {
			if clock.Sleep(actx, timeout) == nil {
				fire()
			}
			close(done)
		}()
		stop = func() bool { cancel(nil); <-done; return true }
	}
	return actx, func() { stop(); cancel(nil) }
}
