package bench

import (
	"net/http"
	"time"

	"github.com/chaos-harness/chaos/resilience"
)

// Every peer gets the same policy: at most 3 retries with zero delay and,
// with a breaker, one that opens after 5 consecutive failures for 30 s and
// sees every attempt (inside the retry). Neither ever trips here.
const (
	maxRetries       = 3
	breakerFailures  = 5
	breakerOpenDelay = 30 * time.Second
)

// chaosPolicy is chaos's policy: a list backoff of one zero delay, no jitter.
func chaosPolicy(withBreaker bool) (*resilience.Policy, error) {
	retries := maxRetries
	cfg := resilience.Config{Retry: &resilience.RetryConfig{
		MaxRetries: retries,
		Backoff:    resilience.BackoffList,
		Delays:     []time.Duration{0},
		Jitter:     resilience.JitterNone,
	}}
	if withBreaker {
		cfg.Breaker = &resilience.BreakerConfig{Failures: breakerFailures, Open: time.Duration(breakerOpenDelay)}
	}
	return resilience.New(cfg)
}

// serverError is what the HTTP-level peers count as a failure.
func serverError(resp *http.Response, err error) bool {
	return err != nil || (resp != nil && resp.StatusCode >= 500)
}
