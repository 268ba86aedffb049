package main

import (
	"fmt"
	"io"
	"strconv"
	"strings"
	"text/tabwriter"

	"github.com/chaos-harness/chaos/analysis"
	"github.com/chaos-harness/chaos/scenarios"
)

// The scenario knobs of `chaos tune --vary`, beside the policy's: the offered
// load and its trigger (scenarios.Scenario.WithLoad, WithoutTrigger). A grid
// that varies the load gets a load sweep in its result: the verdict at each
// load and the bistable band (analysis.SweepLoad).
const (
	loadKnob    = "load"
	triggerKnob = "trigger"
)

// Values of the trigger knob.
const (
	triggerOn  = "on"
	triggerOff = "off"
)

// isScenarioKnob says whether a --vary key names the scenario rather than
// the policy.
func isScenarioKnob(key string) bool { return key == loadKnob || key == triggerKnob }

// checkScenarioKnob refuses a value of a scenario knob that does not parse.
func checkScenarioKnob(key, value string) error {
	switch key {
	case loadKnob:
		_, err := parseLoad(value)
		return err
	case triggerKnob:
		if value != triggerOn && value != triggerOff {
			return fmt.Errorf("trigger %q: must be on or off", value)
		}
	}
	return nil
}

// parseLoad reads a load factor: a positive number, 1 the load as written.
func parseLoad(value string) (float64, error) {
	f, err := strconv.ParseFloat(value, 64)
	if err != nil || !(f > 0) || f > 1e6 {
		return 0, fmt.Errorf("load %q: must be a positive factor of the offered load (1 is the load as written)", value)
	}
	return f, nil
}

// gridPoint is one point of a tuning grid: the policy it runs (named after
// the values the point sets) against the scenario it runs on, which differs
// from the base scenario when a scenario knob varies.
type gridPoint struct {
	policy   scenarios.Policy
	scenario *scenarios.Scenario
	load     float64 // the load factor; 1 unless load varies
	trigger  bool    // whether the load's trigger runs; true unless trigger=off
	// setting is the name without the scenario knobs: the policy setting
	// a load sweep compares the loads at.
	setting string
}

// variants makes the scenario of each (load, trigger) pair once.
type variants struct {
	base *scenarios.Scenario
	made map[[2]string]*scenarios.Scenario
}

func (v *variants) of(load, trigger string) (*scenarios.Scenario, error) {
	k := [2]string{load, trigger}
	if sc, ok := v.made[k]; ok {
		return sc, nil
	}
	sc := v.base
	if load != "" {
		f, err := parseLoad(load)
		if err != nil {
			return nil, fmt.Errorf("--vary %s=%s: %w", loadKnob, load, err)
		}
		if sc, err = sc.WithLoad(f); err != nil {
			return nil, fmt.Errorf("--vary %s=%s: %w", loadKnob, load, err)
		}
	}
	if trigger == triggerOff {
		var err error
		if sc, err = sc.WithoutTrigger(); err != nil {
			return nil, fmt.Errorf("--vary %s=%s: %w", triggerKnob, trigger, err)
		}
	}
	v.made[k] = sc
	return sc, nil
}

// loadPoints are the points of a grid that varies the load, for
// analysis.SweepLoad; nil when the load does not vary.
func loadPoints(knobs []knob, points []gridPoint) []analysis.LoadPoint {
	if !hasKnob(knobs, loadKnob) {
		return nil
	}
	out := make([]analysis.LoadPoint, len(points))
	for i, p := range points {
		out[i] = analysis.LoadPoint{Name: p.policy.Name, Load: p.load, Trigger: p.trigger, Setting: p.setting}
	}
	return out
}

func hasKnob(knobs []knob, key string) bool {
	for _, k := range knobs {
		if k.key == key {
			return true
		}
	}
	return false
}

// printLoadSweep prints each load's verdict and the bistable band of each
// setting of a sweep over the load.
func printLoadSweep(w io.Writer, sw *analysis.LoadSweep) {
	for _, g := range sw.Groups {
		title := "load sweep"
		if g.Setting != "" {
			title += " at " + g.Setting
		}
		fmt.Fprintf(w, "\n%s (healthy: success rate >= %g without the trigger; recovered: a time to recover after it)\n", title, sw.MinSuccess)
		tw := tabwriter.NewWriter(w, 0, 4, 2, ' ', 0)
		fmt.Fprintln(tw, "load\tsuccess without trigger\tsuccess with trigger\ttime to recover\tverdict")
		for _, v := range g.Loads {
			calm := "-"
			if v.CalmRate != nil {
				calm = fmt.Sprintf("%.4f", *v.CalmRate)
			}
			ttr := "never"
			if v.TimeToRecoverMs != nil {
				ttr = fmt.Sprintf("%.0f ms", *v.TimeToRecoverMs)
			}
			fmt.Fprintf(tw, "%g\t%s\t%.4f\t%s\t%s\n", v.Load, calm, v.TriggeredRate, ttr, v.Verdict)
		}
		_ = tw.Flush()
		fmt.Fprintln(w, bandSentence(sw, g))
	}
	for _, n := range sw.Notes {
		fmt.Fprintf(w, "note: %s\n", n)
	}
}

// bandSentence says where a setting's bistable band lies.
func bandSentence(sw *analysis.LoadSweep, g analysis.LoadSetting) string {
	switch {
	case !sw.TriggerVaried:
		return "bistable band: unknown (no runs without the trigger)"
	case g.Band == nil:
		return "bistable band: none among these loads"
	}
	s := fmt.Sprintf("bistable band: load %g to %g", g.Band.From, g.Band.To)
	if !g.Band.Contiguous {
		var other []string
		for _, v := range g.Loads {
			if v.Load > g.Band.From && v.Load < g.Band.To && v.Verdict != analysis.LoadBistable {
				other = append(other, fmt.Sprintf("%g %s", v.Load, v.Verdict))
			}
		}
		s += " (not contiguous: " + strings.Join(other, ", ") + ")"
	}
	return s
}
