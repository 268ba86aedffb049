// Package resilience is the bundled resilience core: backoff and jitter, error
// classification, Retry-After, retry, circuit breaker, fallback, client-side rate
// limit, retry budget, timeouts, events and counters, the executor and the
// http.RoundTripper, and named profiles.
//
// Every policy is a pure state machine with explicit time and randomness, so the
// real-time executor and the scenario simulator drive the same types.
package resilience
