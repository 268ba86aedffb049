package scenarios

import (
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/chaos-harness/chaos/analysis"
	"github.com/chaos-harness/chaos/resilience"
)

// describePolicy lists a policy's sections with the defaults resilience
// applies (resilience/config.go and the constructors it documents) filled
// in, each as "key: value, ..." in the order of the config's fields. A
// section the policy leaves out reads "none"; knobs a section does not use
// (a multiplier with a constant backoff) are left out.
func describePolicy(c resilience.Config) []analysis.Setting {
	order := c.Order
	if len(order) == 0 {
		order = resilience.DefaultOrder
	}
	out := []analysis.Setting{
		{Key: "retry", Value: orNone(c.Retry != nil, func() kvs { return retrySettings(*c.Retry) })},
		{Key: "breaker", Value: orNone(c.Breaker != nil, func() kvs { return breakerSettings(*c.Breaker) })},
		{Key: "fallback", Value: orNone(c.Fallback != nil, func() kvs { return fallbackSettings(*c.Fallback) })},
		{Key: "rate_limit", Value: orNone(c.RateLimit != nil, func() kvs { return rateLimitSettings(*c.RateLimit) })},
		{Key: "budget", Value: orNone(c.Budget != nil, func() kvs { return budgetSettings(*c.Budget) })},
		{Key: "timeout", Value: orNone(c.Timeout != nil, func() kvs { return timeoutSettings(*c.Timeout) })},
		{Key: "order", Value: strings.Join(order, " → ")},
	}
	if r := c.Replace; r != nil { // only when used, so other policies read as before
		out = append(out, analysis.Setting{Key: "replace", Value: replaceText(*r)})
	}
	return out
}

// kvs is a section's settings in order.
type kvs []analysis.Setting

func (k *kvs) add(key, value string) { *k = append(*k, analysis.Setting{Key: key, Value: value}) }

func orNone(used bool, settings func() kvs) string {
	if !used {
		return "none"
	}
	parts := []string{}
	for _, s := range settings() {
		parts = append(parts, s.Key+": "+s.Value)
	}
	return strings.Join(parts, ", ")
}

func orDefault[T comparable](v, def T) T {
	var zero T
	if v == zero {
		return def
	}
	return v
}

func durText(d time.Duration, def time.Duration) string {
	return shortDuration(orDefault(d, def))
}

func floatText(v float64) string { return strconv.FormatFloat(v, 'g', -1, 64) }

func listText(items []string) string { return "[" + strings.Join(items, ", ") + "]" }

func retrySettings(r resilience.RetryConfig) kvs {
	var k kvs
	k.add("max_retries", strconv.Itoa(r.Retries()))
	jitter := orDefault(r.Jitter, resilience.JitterFull)
	decorrelated := jitter == resilience.JitterDecorrelated || jitter == resilience.JitterDecorrelatedV2
	backoff := orDefault(r.Backoff, resilience.BackoffExponential)
	base := orDefault(r.Base, resilience.DefaultBase)
	if !decorrelated {
		k.add("backoff", backoff)
	}
	if backoff == resilience.BackoffList && !decorrelated {
		ds := make([]string, len(r.Delays))
		for i, d := range r.Delays {
			ds[i] = shortDuration(d)
		}
		k.add("delays", listText(ds))
	} else {
		k.add("base", shortDuration(base))
	}
	if decorrelated || backoff == resilience.BackoffExponential || backoff == resilience.BackoffLinear {
		k.add("cap", durText(r.Cap, max(resilience.DefaultCap, base)))
	}
	if backoff == resilience.BackoffExponential && !decorrelated {
		k.add("multiplier", floatText(orDefault(r.Multiplier, resilience.DefaultMultiplier)))
	}
	if backoff == resilience.BackoffLinear && !decorrelated {
		k.add("step", durText(r.Step, base))
	}
	k.add("jitter", string(jitter))
	if jitter == resilience.JitterFactor {
		k.add("jitter_factor", floatText(orDefault(r.JitterFactor, resilience.DefaultJitterFactor)))
	}
	k.add("on", listText(orDefaultList(r.On, resilience.DefaultRetryOn)))
	mode := orDefault(r.RetryAfter, resilience.RetryAfterHonor)
	k.add("retry_after", string(mode))
	if mode != resilience.RetryAfterIgnore {
		k.add("retry_after_max", durText(r.RetryAfterMax, resilience.DefaultRetryAfterMax))
		k.add("retry_after_jitter", durText(r.RetryAfterJitter, 0))
		if r.RetryAfterOverMax != "" { // named only when given, so existing descriptions stay as they were
			k.add("retry_after_over_max", r.RetryAfterOverMax)
		}
	}
	k.add("non_idempotent", strconv.FormatBool(r.NonIdempotent))
	return k
}

