package backoff

import (
	"fmt"
	"math/rand/v2"
	"time"

	"github.com/chaos-harness/chaos/resilience/internal/delay"
)

// FullJitter draws uniformly from [0, d] where d is the schedule's delay.
func FullJitter(s Curve) CDFStrategy { return fullJitter{s} }

type fullJitter struct{ s Curve }

func (j fullJitter) Delay(attempt int, _ time.Duration, rng *rand.Rand) time.Duration {
	return delay.UniformInt(0, j.s.Nominal(attempt), rng)
}

func (j fullJitter) CDF(attempt int, _ time.Duration) func(time.Duration) float64 {
	return uniformCDF(0, j.s.Nominal(attempt))
}

// EqualJitter keeps half of the schedule's delay and draws the other half
// uniformly: d/2 + U(0, d/2).
func EqualJitter(s Curve) CDFStrategy { return equalJitter{s} }

type equalJitter struct{ s Curve }

func (j equalJitter) Delay(attempt int, _ time.Duration, rng *rand.Rand) time.Duration {
	d := j.s.Nominal(attempt)
	return delay.UniformInt(d/2, d, rng)
}

func (j equalJitter) CDF(attempt int, _ time.Duration) func(time.Duration) float64 {
	d := j.s.Nominal(attempt)
	return uniformCDF(d/2, d)
}

// FactorJitter multiplies the schedule's delay by U(1-f, 1+f), 0 < f <= 1.
func FactorJitter(s Curve, f float64) (CDFStrategy, error) {
	if !(f > 0 && f <= 1) {
		return nil, fmt.Errorf("jitter factor %v must be in (0, 1]", f)
	}
	return factorJitter{s, f}, nil
}

type factorJitter struct {
	s Curve
	f float64
}

func (j factorJitter) bounds(attempt int) (lo, hi float64) {
	d := float64(j.s.Nominal(attempt))
	return d * (1 - j.f), d * (1 + j.f)
}

func (j factorJitter) Delay(attempt int, _ time.Duration, rng *rand.Rand) time.Duration {
	lo, hi := j.bounds(attempt)
	return delay.ClampFloat(lo+rng.Float64()*(hi-lo), delay.Max)
}

func (j factorJitter) CDF(attempt int, _ time.Duration) func(time.Duration) float64 {
	lo, hi := j.bounds(attempt)
	return uniformFloatCDF(lo, hi)
}

// uniformCDF is the CDF of delay.UniformInt(lo, hi): P(X <= x) = (x-lo+1)/(hi-lo+1).
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
