package scenarios

import (
	"cmp"
	"slices"
	"time"

	"github.com/chaos-harness/chaos/analysis"
)

// breakerSpans collects the spans in which each client's breaker was open and
// merges them into the spans in which at least one was.
type breakerSpans struct {
	raw []analysis.Interval
}

func (b *breakerSpans) add(start, end time.Duration) {
	if end > start {
		b.raw = append(b.raw, analysis.Interval{Start: start, End: end})
	}
}

// spans returns the union of the collected spans, sorted, each cut at runEnd.
func (b *breakerSpans) spans(runEnd time.Duration) []analysis.Interval {
	if len(b.raw) == 0 {
		return nil
	}
	raw := slices.Clone(b.raw)
	slices.SortFunc(raw, func(x, y analysis.Interval) int { return cmp.Compare(x.Start, y.Start) })
	var out []analysis.Interval
	for _, iv := range raw {
		iv.End = min(iv.End, runEnd)
		if iv.End <= iv.Start {
			continue
		}
		if n := len(out); n > 0 && iv.Start <= out[n-1].End {
			out[n-1].End = max(out[n-1].End, iv.End)
			continue
		}
		out = append(out, iv)
	}
	return out
}
