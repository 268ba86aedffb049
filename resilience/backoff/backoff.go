package backoff

import (
	"errors"
	"fmt"
	"math"
	"math/rand/v2"
	"time"

	"github.com/chaos-harness/chaos/resilience/internal/delay"
)

// Strategy computes the delay before a retry. attempt is 1 for the delay
// before the first retry; prev is the previous delay this backoff returned
// for the same call (0 before the first); rng is the caller's random source.
// Every Strategy in this package is a pure function of its arguments.
type Strategy interface {
	Delay(attempt int, prev time.Duration, rng *rand.Rand) time.Duration
}

// CDFStrategy is a Strategy whose law is known exactly. CDF returns
// x -> P(Delay(attempt, prev, rng) <= x) over the random source. Specs use it
// for Kolmogorov-Smirnov tests; analysis uses it to compare observed retry
// delays with the configured strategy. Delays are integer nanoseconds, so a
// continuous CDF here is exact up to one nanosecond.
type CDFStrategy interface {
	Strategy
	CDF(attempt int, prev time.Duration) func(x time.Duration) float64
}

// Curve is a deterministic backoff: Nominal is the delay before retry
// attempt, already capped, before any jitter. Jitter decorators wrap one.
type Curve interface {
	CDFStrategy
	Nominal(attempt int) time.Duration
}

var errNegativeDelay = errors.New("delays must not be negative")

// Constant waits d before every retry.
func Constant(d time.Duration) (Curve, error) {
	if d < 0 {
		return nil, errNegativeDelay
	}
	return constant{d}, nil
}

type constant struct{ d time.Duration }

func (c constant) Nominal(int) time.Duration                          { return c.d }
func (c constant) Delay(int, time.Duration, *rand.Rand) time.Duration { return c.d }
func (c constant) CDF(int, time.Duration) func(time.Duration) float64 { return pointMass(c.d) }

// checkBaseCap refuses a negative base or cap (0: no cap), and a cap below
// the base, which no delay could respect.
func checkBaseCap(base, limit time.Duration) error {
	if base < 0 || limit < 0 {
		return errNegativeDelay
	}
	if limit > 0 && limit < base {
		return fmt.Errorf("cap %v is below base %v", limit, base)
	}
	return nil
}

// Linear waits base + (attempt-1)*step, at most limit (0: no limit).
func Linear(base, step, limit time.Duration) (Curve, error) {
	if step < 0 {
		return nil, errNegativeDelay
	}
	if err := checkBaseCap(base, limit); err != nil {
		return nil, err
	}
	return linear{base, step, capOrMax(limit)}, nil
}

type linear struct{ base, step, limit time.Duration }

func (l linear) Nominal(attempt int) time.Duration {
	n := float64(l.base) + float64(max(attempt, 1)-1)*float64(l.step)
	return delay.ClampFloat(n, l.limit)
}
func (l linear) Delay(a int, _ time.Duration, _ *rand.Rand) time.Duration { return l.Nominal(a) }
func (l linear) CDF(a int, _ time.Duration) func(time.Duration) float64 {
	return pointMass(l.Nominal(a))
}

// Exponential waits base * multiplier^(attempt-1), at most limit
// (0: no limit). The cap applies to this nominal delay, before any jitter.
func Exponential(base time.Duration, multiplier float64, limit time.Duration) (Curve, error) {
	if err := checkBaseCap(base, limit); err != nil {
		return nil, err
	}
	if !(multiplier >= 1) || math.IsInf(multiplier, 0) {
		return nil, fmt.Errorf("multiplier %v must be a finite number >= 1", multiplier)
	}
	return exponential{base, multiplier, capOrMax(limit)}, nil
}

type exponential struct {
	base       time.Duration
	multiplier float64
	limit      time.Duration
}

func (e exponential) Nominal(attempt int) time.Duration {
	n := float64(e.base) * math.Pow(e.multiplier, float64(max(attempt, 1)-1))
	return delay.ClampFloat(n, e.limit)
}
func (e exponential) Delay(a int, _ time.Duration, _ *rand.Rand) time.Duration { return e.Nominal(a) }
func (e exponential) CDF(a int, _ time.Duration) func(time.Duration) float64 {
	return pointMass(e.Nominal(a))
}

// List waits delays[attempt-1], repeating the last entry for later
// attempts (Prefect's retry_delay_seconds list).
func List(delays ...time.Duration) (Curve, error) {
	if len(delays) == 0 {
		return nil, errors.New("a list backoff needs at least one delay")
	}
	for _, d := range delays {
		if d < 0 {
			return nil, errNegativeDelay
		}
	}
	return list{append([]time.Duration(nil), delays...)}, nil
}

type list struct{ delays []time.Duration }

func (l list) Nominal(attempt int) time.Duration {
	return l.delays[min(max(attempt, 1), len(l.delays))-1]
}
func (l list) Delay(a int, _ time.Duration, _ *rand.Rand) time.Duration { return l.Nominal(a) }
func (l list) CDF(a int, _ time.Duration) func(time.Duration) float64 {
	return pointMass(l.Nominal(a))
}

func capOrMax(limit time.Duration) time.Duration {
	if limit == 0 {
		return delay.Max
	}
	return limit
}

// pointMass is the CDF of a delay that is always d.
func pointMass(d time.Duration) func(time.Duration) float64 {
	return func(x time.Duration) float64 {
		if x < d {
			return 0
		}
		return 1
	}
}
