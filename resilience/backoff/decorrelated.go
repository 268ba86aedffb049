package backoff

import (
	"fmt"
	"math"
	"math/rand/v2"
	"sort"
	"time"

	"github.com/chaos-harness/chaos/resilience/internal/delay"
)

// decorrelatedGrowth is the 3 in AWS's decorrelated jitter, U(base, 3*prev).
const decorrelatedGrowth = 3

// Decorrelated is AWS's decorrelated jitter (AWS Architecture Blog,
// "Exponential Strategy And Jitter", 2015): sleep = min(cap, U(base, 3*prev)),
// where prev is the previous delay and starts at base. Each delay depends on
// the one before, so the state travels with the call as prev.
func Decorrelated(base, limit time.Duration) (CDFStrategy, error) {
	if base <= 0 {
		return nil, fmt.Errorf("decorrelated jitter needs a base > 0, got %v", base)
	}
	if err := checkBaseCap(base, limit); err != nil {
		return nil, err
	}
	return decorrelated{base, capOrMax(limit)}, nil
}

type decorrelated struct{ base, limit time.Duration }

func (d decorrelated) upper(prev time.Duration) time.Duration {
	prev = max(prev, d.base)
	if prev > delay.Max/decorrelatedGrowth {
		return delay.Max
	}
	return prev * decorrelatedGrowth
}

func (d decorrelated) Delay(_ int, prev time.Duration, rng *rand.Rand) time.Duration {
	return min(d.limit, delay.UniformInt(d.base, d.upper(prev), rng))
}

// CDF is the law given the previous delay: uniform on [base, 3*prev] with the
// mass above the cap gathered at the cap.
func (d decorrelated) CDF(_ int, prev time.Duration) func(time.Duration) float64 {
	u := uniformCDF(d.base, d.upper(prev))
	return func(x time.Duration) float64 {
		if x >= d.limit {
			return 1
		}
		return u(x)
	}
}

// HistoryStrategy is a Strategy whose next delay depends on more of the call's
// history than the previous delay. The retry driver keeps one float64 per
// call, starting at 0, and calls DelayState instead of Delay.
type HistoryStrategy interface {
	Strategy
	DelayState(attempt int, prev time.Duration, state *float64, rng *rand.Rand) time.Duration
}

// Polly's constants for DecorrelatedJitterBackoffV2 (App-vNext/Polly, formula
// by George Polevoy, issue 530): pFactor smooths the first delay and
// rpScalingFactor puts the median retry times near base, 2*base, 4*base.
const (
	v2PFactor         = 4.0
	v2RpScalingFactor = 1 / 1.4
)

// PollyV2 is Polly's DecorrelatedJitterBackoffV2. With t = attempt-1+U
// and f(t) = 2^t * tanh(sqrt(4t)), the delay is (f(t) - f(t_prev)) / 1.4 *
// median, so retry k happens at f(k-1+U)/1.4*median after the first failure:
// retry times are spread evenly around an exponential schedule and never pile
// up. The cap applies to each delay after the formula.
type PollyV2 struct {
	median, limit time.Duration
}

// DecorrelatedV2 builds Polly's V2 backoff with the given median first
// delay and cap (0: no cap).
func DecorrelatedV2(median, limit time.Duration) (*PollyV2, error) {
	if median <= 0 {
		return nil, fmt.Errorf("decorrelated_v2 jitter needs a base > 0, got %v", median)
	}
	if err := checkBaseCap(median, limit); err != nil {
		return nil, err
	}
	return &PollyV2{median, capOrMax(limit)}, nil
}

// v2Formula is f(t) = 2^t * tanh(sqrt(pFactor*t)), increasing in t >= 0.
func v2Formula(t float64) float64 {
	return math.Pow(2, t) * math.Tanh(math.Sqrt(v2PFactor*t))
}

func (v *PollyV2) scale() float64 { return v2RpScalingFactor * float64(v.median) }

