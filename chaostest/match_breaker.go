package chaostest

import (
	"errors"
	"fmt"
	"time"

	"github.com/onsi/gomega/types"

	"github.com/chaos-harness/chaos/analysis"
	"github.com/chaos-harness/chaos/record"
)

// OpenBreaker holds when some client's circuit breaker visibly opened: after
// failures consecutive failed attempts (analysis.Succeeded decides each), the
// client sent nothing for at least open, from the end of its last failed
// response to its next arrival. See the package documentation for why the
// arrival log shows an open breaker this way, and how to choose open.
func OpenBreaker(failures int, open time.Duration) types.GomegaMatcher {
	openMs := float64(open) / float64(time.Millisecond)
	return &recordsMatcher{
		want: fmt.Sprintf("to show an open circuit breaker: a pause of at least %s after %d consecutive failures", open, failures),
		judge: func(records []record.Record) (verdict, error) {
			if failures < 1 || open <= 0 {
				return verdict{}, errors.New("chaostest: OpenBreaker needs failures >= 1 and open > 0")
			}
			pauses := pausesAfterFailures(records, failures)
			if len(pauses) == 0 {
				return verdict{measured: fmt.Sprintf("no client had %d consecutive failed attempts followed by another attempt", failures)}, nil
			}
			longest := pauses[0]
			for _, p := range pauses[1:] {
				if p.pauseMs > longest.pauseMs {
					longest = p
				}
			}
			v := verdict{
				ok: longest.pauseMs >= openMs,
				measured: fmt.Sprintf("a longest pause of %s after %d or more consecutive failures, by %s",
					ms(longest.pauseMs), failures, longest.label),
			}
			if !v.ok {
				groups := make([]group, len(pauses))
				for i, p := range pauses {
					groups[i] = p.group
				}
				v.culprits = describeGroups("clients' longest pauses after consecutive failures, too short for an open breaker", groups)
			}
			return v, nil
		},
	}
}

// pause is a client's longest pause after a run of failed attempts.
type pause struct {
	group
	pauseMs float64
}

// pausesAfterFailures finds, per client, the longest pause before an attempt
// that followed at least failures consecutive failed attempts.
func pausesAfterFailures(records []record.Record, failures int) []pause {
	var out []pause
	clients, byKey := byClient(records)
	for _, c := range clients {
		recs := byKey[c]
		var longest *pause
		run := 0
		for i, r := range recs {
			if analysis.Succeeded(r) {
				run = 0
				continue
			}
			run++
			if run < failures || i+1 == len(recs) {
				continue
			}
			gap := recs[i+1].TMs - (r.TMs + r.LatencyMs)
			if longest == nil || gap > longest.pauseMs {
				longest = &pause{pauseMs: gap, group: group{
					label:   "client " + c,
					why:     fmt.Sprintf("paused %s after %d consecutive failures", ms(gap), run),
					records: recs[i+1-failures : i+2],
				}}
			}
		}
		if longest != nil {
			out = append(out, *longest)
		}
	}
	return out
}
