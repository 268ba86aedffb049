package reports

import (
	"fmt"
	"strconv"
	"strings"

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
			t.Rows = append(t.Rows, []string{setting, loadNum(v.Load), optional(v.CalmRate, percent), percent(v.TriggeredRate),
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
		text += fmt.Sprintf(" %s bistable band runs from load %s to %s", name, loadNum(g.Band.From), loadNum(g.Band.To))
		if !g.Band.Contiguous {
			text += ", with other verdicts inside it"
		}
		text += "."
	}
	return text
}

// loadSweepHeadline says, per setting, where the bistable band lies and
// between which verdicts: "Bistable from load 1 to 1.375 (stable up to
// 0.875, overloaded from 1.5)."
func loadSweepHeadline(sw *analysis.LoadSweep) string {
	var parts []string
	for _, g := range sw.Groups {
		text := ""
		switch {
		case !sw.TriggerVaried:
			var says []string
			if r := loadsWith(g, analysis.LoadRecovers); r != "" {
				says = append(says, "recovers from its trigger at load "+r)
			}
			if r := loadsWith(g, analysis.LoadStaysDown); r != "" {
				says = append(says, "stays down after it at load "+r)
			}
			text = strings.Join(says, ", ") + " (vary trigger=on,off too for the bistable band)"
		case g.Band == nil:
			text = "no bistable load"
		default:
			text = fmt.Sprintf("bistable from load %s to %s", loadNum(g.Band.From), loadNum(g.Band.To))
		}
		var around []string
		if sw.TriggerVaried {
			if r := loadsWith(g, analysis.LoadStable); r != "" {
				around = append(around, "stable at "+r)
			}
			if r := loadsWith(g, analysis.LoadOverloaded); r != "" {
				around = append(around, "overloaded at "+r)
			}
		}
		if len(around) > 0 {
			text += " (" + strings.Join(around, "; ") + ")"
		}
		if g.Setting != "" {
			text = g.Setting + ": " + text
		}
		parts = append(parts, text)
	}
	s := "Load sweep: " + strings.Join(parts, "; ") + "."
	return s
}

// loadsWith lists the loads of a setting with the verdict, as ranges of
// neighbours ("0.5-0.875, 1.25").
func loadsWith(g analysis.LoadSetting, verdict string) string {
	var runs []string
	for i := 0; i < len(g.Loads); i++ {
		if g.Loads[i].Verdict != verdict {
			continue
		}
		j := i
		for j+1 < len(g.Loads) && g.Loads[j+1].Verdict == verdict {
			j++
		}
		if j == i {
			runs = append(runs, loadNum(g.Loads[i].Load))
		} else {
			runs = append(runs, loadNum(g.Loads[i].Load)+"-"+loadNum(g.Loads[j].Load))
		}
		i = j
	}
	return strings.Join(runs, ", ")
}

// loadNum is a load factor as it was written on the command line (1.375,
// not 1.38).
func loadNum(x float64) string { return strconv.FormatFloat(x, 'g', -1, 64) }
