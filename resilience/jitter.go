package resilience

import (
	"fmt"
	"math/rand/v2"
	"time"
)

// Jitter names a jitter strategy as written in policy files and on the
// command line.
type Jitter string

// The jitter strategies. For each, where the cap applies:
//   - none: the nominal delay, capped by the schedule.
//   - full: U(0, d) with d the capped nominal delay, so the cap bounds the
//     delay (AWS Architecture Blog, "Exponential Backoff And Jitter", 2015).
//   - equal: d/2 + U(0, d/2), cap applied to d first (same source).
//   - decorrelated: min(cap, U(base, 3*prev)), prev starting at base; the cap
//     applies after the draw, so the law has an atom at the cap (same source).
//   - decorrelated_v2: Polly's DecorrelatedJitterBackoffV2; the cap applies
//     after the formula, which itself spreads retry times without piling up.
//   - factor: d * U(1-f, 1+f) with d the capped nominal delay, so a delay may
//     reach cap*(1+f); clamping afterwards would pile a fleet up at exactly the
//     cap, which is the synchronisation jitter exists to break (Prefect's
//     retry_jitter_factor, as a uniform factor).
const (
	JitterNone           Jitter = "none"
	JitterFull           Jitter = "full"
	JitterEqual          Jitter = "equal"
	JitterDecorrelated   Jitter = "decorrelated"
	JitterDecorrelatedV2 Jitter = "decorrelated_v2"
	JitterFactor         Jitter = "factor"
)

// Jitters lists every strategy, in the order reports show them.
var Jitters = []Jitter{JitterNone, JitterFull, JitterEqual, JitterDecorrelated, JitterDecorrelatedV2, JitterFactor}

// FullJitter draws uniformly from [0, d] where d is the schedule's delay.
func FullJitter(s Schedule) Distributed { return fullJitter{s} }

type fullJitter struct{ s Schedule }

func (j fullJitter) Delay(attempt int, _ time.Duration, rng *rand.Rand) time.Duration {
	return uniformInt(0, j.s.Nominal(attempt), rng)
}

func (j fullJitter) CDF(attempt int, _ time.Duration) func(time.Duration) float64 {
	return uniformCDF(0, j.s.Nominal(attempt))
}

// EqualJitter keeps half of the schedule's delay and draws the other half
// uniformly: d/2 + U(0, d/2).
func EqualJitter(s Schedule) Distributed { return equalJitter{s} }

type equalJitter struct{ s Schedule }

func (j equalJitter) Delay(attempt int, _ time.Duration, rng *rand.Rand) time.Duration {
	d := j.s.Nominal(attempt)
	return uniformInt(d/2, d, rng)
}

func (j equalJitter) CDF(attempt int, _ time.Duration) func(time.Duration) float64 {
	d := j.s.Nominal(attempt)
	return uniformCDF(d/2, d)
}

// FactorJitter multiplies the schedule's delay by U(1-f, 1+f), 0 < f <= 1.
func FactorJitter(s Schedule, f float64) (Distributed, error) {
	if !(f > 0 && f <= 1) {
		return nil, fmt.Errorf("jitter factor %v must be in (0, 1]", f)
	}
	return factorJitter{s, f}, nil
}

type factorJitter struct {
	s Schedule
	f float64
}

func (j factorJitter) bounds(attempt int) (lo, hi float64) {
	d := float64(j.s.Nominal(attempt))
	return d * (1 - j.f), d * (1 + j.f)
}

func (j factorJitter) Delay(attempt int, _ time.Duration, rng *rand.Rand) time.Duration {
	lo, hi := j.bounds(attempt)
	return clampFloat(lo+rng.Float64()*(hi-lo), maxDelay)
}

func (j factorJitter) CDF(attempt int, _ time.Duration) func(time.Duration) float64 {
	lo, hi := j.bounds(attempt)
	return uniformFloatCDF(lo, hi)
}

// uniformInt draws an integer number of nanoseconds uniformly from [lo, hi].
func uniformInt(lo, hi time.Duration, rng *rand.Rand) time.Duration {
	if hi <= lo {
		return lo
	}
	span := int64(hi - lo)
	if span == int64(maxDelay) {
		return lo + time.Duration(rng.Int64())
	}
	return lo + time.Duration(rng.Int64N(span+1))
}

// uniformCDF is the CDF of uniformInt(lo, hi): P(X <= x) = (x-lo+1)/(hi-lo+1).
func uniformCDF(lo, hi time.Duration) func(time.Duration) float64 {
	if hi <= lo {
		return pointMass(lo)
	}
	n := float64(hi-lo) + 1
	return func(x time.Duration) float64 {
		switch {
		case x < lo:
			return 0
		case x >= hi:
			return 1
		}
		return (float64(x-lo) + 1) / n
	}
}

// uniformFloatCDF is the CDF of lo + U*(hi-lo) truncated to nanoseconds:
// X <= x exactly when the real draw is below x+1.
func uniformFloatCDF(lo, hi float64) func(time.Duration) float64 {
	if hi <= lo {
		return pointMass(time.Duration(lo))
	}
	return func(x time.Duration) float64 {
		v := (float64(x) + 1 - lo) / (hi - lo)
		return min(max(v, 0), 1)
	}
}
