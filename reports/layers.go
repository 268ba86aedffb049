package reports

import (
	"strconv"

	"github.com/chaos-harness/chaos/analysis"
)

// layersTable is each strategy's attempts, amplification and successes per
// layer of a layered scenario (server.downstream, issue 14); it has no rows
// when no strategy's Records came from below layer 0.
func layersTable(res analysis.Result) table {
	t := table{ID: "layers", Caption: "Layers: attempts at each server of the stack, per logical request of the fleet",
		Header:   []string{"strategy", "layer", "attempts", "amplification", "succeeded"},
		Terms:    []string{"strategy", "layer", "layer_attempts", "layer_amplification", "layer_succeeded"},
		TextCols: 1}
	for _, p := range res.Policies {
		for _, l := range p.Layers {
			t.Rows = append(t.Rows, []string{p.Name, strconv.Itoa(l.Layer), strconv.Itoa(l.Attempts),
				optional(l.Amplification, num), strconv.Itoa(l.Succeeded)})
		}
	}
	return t
}
