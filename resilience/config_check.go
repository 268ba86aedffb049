package resilience

import (
	"errors"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/chaos-harness/chaos/internal/suggest"
	"github.com/chaos-harness/chaos/problem"
)

// ProblemsError is every problem of a Config, returned by New.
type ProblemsError []problem.Field

func (e ProblemsError) Error() string {
	msgs := make([]string, len(e))
	for i, p := range e {
		msgs[i] = p.Error()
	}
	return "invalid policy: " + strings.Join(msgs, "; ")
}

// Problems checks every field of c and returns what is wrong, in field
// order; nil when c is valid. A knob that would be silently ignored (a
// multiplier with a constant backoff) is a problem too. A path is relative
// to the policy entry, such as "retry.base" or "retry.on[2]", so a scenario
// loader can locate it with doc.Errorf(prefix+"."+Path, "%s", Msg).
func (c Config) Problems() []problem.Field {
	var ps problem.List
	if c.Retry != nil {
		c.Retry.check(&ps)
	}
	if c.Breaker != nil {
		c.Breaker.check(&ps)
	}
	if c.Fallback != nil {
		c.Fallback.check(&ps)
	}
	if c.RateLimit != nil {
		c.RateLimit.check(&ps)
	}
	if c.Budget != nil {
		c.Budget.check(&ps)
	}
	if c.Timeout != nil {
		c.Timeout.check(&ps)
	}
	if h := c.Hedge; h != nil {
		if h.Delay <= 0 {
			ps.Add("hedge.delay", "must be more than 0 (how long an attempt may go unanswered before a hedge), got %v", h.Delay)
		}
		if h.Max < 0 {
			ps.Add("hedge.max", "must be 1 or more, got %d", h.Max)
		}
	}
	if c.Replace != nil {
		c.Replace.check(&ps, &c)
	}
	c.checkOrder(&ps)
	return ps
}

func oneOf[T ~string](ps *problem.List, path string, v T, allowed ...T) {
	if v == "" || slices.Contains(allowed, v) {
		return
	}
	names := make([]string, len(allowed))
	for i, a := range allowed {
		names[i] = string(a)
	}
	msg := fmt.Sprintf("unknown value %q (one of %s)", v, strings.Join(names, ", "))
	if s := suggest.Nearest(string(v), names); s != "" {
		msg += fmt.Sprintf("; did you mean %q?", s)
	}
	ps.Add(path, "%s", msg)
}

func checkTokens(ps *problem.List, path string, tokens []string) {
	if _, err := parseAttemptSet(tokens); err != nil {
		var te *tokenError
		if errors.As(err, &te) {
			ps.Add(fmt.Sprintf("%s[%d]", path, te.Index), "%v", te.Err)
			return
		}
		ps.Add(path, "%v", err)
	}
}

func (r *RetryConfig) check(ps *problem.List) {
	if r.MaxRetries < NoRetries {
		ps.Add("retry.max_retries", "must be 1 or more, 0 (the default) or NoRetries (-1), got %d", r.MaxRetries)
	}
	oneOf(ps, "retry.backoff", r.Backoff, BackoffConstant, BackoffLinear, BackoffExponential, BackoffList)
	oneOf(ps, "retry.jitter", r.Jitter, Jitters...)
	oneOf(ps, "retry.retry_after", r.RetryAfter, RetryAfterHonor, RetryAfterIgnore, RetryAfterFloor)
	oneOf(ps, "retry.retry_after_over_max", r.RetryAfterOverMax, RetryAfterOverMaxFail, RetryAfterOverMaxClamp)
	for _, f := range []struct {
		path string
		d    time.Duration
	}{{"retry.base", r.Base}, {"retry.cap", r.Cap}, {"retry.step", r.Step},
		{"retry.retry_after_max", r.RetryAfterMax}, {"retry.retry_after_jitter", r.RetryAfterJitter}} {
		if f.d < 0 {
			ps.Add(f.path, "must not be negative, got %v", f.d)
		}
	}
	backoff, jitter := r.backoffKind(), r.jitterKind()
	decorrelated := jitter == JitterDecorrelated || jitter == JitterDecorrelatedV2
	if base := orDuration(r.Base, DefaultBase); r.Cap != 0 && r.Cap < base {
		ps.Add("retry.cap", "cap %v is below base %v", r.Cap, base)
	}
	if r.Cap != 0 && !decorrelated && (backoff == BackoffConstant || backoff == BackoffList) {
		ps.Add("retry.cap", "is not used by backoff %s", backoff)
	}
	if decorrelated && r.Backoff != "" && r.Backoff != BackoffExponential {
		ps.Add("retry.backoff", "jitter %s computes its own delays from base and cap; backoff %s would be ignored", jitter, r.Backoff)
	}
	if r.Multiplier != 0 {
		switch {
		case r.Multiplier < 1:
			ps.Add("retry.multiplier", "must be 1 or more, got %v", r.Multiplier)
		case backoff != BackoffExponential || decorrelated:
			ps.Add("retry.multiplier", "is used only by backoff exponential without decorrelated jitter")
		}
	}
	if r.Step != 0 && backoff != BackoffLinear {
		ps.Add("retry.step", "is used only by backoff linear")
	}
	switch {
	case backoff == BackoffList && len(r.Delays) == 0:
		ps.Add("retry.delays", "backoff list needs at least one delay")
	case backoff != BackoffList && len(r.Delays) > 0:
		ps.Add("retry.delays", "is used only by backoff list")
	}
	for i, d := range r.Delays {
		if d < 0 {
			ps.Add(fmt.Sprintf("retry.delays[%d]", i), "must not be negative")
		}
	}
	if r.JitterFactor != 0 {
		switch {
		case !(r.JitterFactor > 0 && r.JitterFactor <= 1):
			ps.Add("retry.jitter_factor", "must be in (0, 1], got %v", r.JitterFactor)
		case jitter != JitterFactor:
			ps.Add("retry.jitter_factor", "is used only by jitter factor")
		}
	}
	checkTokens(ps, "retry.on", r.On)
	if r.RetryAfter == RetryAfterIgnore && (r.RetryAfterMax != 0 || r.RetryAfterJitter != 0 || r.RetryAfterOverMax != "") {
		ps.Add("retry.retry_after", "retry_after_max, retry_after_jitter and retry_after_over_max apply only with retry_after: honor or floor")
	}
}

