package analysis

import (
	"math"
	"time"
)

// grid is how time is cut for the results: bins of BinWidth for the rate
// series, a sliding window for all arrivals and recovery, and one for the
// retries, all whole numbers of timeline bins.
type grid struct {
	resolution  float64 // ms per timeline bin
	perBin      int     // timeline bins per rate bin
	binWidth    float64 // ms
	windowBins  int     // timeline bins per sliding window
	window      float64 // ms
	retryBins   int     // timeline bins per retry window
	retryWindow float64 // ms
	nBins       int     // rate bins from the run start to the last arrival
}

// Bounds on the number of rate bins the Freedman–Diaconis choice may give
// across the run, so a plot is neither a few blocks nor noise.
const (
	minAutoBins = 30
	maxAutoBins = 600
)

func (a *Accumulator) chooseGrid(n *notes) grid {
	g := grid{resolution: a.tl.resolution}
	width := ms(a.opts.BinWidth)
	if width == 0 {
		width = a.freedmanDiaconis()
	}
	g.perBin = max(1, int(math.Round(width/g.resolution)))
	g.binWidth = float64(g.perBin) * g.resolution
	if a.opts.BinWidth != 0 && g.binWidth != width {
		n.add("bin width %v rounded to %g ms, a multiple of the timeline resolution of %g ms", a.opts.BinWidth, g.binWidth, g.resolution)
	}
	g.windowBins, g.window = g.slidingWindow("sliding window", a.opts.Window, n)
	g.retryBins, g.retryWindow = g.slidingWindow("retry window", a.opts.RetryWindow, n)
	longest := 0
	for _, p := range a.order {
		longest = max(longest, len(p.bins.arrivals))
	}
	g.nBins = (longest + g.perBin - 1) / g.perBin
	return g
}

// slidingWindow rounds a window to a whole number of timeline bins (at least
// one), noting when that changed it.
func (g grid) slidingWindow(what string, d time.Duration, n *notes) (bins int, width float64) {
	bins = max(1, int(math.Round(ms(d)/g.resolution)))
	width = float64(bins) * g.resolution
	if width != ms(d) {
		n.add("%s %v rounded to %g ms, a multiple of the timeline resolution of %g ms", what, d, width, g.resolution)
	}
	return bins, width
}

// freedmanDiaconis chooses the rate bin width from the pooled arrival times
// by the Freedman–Diaconis rule, h = 2·IQR·n^(−1/3) (Freedman and Diaconis,
// Z. Wahrscheinlichkeitstheorie 57, 1981), kept between maxAutoBins and
// minAutoBins bins across the span of arrivals and rounded to 1, 2 or 5 times
// a power of ten.
func (a *Accumulator) freedmanDiaconis() float64 {
	res := a.tl.resolution
	pooled := []uint32{}
	first, last := math.Inf(1), 0.0
	for _, p := range a.order {
		first, last = min(first, p.firstT), max(last, p.lastT)
		if len(p.bins.arrivals) > len(pooled) {
			pooled = append(pooled, make([]uint32, len(p.bins.arrivals)-len(pooled))...)
		}
		for i, c := range p.bins.arrivals {
			pooled[i] += c
		}
	}
	var total float64
	for _, c := range pooled {
		total += float64(c)
	}
	if total == 0 {
		return 1000 // no arrivals at all: any width will do
	}
	iqr := binnedQuantile(pooled, res, 0.75*total) - binnedQuantile(pooled, res, 0.25*total)
	h := 2 * iqr * math.Cbrt(1/total)
	span := last - first
	h = niceNumber(math.Max(math.Min(math.Max(h, span/maxAutoBins), span/minAutoBins), res))
	// Rounding may cross a bound; step to the neighbouring nice number.
	if span/h < minAutoBins && h > res {
		h = niceNumber(h / 2.1)
	}
	return h
}

// binnedQuantile is the time at which the cumulative count of bins of width
// res reaches rank, interpolating linearly within the bin.
func binnedQuantile(bins []uint32, res, rank float64) float64 {
	var cum float64
	for i, c := range bins {
		if c > 0 && cum+float64(c) >= rank {
			return (float64(i) + (rank-cum)/float64(c)) * res
		}
		cum += float64(c)
	}
	return float64(len(bins)) * res
}

// niceNumber rounds x > 0 to the nearest (in ratio) of 1, 2 or 5 times a power
// of ten. Dividing a nice number by 2.1 and rounding again gives the next
// smaller one (500 → 200, 200 → 100, 100 → 50).
func niceNumber(x float64) float64 {
	exp := math.Floor(math.Log10(x))
	base := math.Pow(10, exp)
	best := base
	for _, m := range []float64{2, 5, 10} {
		if math.Abs(math.Log(x/(m*base))) < math.Abs(math.Log(x/best)) {
			best = m * base
		}
	}
	return best
}

// rateBins sums a policy's timeline counts into the grid's rate bins.
func (g grid) rateBins(c []uint32) []int {
	out := make([]int, g.nBins)
	for i, v := range c {
		out[i/g.perBin] += int(v)
	}
	return out
}

// peakToMean returns the largest rate bin over the mean, and the coefficient
// of variation (population sd over mean), across the bins from the first to
// the last non-empty one: the span in which the policy was sending.
func peakToMean(bins []int) (ptm, cv float64) {
	lo, hi := activeSpan(bins)
	if lo > hi {
		return 0, 0
	}
	active := bins[lo : hi+1]
	var sum, peak float64
	for _, c := range active {
		sum += float64(c)
		peak = math.Max(peak, float64(c))
	}
	mean := sum / float64(len(active))
	var ss float64
	for _, c := range active {
		ss += sq(float64(c) - mean)
	}
	return peak / mean, math.Sqrt(ss/float64(len(active))) / mean
}

// activeSpan is the index range of the first to the last non-empty bin;
// lo > hi when all are empty.
func activeSpan(bins []int) (lo, hi int) {
	lo, hi = 0, len(bins)-1
	for lo <= hi && bins[lo] == 0 {
		lo++
	}
	for hi >= lo && bins[hi] == 0 {
		hi--
	}
	return lo, hi
}

// maxWindow is the most arrivals in any window of w consecutive timeline bins.
func maxWindow(c []uint32, w int) int {
	var sum, best int
	for i, v := range c {
		sum += int(v)
		if i >= w {
			sum -= int(c[i-w])
		}
		best = max(best, sum)
	}
	return best
}
