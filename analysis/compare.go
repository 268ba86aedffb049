package analysis

import (
	"math"
	"math/rand/v2"
	"slices"

	"gonum.org/v1/gonum/stat"
	"gonum.org/v1/gonum/stat/distuv"
)

// standings orders the policies best first by the ranking rule (see
// RankingRule and rankByRule).
func standings(ps []PolicyResult) []string {
	return rankByRule(ps).names()
}

// compareAll sets the best policy against each other one, in the order of
// the standings.
func (a *Accumulator) compareAll(order []string, data []*policyData) []Comparison {
	out := []Comparison{}
	byName := map[string]*policyData{}
	for _, d := range data {
		byName[d.result.Name] = d
	}
	for _, name := range order[1:] {
		out = append(out, compare(byName[order[0]], byName[name], a.opts.BootstrapResamples, a.opts.Rand))
	}
	return out
}

// compare sets x against y (x − y throughout).
func compare(x, y *policyData, resamples int, rng *rand.Rand) Comparison {
	rx, ry := &x.result, &y.result
	c := Comparison{A: rx.Name, B: ry.Name}
	if rx.Amplification != nil && ry.Amplification != nil {
		diff := *rx.Amplification - *ry.Amplification
		c.AmplificationDiff = &diff
	}
	d, lo, hi := NewcombeDiff(rx.Succeeded, rx.LogicalRequests, ry.Succeeded, ry.LogicalRequests, Z95)
	c.SuccessRateDiff, c.SuccessRateDiffCI = d, [2]float64{lo, hi}
	c.Completion = MannWhitneyU(x.completion, y.completion)
	c.PeakToMeanDiff = rx.PeakToMean - ry.PeakToMean
	lo, hi, used := BootstrapPeakToMeanDiff(x.rate, y.rate, resamples, rng)
	c.PeakToMeanDiffCI, c.BootstrapResamples = [2]float64{lo, hi}, used
	return c
}

// bootstrapBudget bounds the binomial draws of one bootstrap, so a run cut into
// very fine bins still finishes promptly: fewer resamples, never fewer than
// minResamples.
const (
	bootstrapBudget = 20_000_000
	minResamples    = 200
)

// BootstrapPeakToMeanDiff returns a basic bootstrap 95% interval (Davison and
// Hinkley, Bootstrap Methods and their Application, 1997, §5.2.1: the limits
// 2θ̂ − θ*₉₇.₅ and 2θ̂ − θ*₂.₅) for the difference θ in peak-to-mean of two
// binned arrival series, and the number of resamples used. The basic interval
// rather than the percentile one, because a peak is biased upward by noise and
// resampling adds the same bias again: reflecting the bootstrap quantiles
// about θ̂ takes it back out.
//
// Each resample draws every series' arrivals again with replacement from its
// own arrival times, which at bin resolution is a multinomial draw over its
// bins; it takes the arrivals as independent, so it measures the noise of the
// counts, not of the clients' correlated retries.
func BootstrapPeakToMeanDiff(x, y []int, resamples int, rng *rand.Rand) (lo, hi float64, used int) {
	used = resamples
	if cells := len(x) + len(y); cells > 0 && used*cells > bootstrapBudget {
		used = max(minResamples, bootstrapBudget/cells)
	}
	px, _ := peakToMean(x)
	py, _ := peakToMean(y)
	observed := px - py
	diffs := make([]float64, used)
	bx, by := make([]int, len(x)), make([]int, len(y))
	for i := range diffs {
		multinomial(x, bx, rng)
		multinomial(y, by, rng)
		px, _ := peakToMean(bx)
		py, _ := peakToMean(by)
		diffs[i] = px - py
	}
	slices.Sort(diffs)
	lo = 2*observed - stat.Quantile(0.975, stat.Empirical, diffs, nil)
	hi = 2*observed - stat.Quantile(0.025, stat.Empirical, diffs, nil)
	return lo, hi, used
}

// multinomial draws sum(counts) items over the cells with probabilities
// proportional to counts, by conditional binomials: cell i gets
// Binomial(items left, counts[i] / mass left).
func multinomial(counts, out []int, rng *rand.Rand) {
	left, mass := 0, 0
	for _, c := range counts {
		left += c
		mass += c
	}
	for i, c := range counts {
		switch {
		case left == 0 || c == 0:
			out[i] = 0
		case c >= mass:
			out[i] = left
		default:
			b := distuv.Binomial{N: float64(left), P: float64(c) / float64(mass), Src: rng}
			out[i] = int(math.Round(b.Rand()))
		}
		left -= out[i]
		mass -= c
	}
}
