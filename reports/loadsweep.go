package reports

import (
	"fmt"

	"github.com/chaos-harness/chaos/analysis"
)

// loadSweepTable is the verdict at each load of a sweep over the offered
// load (tune --vary load, analysis.SweepLoad), per setting of the other
// knobs; no rows when the sweep did not vary the load.
func loadSweepTable(res analysis.Result) table {
	t := table{ID: "load-sweep", Caption: "Load sweep: each load with and without its trigger, and the bistable band", TextCols: 2,
		Header: []string{"setting", "load", "success without trigger", "success with trigger", "time to recover (ms)", "verdict"},
		Terms:  []string{"setting", "load", "calm_success_rate", "triggered_success_rate", "time_to_recover_ms", "load_verdict"}}
	sw := res.LoadSweep
	if sw == nil {
		return t
	}
	for _, g := range sw.Groups {
		setting := g.Setting
		if setting == "" {
			setting = "(as written)"
		}
		for _, v := range g.Loads {
			t.Rows = append(t.Rows, []string{setting, num(v.Load), optional(v.CalmRate, percent), percent(v.TriggeredRate),
				optional(v.TimeToRecoverMs, msNum), v.Verdict})
		}
	}
	return t
}

// loadSweepText says where each setting's bistable band lies.
func loadSweepText(res analysis.Result) string {
	sw := res.LoadSweep
	if sw == nil {
		return ""
	}
	if !sw.TriggerVaried {
		return "Every load ran with its trigger only, so a load that stayed down may be bistable or overloaded; vary trigger=on,off too to find the bistable band."
	}
	text := fmt.Sprintf("A load is healthy when its run without the trigger reaches a success rate of %s; it is bistable when it is healthy, yet never recovers after the trigger.", percent(sw.MinSuccess))
	for _, g := range sw.Groups {
		name := "The"
		if g.Setting != "" {
			name = "At " + g.Setting + ", the"
		}
		if g.Band == nil {
			text += fmt.Sprintf(" %s sweep found no bistable load.", name)
			continue
		}
		text += fmt.Sprintf(" %s bistable band runs from load %s to %s", name, num(g.Band.From), num(g.Band.To))
		if !g.Band.Contiguous {
			text += ", with other verdicts inside it"
		}
		text += "."
	}
	return text
}
