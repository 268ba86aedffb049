package main

import (
	"errors"
	"fmt"
	"io"
	"math"
	"strconv"
	"text/tabwriter"

	"github.com/chaos-harness/chaos/reports"
)

// printCheck prints one scenario's table of expected against measured.
func printCheck(s streams, c *scenarioCheck) {
	fmt.Fprintf(s.out, "\nscenario %s (%s): engine %s, seed %d, %.1fs\n", c.sc.Name, c.sc.File, c.engine, c.seed, c.elapsed.Seconds())
	for _, n := range c.notes {
		fmt.Fprintf(s.out, "  note: %s\n", n)
	}
	if c.clientFailure != "" {
		fmt.Fprintf(s.out, "  FAILED: the client %s\n", c.clientFailure)
	}
	if c.runErr != nil {
		fmt.Fprintf(s.out, "  FAILED: could not check the scenario: %v\n", c.runErr)
		return
	}
	tw := tabwriter.NewWriter(s.out, 0, 4, 2, ' ', 0)
	fmt.Fprintln(tw, "  policy\tassertion\texpected\tmeasured\tresult")
	for _, v := range c.verdicts {
		result := v.Status()
		if !v.Holds && v.Problem != "" {
			result += ": " + v.Problem
		}
		fmt.Fprintf(tw, "  %s\t%s\t%s\t%s\t%s\n", v.Policy, v.Assertion.Metric, v.Assertion.Expected(), measured(v.Measured), result)
	}
	for _, sk := range c.skipped {
		fmt.Fprintf(tw, "  %s\t%s\t%s\t-\tskipped: %s\n", sk.assertion.Policy, sk.assertion.Metric, sk.assertion.Expected(), sk.reason)
	}
	_ = tw.Flush()
	if why := c.nothingChecked(); why != "" {
		fmt.Fprintf(s.out, "  FAILED: %s\n", why)
	}
}

// measured formats a measured value the way the JUnit failure does; NaN is
// a value the run could not give.
func measured(v float64) string {
	if math.IsNaN(v) {
		return "unknown"
	}
	return strconv.FormatFloat(v, 'g', 6, 64)
}

// writeCheckJUnit writes one suite per scenario: a case per policy and
// assertion (reports.AssertionSuites), plus a case for a client that failed,
// a scenario that could not run, one that evaluated no assertion, and each
// skipped assertion.
func writeCheckJUnit(w io.Writer, checks []*scenarioCheck) error {
	var suites []reports.JUnitSuite
	for _, c := range checks {
		var as []reports.Assertion
		for _, v := range c.verdicts {
			a := reports.Assertion{
				Scenario:  c.sc.Name,
				Policy:    v.Policy,
				Metric:    v.Assertion.Metric,
				Condition: v.Assertion.Expected(),
				Measured:  v.Measured,
				Passed:    v.Holds,
				Time:      c.elapsed,
			}
			switch {
			case v.Inconclusive:
				a.Inconclusive = v.Problem
			case v.Problem != "":
				a.Err = errors.New(v.Problem)
			}
			as = append(as, a)
		}
		suite := reports.JUnitSuite{Name: c.sc.Name, Time: c.elapsed}
		if got := reports.AssertionSuites(as); len(got) == 1 {
			suite = got[0]
		}
		suite.Properties = []reports.JUnitProperty{
			{Name: "file", Value: c.sc.File},
			{Name: "engine", Value: c.engine},
			{Name: "seed", Value: strconv.FormatUint(c.seed, 10)},
		}
		suite.Cases = append(suite.Cases, extraCases(c)...)
		suites = append(suites, suite)
	}
	return reports.WriteJUnit(w, suites)
}

// extraCases are the JUnit cases of what is not an assertion's verdict.
func extraCases(c *scenarioCheck) []reports.JUnitCase {
	var out []reports.JUnitCase
	if c.clientFailure != "" {
		out = append(out, reports.JUnitCase{
			Name: "client", ClassName: c.sc.Name + ".client",
			Failure: &reports.JUnitFailure{Message: "the client " + c.clientFailure, Type: "client", Text: "the --client command " + c.clientFailure},
		})
	}
	if c.runErr != nil {
		out = append(out, reports.JUnitCase{
			Name: "run", ClassName: c.sc.Name + ".run",
			Error: &reports.JUnitFailure{Message: c.runErr.Error(), Type: "error", Text: fmt.Sprintf("scenario %s could not be checked: %v", c.sc.Name, c.runErr)},
		})
	}
	if why := c.nothingChecked(); why != "" {
		out = append(out, reports.JUnitCase{
			Name: "assertions evaluated", ClassName: c.sc.Name + ".check",
			Failure: &reports.JUnitFailure{Message: why, Type: "nothing-checked", Text: fmt.Sprintf("scenario %s: %s", c.sc.Name, why)},
		})
	}
	for _, sk := range c.skipped {
		out = append(out, reports.JUnitCase{
			Name: sk.assertion.String(), ClassName: c.sc.Name + "." + sk.assertion.Policy, Skipped: sk.reason,
		})
	}
	return out
}
