package main

import (
	"fmt"
	"io"
	"math"
	"strings"
)

// checkRecord is what `chaos check --format json` writes: every scenario's
// verdicts, and whether the check passed.
type checkRecord struct {
	Passed     bool                  `json:"passed"`
	Assertions int                   `json:"assertions"` // evaluated, in all scenarios
	Failures   int                   `json:"failures"`
	Scenarios  []scenarioCheckRecord `json:"scenarios"`
}

type scenarioCheckRecord struct {
	Scenario       string          `json:"scenario"`
	File           string          `json:"file"`
	Engine         string          `json:"engine"`
	Seed           uint64          `json:"seed"`
	Seconds        float64         `json:"seconds"`
	Notes          []string        `json:"notes"`
	ClientFailure  string          `json:"client_failure,omitempty"`
	Error          string          `json:"error,omitempty"`
	NothingChecked string          `json:"nothing_checked,omitempty"`
	Verdicts       []verdictRecord `json:"verdicts"`
	Skipped        []verdictRecord `json:"skipped"`
}

// verdictRecord is one assertion's verdict; Measured is null where the run
// cannot tell the metric.
type verdictRecord struct {
	Policy   string   `json:"policy"`
	Metric   string   `json:"metric"`
	Expected string   `json:"expected"`
	Line     int      `json:"line,omitempty"` // of the assertion in the scenario file
	Measured *float64 `json:"measured"`
	Result   string   `json:"result"` // ok, FAILED, INCONCLUSIVE or skipped
	Problem  string   `json:"problem,omitempty"`
}

func newCheckRecord(checks []*scenarioCheck) checkRecord {
	out := checkRecord{Scenarios: []scenarioCheckRecord{}}
	for _, c := range checks {
		rec := scenarioCheckRecord{
			Scenario: c.sc.Name, File: c.sc.File, Engine: c.engine, Seed: c.seed, Seconds: c.elapsed.Seconds(),
			Notes: append([]string{}, c.notes...), ClientFailure: c.clientFailure, NothingChecked: c.nothingChecked(),
			Verdicts: []verdictRecord{}, Skipped: []verdictRecord{},
		}
		if c.runErr != nil {
			rec.Error = c.runErr.Error()
		}
		for _, v := range c.verdicts {
			vr := verdictRecord{Policy: v.Policy, Metric: v.Assertion.Metric, Expected: v.Assertion.Expected(),
				Line: v.Assertion.Line, Result: v.Status(), Problem: v.Problem}
			if !math.IsNaN(v.Measured) {
				m := v.Measured
				vr.Measured = &m
			}
			rec.Verdicts = append(rec.Verdicts, vr)
		}
		for _, sk := range c.skipped {
			rec.Skipped = append(rec.Skipped, verdictRecord{Policy: sk.assertion.Policy, Metric: sk.assertion.Metric,
				Expected: sk.assertion.Expected(), Line: sk.assertion.Line, Result: "skipped", Problem: sk.reason})
		}
		out.Assertions += len(c.verdicts)
		out.Failures += c.failures()
		out.Scenarios = append(out.Scenarios, rec)
	}
	out.Passed = out.Failures == 0
	return out
}

// writeCheckAnnotations writes a GitHub Actions ::error annotation for each
// failure of the checks: at the assertion's line of the scenario file for a
// verdict, at the file for a scenario that failed as a whole.
func writeCheckAnnotations(w io.Writer, checks []*scenarioCheck) {
	for _, c := range checks {
		file := c.sc.File
		if strings.HasPrefix(file, "builtin:") {
			file = "" // a built-in scenario has no file in the repository
		}
		for _, v := range c.verdicts {
			if !v.Holds {
				fmt.Fprintln(w, githubAnnotation(file, v.Assertion.Line, 0, "chaos check: scenario "+c.sc.Name+": "+v.String()))
			}
		}
		for _, why := range []string{c.clientFailure, errText(c.runErr), c.nothingChecked()} {
			if why != "" {
				fmt.Fprintln(w, githubAnnotation(file, 0, 0, "chaos check: scenario "+c.sc.Name+": "+why))
			}
		}
	}
}

func errText(err error) string {
	if err == nil {
		return ""
	}
	return err.Error()
}
