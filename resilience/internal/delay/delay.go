// Package delay holds the integer-nanosecond arithmetic the backoffs, the
// breaker and the retry driver share: a bound that float arithmetic never
// overflows, clamping, and uniform draws.
package delay

import (
	"math"
	"math/rand/v2"
	"time"
)

// Max bounds every computed delay so float arithmetic never overflows.
const Max = time.Duration(math.MaxInt64)

// ClampFloat converts nanoseconds to a Duration no larger than limit.
func ClampFloat(ns float64, limit time.Duration) time.Duration {
	if ns >= float64(limit) || math.IsNaN(ns) {
		return limit
	}
	return time.Duration(ns)
}

// UniformInt draws an integer number of nanoseconds uniformly from [lo, hi].
func UniformInt(lo, hi time.Duration, rng *rand.Rand) time.Duration {
	if hi <= lo {
		return lo
	}
	span := int64(hi - lo)
	if span == int64(Max) {
		return lo + time.Duration(rng.Int64())
	}
	return lo + time.Duration(rng.Int64N(span+1))
}
