package main

import (
	"cmp"
	"fmt"
	"reflect"
	"slices"
	"strings"

	"github.com/chaos-harness/chaos/resilience"
)

// hasSection reports whether c configures every section on the way to the
// knob key (a full path, see policyKeys): "breaker.open" needs a breaker section,
// "budget.tokens.max" a budget with a tokens section. setKnob would create a
// missing section with its defaults, which turns on a mechanism the policy
// does not have; a sweep must not do that unasked. When it returns false,
// why names the missing section.
func hasSection(c resilience.Config, key string) (ok bool, why string) {
	if !slices.Contains(policyKeys(), key) {
		return false, fmt.Sprintf("%s is not a policy key", key)
	}
	v := reflect.ValueOf(c)
	parts := strings.Split(key, ".")
	for i, part := range parts[:len(parts)-1] {
		f := fieldByYAML(v, part)
		path := strings.Join(parts[:i+1], ".")
		if f.IsNil() {
			// `budget: {}` is the recent-ratio budget with its defaults.
			if path == "budget.recent" && c.Budget.Tokens == nil {
				return true, ""
			}
			return false, fmt.Sprintf("it has no %s section", path)
		}
		v = f.Elem()
	}
	return true, ""
}

// usesKnob reports whether the policy's behaviour depends on the knob key (a
// full path, see Keys): its section is configured (hasSection) and the
// settings beside it do not make it ignored. In the retry section nothing
// but max_retries matters when no retry is made; base is ignored by the
// list backoff, cap by the constant and list backoffs, multiplier by all
// but the exponential, step by all but the linear, delays by all but the
// list, backoff itself by the decorrelated jitters (which compute their own
// delays from base and cap); jitter_factor needs jitter factor and the
// Retry-After bounds need retry_after honor. A breaker's window and
// min_requests need a ratio, and open_max a growing open duration. When it
// returns false, why says what ignores the key.
func usesKnob(c resilience.Config, key string) (used bool, why string) {
	if ok, why := hasSection(c, key); !ok {
		return false, why
	}
	section, knob, _ := strings.Cut(key, ".")
	switch section {
	case "retry":
		return retryUses(c.Retry, knob)
	case "breaker":
		return breakerUses(c.Breaker, knob)
	}
	return true, ""
}

func retryUses(r *resilience.RetryConfig, knob string) (bool, string) {
	if knob != "max_retries" && r.Retries() == 0 {
		return false, "retry.max_retries is 0, so no retry is made"
	}
	backoff, jitter := cmp.Or(r.Backoff, resilience.BackoffExponential), cmp.Or(r.Jitter, resilience.JitterFull)
	decorrelated := jitter == resilience.JitterDecorrelated || jitter == resilience.JitterDecorrelatedV2
	if decorrelated {
		switch knob {
		case "backoff", "multiplier", "step", "delays":
			return false, fmt.Sprintf("jitter %s computes its delays from retry.base and retry.cap alone", jitter)
		}
	} else {
		needs := map[string]string{"multiplier": resilience.BackoffExponential, "step": resilience.BackoffLinear, "delays": resilience.BackoffList}
		if want, ok := needs[knob]; ok && backoff != want {
			return false, fmt.Sprintf("retry.%s is used only by backoff %s, and its backoff is %s", knob, want, backoff)
		}
		if knob == "base" && backoff == resilience.BackoffList {
			return false, "backoff list takes its delays from retry.delays"
		}
		if knob == "cap" && (backoff == resilience.BackoffConstant || backoff == resilience.BackoffList) {
			return false, fmt.Sprintf("backoff %s has no growth to cap", backoff)
		}
	}
	switch {
	case knob == "jitter_factor" && jitter != resilience.JitterFactor:
		return false, fmt.Sprintf("retry.jitter_factor is used only by jitter factor, and its jitter is %s", jitter)
	case (knob == "retry_after_max" || knob == "retry_after_jitter") && r.RetryAfter == resilience.RetryAfterIgnore:
		return false, "retry.retry_after is ignore, so no Retry-After is honoured"
	}
	return true, ""
}

func breakerUses(b *resilience.BreakerConfig, knob string) (bool, string) {
	switch {
	case (knob == "window" || knob == "min_requests") && b.Ratio == 0:
		return false, "breaker.ratio is not set, so the breaker trips on consecutive failures alone"
	case knob == "open_max" && b.OpenMultiplier <= 1:
		return false, "breaker.open_multiplier is not above 1, so the open duration never grows"
	}
	return true, ""
}
