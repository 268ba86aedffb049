// Package resilience is the resilience core a Go client uses around its HTTP
// calls: retry with backoff, jitter and Retry-After, circuit breaker,
// fallback, client-side rate limit, retry budget and timeouts, composed from
// one Config.
//
// # Two ways in
//
// Wrap an http.Client, so every request goes through the policy:
//
//	p, err := resilience.New(resilience.Config{
//		Name:    "orders",
//		Retry:   &resilience.RetryConfig{MaxRetries: 4, Base: 100 * time.Millisecond, Cap: 2 * time.Second},
//		Breaker: &resilience.BreakerConfig{Failures: 5, Open: 2 * time.Second},
//		Timeout: &resilience.TimeoutConfig{Attempt: time.Second},
//	})
//	client := &http.Client{Transport: &resilience.Transport{Policy: p}}
//
// or call any function through it with Do (DoRequest for a call with a
// method and a key, for idempotency and the stale fallback):
//
//	n, err := resilience.Do(ctx, p, func(ctx context.Context) (int, error) { ... })
//
// Durations are time.Duration; the zero value of every field is its
// documented default (MaxRetries 0 is DefaultMaxRetries; NoRetries makes
// none), and a nil section is a mechanism not used. A policy file writes the
// same Config in YAML (a scenario's `policies:` entry), where
// `max_retries: 0` means no retry. Problems says what is wrong with a Config;
// New refuses one that has problems.
//
// # One composition, two drivers
//
// Every mechanism is a state machine with explicit time and injected
// randomness: a backoff.Strategy is a pure function of (attempt, previous
// delay, *rand.Rand), a breaker.Breaker is Allow(now)/Report(now, ...), a
// ratelimit.Bucket is Reserve(now, ...). A Policy composes them; a Call, from
// Policy.Begin, drives one logical request step by step:
//
//	call := p.Begin(now, resilience.RequestMeta{Method: "GET", Key: "GET /orders"})
//	for {
//		step := call.Next(now)
//		switch step.Action {
//		case resilience.ActionSend: // attempt step.Attempt, within step.Timeout
//			call.Report(now, resilience.AttemptOutcome{Status: 503, RetryAfter: "2"})
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
// attempt). The building blocks are public for a Go user composing a policy
// of their own: resilience/backoff, resilience/breaker, resilience/ratelimit,
// resilience/retrybudget and resilience/retryafter; none imports this
// package. resilience/profile
// reads the seed designs' retry profiles into Configs.
//
// # The SDKs' and papers' policies
//
// Beside gRPC's retry throttling and Finagle's ratio budget, a budget may be
// the AWS SDKs' standard retry quota (BudgetConfig.Quota: 500 tokens, 5 a
// retry, 10 a retry after a timeout, the cost back on a successful retry, 1
// on a first-try success), Brooker's retry token bucket (TokenBucket: a
// deposit per first try, a retry while more than its cost remains) or his
// retry circuit breaker (FailureRatio: no retry while failed attempts over
// first tries since the start exceed a threshold); resilience/retrybudget
// holds them. RateLimitConfig mode adaptive is the AWS SDKs' adaptive client
// rate limiter (ratelimit.Adaptive, CUBIC over the measured send rate).
// RetryConfig.RetryAfter floor waits max(backoff, Retry-After), and
// RetryAfterOverMax clamp waits the maximum instead of failing.
// BreakerConfig.Within trips on N failures within a sliding period.
//
// # Hedging
//
// A HedgeConfig sends another copy of an attempt that has not answered in
// Delay, up to Max, while the first is in flight; the first answer wins and
// the others are cancelled. The step driver asks for a hedge with
// Step.HedgeAfter on an ActionSend and returns ActionAwait while attempts
// are in flight; a hedging driver reports each answer with
// Call.ReportAttempt. Do and the Transport run each attempt on its own
// goroutine and cancel the losers' contexts (a loser's response is drained
// and closed). Counters.Hedges, HedgesWon and HedgesWasted, and the events
// EventHedge, EventHedgeWon and EventHedgeWasted, count them.
//
// # Replacing late answers
//
// A ReplaceConfig follows a success that came more than SlowerThan after
// its attempt was sent with a replacement attempt, sent at once, up to Max
// per call: the client of Brooker's omission model. The late answer is a
// success for its attempt and its work is not cancelled; the replacement
// is an attempt like any other but not a retry (no backoff, no retry
// count, no budget). The step driver simply returns ActionSend again after
// the late Report, so Do, the Transport and the simulator need nothing
// more; WithReplaceUntil stops a policy's replacing at a time (an
// open-loop client that has stopped). Counters.Replacements and
// EventReplace count them.
//
// # Simulated failures
//
// A simulator reports a network failure as AttemptOutcome.Err = ErrReset,
// ErrRefused, ErrEOF, ErrAttemptTimeout or ErrMalformed (or sets
// AttemptOutcome.Kind), and it classifies exactly like the real error:
// ErrReset like "connection reset by peer", ErrRefused like a refused dial
// (which, since the request never left, may be retried even for a POST). A
// response is AttemptOutcome{Status, RetryAfter}; the caller's own
// cancellation is ClassCanceled and is never retried.
// AttemptClass.RecordOutcome maps a class to the arrival-log outcome.
//
// # Jitter and the cap
//
// none, full and equal jitter apply the cap to the nominal delay before the
// draw, so it bounds the delay; factor jitter also draws around the capped
// delay (up to cap*(1+f), so a fleet at the cap stays spread); decorrelated
// jitter (AWS) and decorrelated V2 (Polly) apply it after the draw. Every
// strategy in resilience/backoff is a backoff.CDFStrategy: its exact CDF, for
// analysis and tests.
//
// # Observing
//
// WithObserver receives every Event (attempt, retry with its delay and
// reason, success, failure, gave up, breaker transition with the time it took
// effect, fallback, rate limited, budget exhausted, hedge sent, won and
// wasted), synchronously and outside
// all locks. Policy.Counters returns a snapshot of the counts.
package resilience
