package reports

import (
	"fmt"
	"strconv"

	"github.com/chaos-harness/chaos/analysis"
)

// overSeedsTable is a repeated run's figures across its seeds (over_seeds):
// each the mean with its 95% Student-t interval; empty unless the result
// is of a repeated run.
func overSeedsTable(res analysis.Result) table {
	t := table{ID: "over-seeds",
		Header: []string{"strategy", "seeds", "success rate", "attempts", "amplification", "p99", "makespan", "client makespan"},
		Terms:  []string{"strategy", "over_seeds", "over_seeds", "over_seeds", "over_seeds", "over_seeds", "over_seeds", "over_seeds"}}
	if res.Repeat == nil {
		return t
	}
	r := res.Repeat
	t.Caption = fmt.Sprintf("Across seeds %d to %d: mean (95%% interval) of %d runs", r.FirstSeed, r.FirstSeed+uint64(r.Runs)-1, r.Runs)
	for _, p := range res.Policies {
		o := p.OverSeeds
		if o == nil {
			continue
		}
		t.Rows = append(t.Rows, []string{p.Name, strconv.Itoa(o.Runs), o.SuccessRate.Text(percent), o.Attempts.Text(num),
			o.Amplification.Text(num), o.CompletionP99Ms.Text(msNum), o.MakespanMs.Text(msNum), o.ClientMakespanMs.Text(msNum)})
	}
	return t
}