// orDefaultList is orDefault for slices: nil or empty takes the default.
func orDefaultList(v, def []string) []string {
	if len(v) == 0 {
		return def
	}
	return v
}

func breakerSettings(b resilience.BreakerConfig) kvs {
	var k kvs
	failures := b.Failures
	if failures == 0 && b.Ratio == 0 {
		failures = resilience.DefaultBreakerFailures
	}
	if failures > 0 {
		k.add("failures", strconv.Itoa(failures))
		if b.Within > 0 {
			k.add("within", shortDuration(b.Within))
		}
	}
	if b.Ratio > 0 {
		k.add("ratio", floatText(b.Ratio))
		k.add("window", durText(b.Window, resilience.DefaultBreakerWindow))
		k.add("min_requests", strconv.Itoa(orDefault(b.MinRequests, resilience.DefaultBreakerMinRequest)))
	}
	open := orDefault(b.Open, resilience.DefaultBreakerOpen)
	k.add("open", shortDuration(open))
	mult := orDefault(b.OpenMultiplier, 1)
	k.add("open_multiplier", floatText(mult))
	if mult > 1 {
		k.add("open_max", durText(b.OpenMax, 10*open))
	}
	probes := orDefault(b.HalfOpenProbes, 1)
	k.add("half_open_probes", strconv.Itoa(probes))
	k.add("half_open_successes", strconv.Itoa(orDefault(b.HalfOpenSuccesses, probes)))
	k.add("trip_on", listText(orDefaultList(b.TripOn, resilience.DefaultTripOn)))
	return k
}

func fallbackSettings(f resilience.FallbackConfig) kvs {
	var k kvs
	stale := "none"
	if f.Stale > 0 {
		stale = shortDuration(f.Stale)
	}
	k.add("stale", stale)
	static := "none"
	if s := f.Static; s != nil {
		static = fmt.Sprintf("status %d, %d bytes", orDefault(s.Status, 200), len(s.Body))
	}
	k.add("static", static)
	return k
}

func rateLimitSettings(r resilience.RateLimitConfig) kvs {
	var k kvs
	mode := orDefault(r.Mode, resilience.RateLimitWait)
	if mode == resilience.RateLimitAdaptive {
		k.add("mode", mode)
		k.add("throttle_on", listText(orDefaultList(r.ThrottleOn, resilience.DefaultThrottleOn)))
	} else {
		k.add("rate", floatText(r.Rate)+"/s")
		k.add("burst", strconv.Itoa(orDefault(r.Burst, 1)))
		k.add("mode", mode)
	}
	if mode != resilience.RateLimitReject {
		wait := "no bound"
		if r.MaxWait > 0 {
			wait = shortDuration(r.MaxWait)
		}
		k.add("max_wait", wait)
	}
	return k
}

func budgetSettings(b resilience.BudgetConfig) kvs {
	var k kvs
	if t := b.Tokens; t != nil {
		k.add("tokens", fmt.Sprintf("{max: %s, refill: %s}",
			floatText(orDefault(t.Max, resilience.DefaultTokenBudgetMax)), floatText(orDefault(t.Refill, resilience.DefaultTokenBudgetRefill))))
	}
	r := b.Recent
	if r == nil && b.Tokens == nil && b.Quota == nil && b.TokenBucket == nil && b.FailureRatio == nil {
		r = &resilience.RecentBudgetConfig{} // `budget: {}` is the recent-ratio budget
	}
	if r != nil {
		perSecond := resilience.DefaultRecentMinPerSec
		if r.MinPerSecond != nil {
			perSecond = *r.MinPerSecond
		}
		k.add("recent", fmt.Sprintf("{ratio: %s, window: %s, min_per_second: %s}",
			floatText(orDefault(r.Ratio, resilience.DefaultRecentRatio)), durText(r.Window, resilience.DefaultRecentWindow), floatText(perSecond)))
	}
	sdkBudgetSettings(b, &k)
	return k
}

func timeoutSettings(t resilience.TimeoutConfig) kvs {
	var k kvs
	bound := func(d time.Duration) string {
		if d == 0 {
			return "none"
		}
		return shortDuration(d)
	}
	k.add("attempt", bound(t.Attempt))
	k.add("overall", bound(t.Overall))
	return k
}
