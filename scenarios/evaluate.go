package scenarios

import (
	"fmt"
	"math"

	"github.com/chaos-harness/chaos/analysis"
)

// Verdict is one assertion checked against one policy's result.
type Verdict struct {
	Assertion Assertion
	Policy    string  // the policy it was checked for
	Measured  float64 // NaN when the result has no value for the metric
	Holds     bool
	// Inconclusive is true when the result cannot tell the metric (a null
	// figure, a retry the run did not reach): the assertion then does not
	// hold, and Problem says why.
	Inconclusive bool
	// Problem explains a verdict that could not be reached (an inconclusive
	// metric, a policy the result lacks); the assertion then does not hold.
	Problem string
}

// Verdict statuses, as Status gives them.
const (
	StatusOK           = "ok"
	StatusFailed       = "FAILED"
	StatusInconclusive = "INCONCLUSIVE"
)

// Status is ok, FAILED or INCONCLUSIVE.
func (v Verdict) Status() string {
	switch {
	case v.Holds:
		return StatusOK
	case v.Inconclusive:
		return StatusInconclusive
	}
	return StatusFailed
}

func (v Verdict) String() string {
	s := fmt.Sprintf("%s: %s %s: measured %s", v.Policy, v.Assertion.Metric, v.Assertion.Expected(), formatMeasured(v.Measured))
	if v.Problem != "" {
		s += " (" + v.Problem + ")"
	}
	return s + " " + v.Status()
}

func formatMeasured(v float64) string {
	if math.IsNaN(v) {
		return "nothing"
	}
	return fmt.Sprintf("%.6g", v)
}

// Evaluate checks the scenario's assertions against a result: an assertion
// for every policy is checked once per policy of the result, in the result's
// order; one for a named policy only against that policy. An assertion for a
// policy the result does not have fails, saying so; one on a metric the
// result cannot tell is inconclusive, and fails too.
func (s *Scenario) Evaluate(res *analysis.Result) []Verdict {
	var out []Verdict
	for _, a := range s.Assert {
		if a.Policy != "" {
			pr, ok := res.Policy(a.Policy)
			if !ok {
				out = append(out, Verdict{Assertion: a, Policy: a.Policy, Measured: math.NaN(),
					Problem: "the run has no result for this policy"})
				continue
			}
			out = append(out, check(a, pr))
			continue
		}
		for i := range res.Policies {
			out = append(out, check(a, &res.Policies[i]))
		}
	}
	return out
}

func check(a Assertion, pr *analysis.PolicyResult) Verdict {
	v := Verdict{Assertion: a, Policy: pr.Name, Measured: math.NaN()}
	r, err := analysis.Lookup(pr, a.Metric)
	switch {
	case err != nil:
		v.Problem = err.Error()
	case !r.Known():
		v.Inconclusive, v.Problem = true, r.Unknown
	default:
		v.Measured = r.Value
		v.Holds = a.Holds(r.Value)
	}
	return v
}

// Failed returns the verdicts that do not hold, inconclusive ones included.
func Failed(vs []Verdict) []Verdict {
	var out []Verdict
	for _, v := range vs {
		if !v.Holds {
			out = append(out, v)
		}
	}
	return out
}
