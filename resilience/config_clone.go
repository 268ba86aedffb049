package resilience

import (
	"maps"
	"slices"
)

// Clone returns a deep copy of the configuration, so a variant (a jitter
// comparison, a point of a tuning grid) can be changed with Set without
// touching the policy it was made from.
func (c Config) Clone() Config {
	c.Retry = clonePtr(c.Retry, func(r *RetryConfig) {
		r.Delays = slices.Clone(r.Delays)
		r.On = slices.Clone(r.On)
	})
	c.Breaker = clonePtr(c.Breaker, func(b *BreakerConfig) { b.TripOn = slices.Clone(b.TripOn) })
	c.Fallback = clonePtr(c.Fallback, func(f *FallbackConfig) {
		f.Static = clonePtr(f.Static, func(s *StaticResponse) { s.Headers = maps.Clone(s.Headers) })
	})
	c.RateLimit = clonePtr(c.RateLimit, func(r *RateLimitConfig) { r.ThrottleOn = slices.Clone(r.ThrottleOn) })
	c.Budget = clonePtr(c.Budget, func(b *BudgetConfig) {
		b.Tokens = clonePtr(b.Tokens, nil)
		b.Recent = clonePtr(b.Recent, func(r *RecentBudgetConfig) { r.MinPerSecond = clonePtr(r.MinPerSecond, nil) })
		b.Quota = clonePtr(b.Quota, func(q *AWSQuotaConfig) { q.NoRetryIncrement = clonePtr(q.NoRetryIncrement, nil) })
		b.TokenBucket = clonePtr(b.TokenBucket, nil)
		b.FailureRatio = clonePtr(b.FailureRatio, nil)
	})
	c.Timeout = clonePtr(c.Timeout, nil)
	c.Order = slices.Clone(c.Order)
	c.Hedge = clonePtr(c.Hedge, nil)
	c.Replace = clonePtr(c.Replace, nil)
	return c
}

// clonePtr copies *p into a new value and lets deep fix up what it holds.
func clonePtr[T any](p *T, deep func(*T)) *T {
	if p == nil {
		return nil
	}
	v := *p
	if deep != nil {
		deep(&v)
	}
	return &v
}
