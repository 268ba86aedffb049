package analysis

import (
	"cmp"
	"math"
	"slices"
)

// phaseSpans returns the phases to shade and recover from: the ones given in
// the options, or else the ones the Records name, per policy, each spanning
// from the first to the last arrival it decided. An inferred phase is a fault
// phase when it injected at least one failure.
func (a *Accumulator) phaseSpans(n *notes) []PhaseSpan {
	spans := []PhaseSpan{}
	if a.opts.Phases != nil {
		for _, p := range a.opts.Phases {
			spans = append(spans, PhaseSpan{Name: p.Name, Policy: p.Policy, StartMs: ms(p.Start), EndMs: ms(p.End), Fault: p.Fault})
		}
		return spans
	}
	for _, p := range a.order {
		start := len(spans)
		for name, seen := range p.phases {
			spans = append(spans, PhaseSpan{Name: name, Policy: p.name, StartMs: seen.first, EndMs: seen.last, Fault: seen.injected > 0})
		}
		slices.SortFunc(spans[start:], func(x, y PhaseSpan) int {
			if c := cmp.Compare(x.StartMs, y.StartMs); c != 0 {
				return c
			}
			return cmp.Compare(x.Name, y.Name)
		})
	}
	if len(spans) > 0 {
		n.add("Phases were inferred from the Records' phase field: each spans its first to its last arrival, and is a fault phase if it injected a failure")
	}
	return spans
}

// recoveries measures, for each fault phase of the policy, the time from its
// end E to sustained success after it:
//
//   - the bins after the phase are the timeline bins that start after E (the
//     bin holding E is left out: a phase that ends on a request count ends at
//     its last arrival, which it decided), up to the horizon, the start of
//     the policy's next fault phase that begins after E (the bin holding it
//     left out too), else the end of the run;
//   - the sliding success rate at such a bin i is the share of successful
//     attempts among those arriving in the trailing window of w bins ending
//     at i, clipped to the bins after the phase;
//   - the policy recovered at the start of the first bin after the phase that
//     holds a successful attempt and from which on, up to the horizon, every
//     window holding attempts has a success rate at or above the threshold.
//
// So recovery never comes before the first success after the phase (to the
// timeline resolution), and a success followed by a relapse of failures does
// not count. TimeToRecoverMs is nil when no bin qualifies.
func recoveries(c *binCounts, g grid, spans []PhaseSpan, policy string, threshold float64) []Recovery {
	out := []Recovery{}
	// Prefix sums make each window's counts O(1).
	arr := make([]int, len(c.arrivals)+1)
	okc := make([]int, len(c.arrivals)+1)
	for i := range c.arrivals {
		arr[i+1] = arr[i] + int(c.arrivals[i])
		okc[i+1] = okc[i] + int(c.succeeded[i])
	}
	for _, sp := range spans {
		if !sp.Fault || !appliesTo(sp, policy) {
			continue
		}
		r := Recovery{Phase: sp.Name, EndMs: sp.EndMs}
		first := int(math.Floor(sp.EndMs/g.resolution)) + 1
		horizon := len(c.arrivals)
		if next, found := nextFaultStart(spans, sp.EndMs, policy); found {
			horizon = min(horizon, int(math.Floor(next/g.resolution)))
		}
		// The last bin whose window falls below the threshold; recovery comes
		// after it.
		lastBad := first - 1
		for i := first; i < horizon; i++ {
			lo := max(first, i-g.windowBins+1)
			n, ok := arr[i+1]-arr[lo], okc[i+1]-okc[lo]
			if n > 0 && float64(ok) < threshold*float64(n) {
				lastBad = i
			}
		}
		for i := lastBad + 1; i < horizon; i++ {
			if c.succeeded[i] > 0 {
				ttr := float64(i)*g.resolution - sp.EndMs
				r.TimeToRecoverMs = &ttr
				break
			}
		}
		out = append(out, r)
	}
	return out
}

// appliesTo reports whether a phase span is one of the policy's.
func appliesTo(sp PhaseSpan, policy string) bool { return sp.Policy == "" || sp.Policy == policy }

// nextFaultStart is the earliest start after t of a fault phase of the policy.
func nextFaultStart(spans []PhaseSpan, t float64, policy string) (float64, bool) {
	next, found := math.Inf(1), false
	for _, sp := range spans {
		if sp.Fault && appliesTo(sp, policy) && sp.StartMs > t && sp.StartMs < next {
			next, found = sp.StartMs, true
		}
	}
	return next, found
}