// DelayState draws the next delay and moves *state, the previous value of
// the formula (0 before the first retry).
func (v *PollyV2) DelayState(attempt int, _ time.Duration, state *float64, rng *rand.Rand) time.Duration {
	next := v2Formula(float64(max(attempt, 1)-1) + rng.Float64())
	delta := next - *state
	*state = next
	if math.IsInf(next, 0) {
		return v.limit
	}
	return delay.ClampFloat(delta*v.scale(), v.limit)
}

// Delay without the call's state draws the previous formula value from its
// own law: each delay has Polly's marginal distribution, but consecutive
// delays lose their correlation. The retry driver uses DelayState.
func (v *PollyV2) Delay(attempt int, prev time.Duration, rng *rand.Rand) time.Duration {
	var state float64
	if attempt >= 2 {
		state = v2Formula(float64(attempt-2) + rng.Float64())
	}
	return v.DelayState(attempt, prev, &state, rng)
}

// CDFState is the exact law of DelayState(attempt, ·, &state, ·).
func (v *PollyV2) CDFState(attempt int, state float64) func(time.Duration) float64 {
	inv := newV2Inverse(float64(max(attempt, 1) - 1))
	scale := v.scale()
	return func(x time.Duration) float64 {
		if x >= v.limit {
			return 1
		}
		if x < 0 {
			return 0
		}
		// X = trunc((f(t)-state)*scale) <= x  <=>  f(t) < (x+1)/scale + state.
		return inv.fraction((float64(x)+1)/scale + state)
	}
}

// CDF is the marginal law of one delay, integrating the previous formula
// value out by the midpoint rule over v2Midpoints points.
func (v *PollyV2) CDF(attempt int, _ time.Duration) func(time.Duration) float64 {
	if attempt <= 1 {
		return v.CDFState(1, 0)
	}
	states := make([]float64, v2Midpoints)
	for i := range states {
		states[i] = v2Formula(float64(attempt-2) + (float64(i)+0.5)/v2Midpoints)
	}
	inv := newV2Inverse(float64(attempt - 1))
	scale := v.scale()
	return func(x time.Duration) float64 {
		if x >= v.limit {
			return 1
		}
		if x < 0 {
			return 0
		}
		var sum float64
		for _, s := range states {
			sum += inv.fraction((float64(x)+1)/scale + s)
		}
		return sum / v2Midpoints
	}
}

const (
	v2Midpoints = 256
	v2TableSize = 4096
)

// v2Inverse answers P(f(lo+U) < target) for U uniform on [0,1): the u in
// [0,1] where f(lo+u) = target, f being increasing. For lo >= 1, where f is
// smooth, it interpolates a table (relative error below 1e-8); near t = 0,
// where f grows like a square root, it bisects.
type v2Inverse struct {
	lo    float64
	table []float64 // f(lo + i/v2TableSize), i = 0..v2TableSize
}

func newV2Inverse(lo float64) v2Inverse {
	inv := v2Inverse{lo: lo}
	if lo >= 1 {
		inv.table = make([]float64, v2TableSize+1)
		for i := range inv.table {
			inv.table[i] = v2Formula(lo + float64(i)/v2TableSize)
		}
	}
	return inv
}

func (inv v2Inverse) fraction(target float64) float64 {
	if inv.table != nil {
		t := inv.table
		if target <= t[0] {
			return 0
		}
		if target >= t[len(t)-1] {
			return 1
		}
		i := sort.SearchFloat64s(t, target) // t[i-1] < target <= t[i]
		frac := (target - t[i-1]) / (t[i] - t[i-1])
		return (float64(i-1) + frac) / v2TableSize
	}
	if target <= v2Formula(inv.lo) {
		return 0
	}
	if target >= v2Formula(inv.lo+1) {
		return 1
	}
	a, b := 0.0, 1.0
	for range 52 {
		m := (a + b) / 2
		if v2Formula(inv.lo+m) < target {
			a = m
		} else {
			b = m
		}
	}
	return (a + b) / 2
}
