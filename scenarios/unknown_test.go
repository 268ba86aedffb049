package scenarios_test

import (
	. "github.com/onsi/ginkgo/v2"
	. "github.com/onsi/gomega"

	"github.com/chaos-harness/chaos/analysis"
	"github.com/chaos-harness/chaos/scenarios"
)

var _ = Describe("an assertion on a figure the log cannot tell", func() {
	It("is inconclusive, and says the run gave no value, whatever the bound", func() {
		sc := &scenarios.Scenario{Assert: []scenarios.Assertion{
			{Metric: "amplification", Op: "<=", Value: 1e9},
			{Metric: "retry_after_violations", Op: "==", Value: 0},
			{Metric: "retry_after_retries", Op: ">=", Value: 0},
		}}
		// What analysis reports where the attempts cannot be grouped: the
		// three figures nil, null in result.json.
		res := &analysis.Result{Policies: []analysis.PolicyResult{{Name: "client", Attempts: 3, LogicalRequests: 2}}}
		verdicts := sc.Evaluate(res)
		Expect(verdicts).To(HaveLen(3))
		for _, v := range verdicts {
			Expect(v.Holds).To(BeFalse(), v.String())
			Expect(v.Inconclusive).To(BeTrue(), v.String())
			Expect(v.Problem).To(Equal(v.Assertion.Metric+" is null in this result: the run gave no figure for it"), v.String())
		}
	})
})
