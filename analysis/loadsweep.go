package analysis

import (
	"fmt"
	"slices"
)

// A sweep over the offered load (`chaos tune --vary load=... --vary
// trigger=on,off`, issue 14) finds a metastable system's bistable band: the
// loads at which the system is healthy when left alone, yet stays failed
// after a trigger has come and gone (Bronson et al., "Metastable Failures in
// Distributed Systems", HotOS 2021; Brooker, "Metastability and Distributed
// Systems", 2021). Below the band it recovers from the trigger; above it, it
// fails without one.

// Load verdicts.
const (
	// LoadStable: healthy without the trigger, and recovered after it.
	LoadStable = "stable"
	// LoadBistable: healthy without the trigger, never recovered after it.
	LoadBistable = "bistable"
	// LoadOverloaded: below the success floor even without the trigger.
	LoadOverloaded = "overloaded"
	// LoadRecovers and LoadStaysDown are the verdicts of a sweep that ran
	// every load with its trigger only: recovered after it, or not. Without
	// the runs without the trigger, a load that never recovered may be
	// bistable or overloaded.
	LoadRecovers  = "recovers"
	LoadStaysDown = "stays down"
)

// LoadPoint is one point of a sweep over the load: the name of its policy
// in the Result, its load factor, whether its trigger ran, and the other
// knobs' values (Setting, "" when only the load and trigger vary), which
// group it with the points it is compared with.
type LoadPoint struct {
	Name    string
	Load    float64
	Trigger bool
	Setting string
}

// LoadSweep is result.json's `load_sweep`: per setting of the other knobs,
// the verdict at each load and the bistable band.
type LoadSweep struct {
	// MinSuccess is the success floor a run without the trigger must reach
	// to count as healthy (tune's --min-success).
	MinSuccess float64 `json:"min_success"`
	// TriggerVaried says whether every load also ran without its trigger;
	// without those runs there are no bistable bands.
	TriggerVaried bool          `json:"trigger_varied"`
	Groups        []LoadSetting `json:"groups"`
	Notes         []string      `json:"notes,omitempty"`
}

// LoadSetting is the loads swept at one setting of the other knobs.
type LoadSetting struct {
	Setting string        `json:"setting"`
	Loads   []LoadVerdict `json:"loads"`
	// Band is the bistable band, from its lowest to its highest bistable
	// load; nil when no load was bistable or the trigger did not vary.
	Band *LoadBand `json:"bistable_band"`
}

// LoadBand is a range of load factors.
type LoadBand struct {
	From float64 `json:"from"`
	To   float64 `json:"to"`
	// Contiguous is false when a load inside the band had another verdict.
	Contiguous bool `json:"contiguous"`
}

// LoadVerdict is one load's outcome, with and without the trigger.
type LoadVerdict struct {
	Load float64 `json:"load"`
	// Triggered is the point that ran with the trigger, its success rate and
	// its time to recover (null: it never recovered); Calm the point without.
	Triggered       string   `json:"triggered"`
	TriggeredRate   float64  `json:"triggered_success_rate"`
	TimeToRecoverMs *float64 `json:"time_to_recover_ms"`
	Calm            string   `json:"calm,omitempty"`
	CalmRate        *float64 `json:"calm_success_rate"`
	Verdict         string   `json:"verdict"`
}

// SweepLoad gives each load of the sweep its verdict and each setting its
// bistable band. A triggered run recovered when its time_to_recover_ms is
// known; a calm run is healthy when its success rate is at least
// minSuccess. Points whose policy is missing from res are an error.
func SweepLoad(res *Result, points []LoadPoint, minSuccess float64) (*LoadSweep, error) {
	sw := &LoadSweep{MinSuccess: minSuccess}
	type key struct {
		setting string
		load    float64
	}
	triggered := map[key]*PolicyResult{}
	calm := map[key]*PolicyResult{}
	var settings []string
	loads := map[string][]float64{}
	for _, pt := range points {
		p, ok := res.Policy(pt.Name)
		if !ok {
			return nil, fmt.Errorf("load sweep: no result for point %q", pt.Name)
		}
		k := key{pt.Setting, pt.Load}
		if pt.Trigger {
			triggered[k] = p
		} else {
			calm[k] = p
			sw.TriggerVaried = true
		}
		if !slices.Contains(settings, pt.Setting) {
			settings = append(settings, pt.Setting)
		}
		if !slices.Contains(loads[pt.Setting], pt.Load) {
			loads[pt.Setting] = append(loads[pt.Setting], pt.Load)
		}
	}
	for _, s := range settings {
		g := LoadSetting{Setting: s}
		ls := slices.Clone(loads[s])
		slices.Sort(ls)
		for _, load := range ls {
			k := key{s, load}
			v := LoadVerdict{Load: load}
			t, c := triggered[k], calm[k]
			if t == nil {
				return nil, fmt.Errorf("load sweep: load %v has no run with its trigger; vary trigger=on,off or not at all", load)
			}
			v.Triggered, v.TriggeredRate, v.TimeToRecoverMs = t.Name, t.SuccessRate, t.TimeToRecoverMs
			recovered := t.TimeToRecoverMs != nil
			switch {
			case c == nil && recovered:
				v.Verdict = LoadRecovers
			case c == nil:
				v.Verdict = LoadStaysDown
			case c.SuccessRate < minSuccess:
				v.Verdict = LoadOverloaded
			case recovered:
				v.Verdict = LoadStable
			default:
				v.Verdict = LoadBistable
			}
			if c != nil {
				rate := c.SuccessRate
				v.Calm, v.CalmRate = c.Name, &rate
			}
			g.Loads = append(g.Loads, v)
		}
		g.Band = bistableBand(g.Loads)
		sw.Groups = append(sw.Groups, g)
	}
	if !sw.TriggerVaried {
		sw.Notes = append(sw.Notes, "every load ran with its trigger only, so a load that stayed down may be bistable or overloaded: vary trigger=on,off too to find the bistable band")
	}
	return sw, nil
}

// bistableBand is the range of the bistable loads (sorted by load), nil
// when there are none.
func bistableBand(vs []LoadVerdict) *LoadBand {
	first := slices.IndexFunc(vs, func(v LoadVerdict) bool { return v.Verdict == LoadBistable })
	if first < 0 {
		return nil
	}
	last := first
	for i := range vs {
		if vs[i].Verdict == LoadBistable {
			last = i
		}
	}
	b := &LoadBand{From: vs[first].Load, To: vs[last].Load, Contiguous: true}
	for _, v := range vs[first : last+1] {
		b.Contiguous = b.Contiguous && v.Verdict == LoadBistable
	}
	return b
}
