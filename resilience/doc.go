// Package resilience is the bundled resilience core: backoff and jitter, error
// classification, Retry-After, retry, circuit breaker, fallback, client-side
// rate limit, retry budget, timeouts, events and counters, the executor and
// the http.RoundTripper, and named profiles.
//
// # One composition, two drivers
//
// Every policy is a state machine with explicit time and injected randomness:
// a Backoff is a pure function of (attempt, previous delay, *rand.Rand), a
// Breaker is Allow(now)/Record(now, ...), a RateLimiter is Reserve(now, ...).
// A Policy, built by New from a Config, composes them; a Call, from
// Policy.Begin, drives one logical request step by step:
//
//	call := p.Begin(now, resilience.RequestMeta{Method: "GET", Key: "GET /orders"})
//	for {
//		step := call.Next(now)
//		switch step.Action {
//		case resilience.ActionSend: // attempt step.Attempt, within step.Timeout
//			call.Record(now, resilience.AttemptOutcome{Status: 503, RetryAfter: "2"})
//		case resilience.ActionWait: // now = now.Add(step.Wait)
//		default: // ActionSucceed, ActionGiveUp (step.Err) or ActionFallback
//		}
//	}
//
// The real-time executors (Do, DoRequest and Transport) and the scenario
// simulator all drive Calls, so the composition exists once. Default order,
// outermost first: fallback -> retry -> breaker -> rate limit -> attempt
// timeout, with the overall timeout around everything. Config.Order moves the
// breaker or the rate limit outside retry (once per call instead of once per
// attempt).
//
// # Simulated failures
//
// A simulator reports a network failure as AttemptOutcome.Err = ErrReset,
// ErrRefused, ErrEOF, ErrAttemptTimeout or ErrMalformed (or sets
// AttemptOutcome.Kind), and it classifies exactly like the real error: ErrReset like
// "connection reset by peer", ErrRefused like a refused dial (which, since the
// request never left, may be retried even for a POST). A response is
// AttemptOutcome{Status, RetryAfter}; the caller's own cancellation is ClassCanceled
// and is never retried. AttemptClass.RecordOutcome maps a kind to the
// arrival-log outcome.
//
// # Jitter and the cap
//
// none, full and equal jitter apply the cap to the nominal delay before the
// draw, so it bounds the delay; factor jitter also draws around the capped
// delay (up to cap*(1+f), so a fleet at the cap stays spread); decorrelated
// jitter (AWS) and decorrelated V2 (Polly) apply it after the draw. Every
// backoff here implements Distributed: its exact CDF, for analysis and tests.
//
// # Observing
//
// WithObserver receives every Event (attempt, retry with its delay and
// reason, success, failure, gave up, breaker transition with the time it took
// effect, fallback, rate limited, budget exhausted), synchronously and outside
// all locks. Policy.Counters returns a snapshot of the counts.
package resilience
