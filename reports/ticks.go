package reports

import (
	"math"
	"strconv"

	"gonum.org/v1/plot"
)

// timeTicks labels a linear axis at a round step (1, 2 or 5 times a power of
// ten) that gives about Labels labels (0 means six), with a minor tick
// between each: gonum's default marker labels a 25 s axis only at 0 and 25.
// Narrow panels ask for fewer, so labels never run into each other.
type timeTicks struct{ Labels int }

// Ticks implements plot.Ticker.
func (tt timeTicks) Ticks(lo, hi float64) []plot.Tick {
	if !(hi > lo) {
		return []plot.Tick{{Value: lo, Label: strconv.FormatFloat(lo, 'g', 4, 64)}}
	}
	labels := tt.Labels
	if labels == 0 {
		labels = 6
	}
	step := roundStep((hi - lo) / float64(labels))
	decimals := max(0, int(-math.Floor(math.Log10(step))))
	half := step / 2
	var ticks []plot.Tick
	for i := math.Ceil(lo / half); i*half <= hi+half*1e-9; i++ {
		t := plot.Tick{Value: i * half}
		if math.Mod(i, 2) == 0 {
			t.Label = strconv.FormatFloat(i*half, 'f', decimals, 64)
		}
		ticks = append(ticks, t)
	}
	return ticks
}

// roundStep is the least of 1, 2 or 5 times a power of ten that is at least x.
func roundStep(x float64) float64 {
	p := math.Pow(10, math.Floor(math.Log10(x)))
	for _, m := range []float64{1, 2, 5, 10} {
		if m*p >= x {
			return m * p
		}
	}
	return 10 * p
}
