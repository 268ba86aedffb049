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

// recoveries measures, for each fault phase of the policy, the time from its end
// until a window (of the grid's sliding window, starting at or after the end)
// first had attempts and a success rate at the threshold.
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
		if !sp.Fault || (sp.Policy != "" && sp.Policy != policy) {
			continue
		}
		r := Recovery{Phase: sp.Name, EndMs: sp.EndMs}
		// The first timeline bin that starts at or after the phase ends; a phase
		// that ends inside a bin counts from that bin's end.
		first := int(math.Ceil(sp.EndMs / g.resolution))
		for i := first; i < len(c.arrivals); i++ {
			j := min(i+g.windowBins, len(c.arrivals))
			n, ok := arr[j]-arr[i], okc[j]-okc[i]
			if n > 0 && float64(ok) >= threshold*float64(n) {
				ttr := float64(i)*g.resolution - sp.EndMs
				r.TimeToRecoverMs = &ttr
				break
			}
		}
		out = append(out, r)
	}
	return out
}