func (r *RetryConfig) backoffKind() string {
	if r.Backoff == "" {
		return BackoffExponential
	}
	return r.Backoff
}

func (r *RetryConfig) jitterKind() Jitter {
	if r.Jitter == "" {
		return JitterFull
	}
	return r.Jitter
}

func (b *BreakerConfig) check(ps *problem.List) {
	if b.Failures < 0 {
		ps.Add("breaker.failures", "must be 1 or more, got %d", b.Failures)
	}
	if b.Ratio < 0 || b.Ratio > 1 {
		ps.Add("breaker.ratio", "must be in (0, 1], got %v", b.Ratio)
	}
	if b.Ratio == 0 && (b.Window != 0 || b.MinRequests != 0) {
		ps.Add("breaker.ratio", "window and min_requests apply only with a failure ratio")
	}
	if b.MinRequests < 0 {
		ps.Add("breaker.min_requests", "must be 1 or more, got %d", b.MinRequests)
	}
	if b.Window < 0 || b.Open < 0 || b.OpenMax < 0 {
		ps.Add("breaker", "durations must not be negative")
	}
	if b.OpenMultiplier != 0 && b.OpenMultiplier < 1 {
		ps.Add("breaker.open_multiplier", "must be 1 or more, got %v", b.OpenMultiplier)
	}
	if b.OpenMax != 0 && b.OpenMax < orDuration(b.Open, DefaultBreakerOpen) {
		ps.Add("breaker.open_max", "open_max %v is below open %v", b.OpenMax, orDuration(b.Open, DefaultBreakerOpen))
	}
	if b.HalfOpenProbes < 0 {
		ps.Add("breaker.half_open_probes", "must be 1 or more, got %d", b.HalfOpenProbes)
	}
	if b.HalfOpenSuccesses < 0 || b.HalfOpenSuccesses > max(b.HalfOpenProbes, 1) {
		ps.Add("breaker.half_open_successes", "must be between 1 and half_open_probes (%d), got %d",
			max(b.HalfOpenProbes, 1), b.HalfOpenSuccesses)
	}
	if b.Within < 0 {
		ps.Add("breaker.within", "must not be negative, got %v", b.Within)
	}
	if b.Within > 0 && b.Failures == 0 && b.Ratio > 0 {
		ps.Add("breaker.within", "counts failures: it needs failures, not a ratio alone")
	}
	checkTokens(ps, "breaker.trip_on", b.TripOn)
}

func (f *FallbackConfig) check(ps *problem.List) {
	if f.Stale < 0 {
		ps.Add("fallback.stale", "must not be negative")
	}
	if f.Stale == 0 && f.Static == nil {
		ps.Add("fallback", "needs stale (a TTL for the last good response) or static (a fixed response)")
	}
	if f.Static != nil && f.Static.Status != 0 && (f.Static.Status < 100 || f.Static.Status > 599) {
		ps.Add("fallback.static.status", "must be an HTTP status (100-599), got %d", f.Static.Status)
	}
}

func (r *RateLimitConfig) check(ps *problem.List) {
	switch {
	case r.Mode == RateLimitAdaptive && (r.Rate != 0 || r.Burst != 0):
		ps.Add("rate_limit.mode", "adaptive sets its own rate: rate and burst are not given with it")
	case r.Mode == RateLimitAdaptive:
	case !(r.Rate > 0):
		ps.Add("rate_limit.rate", "must be more than 0 (tokens per second), got %v", r.Rate)
	}
	if r.Burst < 0 {
		ps.Add("rate_limit.burst", "must be 1 or more, got %d", r.Burst)
	}
	oneOf(ps, "rate_limit.mode", r.Mode, RateLimitWait, RateLimitReject, RateLimitAdaptive)
	if len(r.ThrottleOn) > 0 && r.Mode != RateLimitAdaptive {
		ps.Add("rate_limit.throttle_on", "applies only with mode: adaptive")
	}
	checkTokens(ps, "rate_limit.throttle_on", r.ThrottleOn)
	if r.MaxWait < 0 {
		ps.Add("rate_limit.max_wait", "must not be negative")
	}
	if r.Mode == RateLimitReject && r.MaxWait != 0 {
		ps.Add("rate_limit.max_wait", "applies only with mode: wait or adaptive")
	}
}

func (b *BudgetConfig) check(ps *problem.List) {
	if t := b.Tokens; t != nil {
		if t.Max < 0 || t.Max > 1000 {
			ps.Add("budget.tokens.max", "must be in (0, 1000], got %v", t.Max)
		}
		if t.Refill < 0 || t.Refill > 1 {
			ps.Add("budget.tokens.refill", "must be in (0, 1], got %v", t.Refill)
		}
	}
	if r := b.Recent; r != nil {
		if r.Ratio < 0 || r.Ratio > 10 {
			ps.Add("budget.recent.ratio", "must be in (0, 10], got %v", r.Ratio)
		}
		if r.Window < 0 {
			ps.Add("budget.recent.window", "must not be negative")
		}
		if r.MinPerSecond != nil && *r.MinPerSecond < 0 {
			ps.Add("budget.recent.min_per_second", "must be 0 or more, got %v", *r.MinPerSecond)
		}
	}
	if q := b.Quota; q != nil {
		positive(ps, "budget.quota.size", q.Size)
		positive(ps, "budget.quota.retry_cost", q.RetryCost)
		positive(ps, "budget.quota.timeout_cost", q.TimeoutCost)
		positive(ps, "budget.quota.throttle_cost", q.ThrottleCost)
		if q.NoRetryIncrement != nil && *q.NoRetryIncrement < 0 {
			ps.Add("budget.quota.no_retry_increment", "must be 0 or more, got %v", *q.NoRetryIncrement)
		}
	}
	if k := b.TokenBucket; k != nil {
		positive(ps, "budget.token_bucket.size", k.Size)
		positive(ps, "budget.token_bucket.deposit", k.Deposit)
		positive(ps, "budget.token_bucket.cost", k.Cost)
		if size, cost := orFloat(k.Size, DefaultTokenBucketSize), orFloat(k.Cost, DefaultTokenBucketCost); cost >= size {
			ps.Add("budget.token_bucket.cost", "cost %v must be below size %v, or no retry is ever made", cost, size)
		}
	}
	if f := b.FailureRatio; f != nil && f.Threshold < 0 {
		ps.Add("budget.failure_ratio.threshold", "must be more than 0, got %v", f.Threshold)
	}
}

// positive adds a problem for a knob whose zero is its default and which
// must otherwise be more than 0.
func positive(ps *problem.List, path string, v float64) {
	if v < 0 {
		ps.Add(path, "must be more than 0, got %v", v)
	}
}

func (t *TimeoutConfig) check(ps *problem.List) {
	if t.Attempt < 0 {
		ps.Add("timeout.attempt", "must not be negative")
	}
	if t.Overall < 0 {
		ps.Add("timeout.overall", "must not be negative")
	}
	if t.Attempt > 0 && t.Overall > 0 && t.Attempt > t.Overall {
		ps.Add("timeout.attempt", "attempt timeout %v is longer than the overall %v", t.Attempt, t.Overall)
	}
}

func (c Config) checkOrder(ps *problem.List) {
	if len(c.Order) == 0 {
		return
	}
	present := map[string]bool{LayerFallback: c.Fallback != nil, LayerRetry: c.Retry != nil,
		LayerBreaker: c.Breaker != nil, LayerRateLimit: c.RateLimit != nil}
	seen := map[string]int{}
	for i, name := range c.Order {
		path := fmt.Sprintf("order[%d]", i)
		switch {
		case name == "timeout":
			ps.Add(path, "timeouts are not ordered: timeout.attempt is always innermost and timeout.overall outermost")
		case !slices.Contains(DefaultOrder, name):
			oneOf(ps, path, name, DefaultOrder...)
		case !present[name]:
			ps.Add(path, "names %s, which this policy does not configure", name)
		}
		if j, dup := seen[name]; dup {
			ps.Add(path, "repeats %s (already at order[%d])", name, j)
		}
		seen[name] = i
	}
	for _, name := range DefaultOrder {
		if _, listed := seen[name]; present[name] && !listed {
			ps.Add("order", "leaves out %s, which this policy configures", name)
		}
	}
	if f, ok := seen[LayerFallback]; ok {
		if r, ok := seen[LayerRetry]; ok && f > r {
			ps.Add(fmt.Sprintf("order[%d]", f), "fallback must be outside retry: inside, it would hide every failure from the retry")
		}
	}
}
