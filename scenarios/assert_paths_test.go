package scenarios_test

import (
	"math"
	"strings"

	. "github.com/onsi/ginkgo/v2"
	. "github.com/onsi/gomega"

	"github.com/chaos-harness/chaos/analysis"
	"github.com/chaos-harness/chaos/scenarios"
)

// pathsScenario asserts per-retry figures, a fault count, a figure that can
// be null, and a retry the run below does not reach.
var pathsScenario = strings.Replace(minimal, "assert:\n", `assert:
  retry_spread.1.sd_ms: ">= 150"
  retry_delays.1.delay_ms.p99: "<= 1s"
  faults.reset: "== 0"
  retry:
    time_to_recover_ms: "<= 5s"
    retry_spread.3.sd_ms: ">= 100"
`, 1)

// pathsResult is the result of policy "retry", written by hand: retry 1
// spread with sd 200 ms and delays with p99 350 ms; retry 2 only; no resets;
// time_to_recover_ms null.
func pathsResult() *analysis.Result {
	return &analysis.Result{Policies: []analysis.PolicyResult{{
		Name:        "retry",
		SuccessRate: 0.95,
		Faults:      map[string]int{"none": 19, "status": 10},
		RetrySpread: []analysis.RetrySpread{{Retry: 1, Count: 10, SdMs: 200}, {Retry: 2, Count: 4, SdMs: 80}},
		RetryDelays: []analysis.RetryDelay{{Retry: 1, Count: 10, Delay: analysis.Quantiles{P99: 350}}},
	}}}
}

var _ = Describe("assertions on metric paths", func() {
	It("reads per-retry paths, with durations in ms for a path through an _ms object", func() {
		s, err := scenarios.Parse("s.yaml", []byte(pathsScenario))
		Expect(err).NotTo(HaveOccurred())
		var got []string
		for _, a := range s.Assert {
			got = append(got, a.String())
		}
		Expect(got).To(Equal([]string{
			"retry_spread.1.sd_ms >= 150",
			"retry_delays.1.delay_ms.p99 <= 1000", // 1s in ms
			"faults.reset == 0",
			"retry: time_to_recover_ms <= 5000",
			"retry: retry_spread.3.sd_ms >= 100",
			"success_rate >= 0.9",
		}))
	})

	DescribeTable("refuses a path that names no metric, at its line and field, with the near path",
		func(key string, field string, msg string) {
			src := strings.Replace(minimal, "  success_rate:", "  "+key+":", 1)
			e := problemAt(problemsOf(src), field)
			Expect(e.Line).To(Equal(16))
			Expect(e.Msg).To(ContainSubstring(msg))
		},
		Entry("a misspelt list", "retry_spred.2.sd_ms", "assert.retry_spred.2.sd_ms",
			`a policy's result has no field "retry_spred" (did you mean "retry_spread.2.sd_ms"?)`),
		Entry("a misspelt field of a retry", "retry_spread.2.sd_sm", "assert.retry_spread.2.sd_sm",
			`retry_spread.2 has no field "sd_sm" (did you mean "retry_spread.2.sd_ms"?)`),
		Entry("a retry that is not a number", "retry_spread.first.sd_ms", "assert.retry_spread.first.sd_ms",
			`"first" is not a whole number`),
		Entry("an object rather than a number", "completion_ms", "assert.completion_ms",
			"completion_ms is not a number; name one inside it"),
	)

	It("refuses an unknown path in a policy's own block too", func() {
		src := strings.Replace(minimal, "  success_rate:", "  retry:\n    retry_delays.1.ks.dd: \"<= 0.1\"\n  attempts:", 1)
		e := problemAt(problemsOf(src), "assert.retry.retry_delays.1.ks.dd")
		Expect(e.Line).To(Equal(17))
		Expect(e.Msg).To(ContainSubstring(`did you mean "retry_delays.1.ks.d"?`))
	})

	It("judges each path on a hand-made result: holds, fails, or is inconclusive with the reason", func() {
		s, err := scenarios.Parse("s.yaml", []byte(pathsScenario))
		Expect(err).NotTo(HaveOccurred())
		got := map[string]scenarios.Verdict{}
		for _, v := range s.Evaluate(pathsResult()) {
			got[v.Assertion.String()] = v
		}
		Expect(got).To(HaveLen(6))

		Expect(got["retry_spread.1.sd_ms >= 150"].Measured).To(Equal(200.0)) // retry 1's sd, not the first element's by chance
		Expect(got["retry_spread.1.sd_ms >= 150"].Status()).To(Equal(scenarios.StatusOK))
		Expect(got["retry_delays.1.delay_ms.p99 <= 1000"].Measured).To(Equal(350.0))
		Expect(got["faults.reset == 0"].Measured).To(Equal(0.0)) // no reset: the map has no key, a count of 0
		Expect(got["faults.reset == 0"].Holds).To(BeTrue())
		Expect(got["success_rate >= 0.9"].Holds).To(BeTrue()) // 0.95

		for _, key := range []string{"retry: time_to_recover_ms <= 5000", "retry: retry_spread.3.sd_ms >= 100"} {
			v := got[key]
			Expect(v.Holds).To(BeFalse(), key)
			Expect(v.Inconclusive).To(BeTrue(), key)
			Expect(v.Status()).To(Equal(scenarios.StatusInconclusive))
			Expect(math.IsNaN(v.Measured)).To(BeTrue(), "an unknown is never read as 0")
		}
		Expect(got["retry: time_to_recover_ms <= 5000"].Problem).To(ContainSubstring("time_to_recover_ms is null in this result"))
		Expect(got["retry: retry_spread.3.sd_ms >= 100"].Problem).To(Equal("retry_spread has no element with retry 3 in this run"))
		Expect(got["retry: retry_spread.3.sd_ms >= 100"].String()).To(HaveSuffix("INCONCLUSIVE"))
		Expect(scenarios.Failed(s.Evaluate(pathsResult()))).To(HaveLen(2))
	})

	It("fails an assertion that does not hold as FAILED, not inconclusive", func() {
		res := pathsResult()
		res.Policies[0].RetrySpread[0].SdMs = 5 // a herd: 5 ms < 150 ms
		s, err := scenarios.Parse("s.yaml", []byte(pathsScenario))
		Expect(err).NotTo(HaveOccurred())
		for _, v := range s.Evaluate(res) {
			if v.Assertion.Metric == "retry_spread.1.sd_ms" {
				Expect(v.Status()).To(Equal(scenarios.StatusFailed))
				Expect(v.Measured).To(Equal(5.0))
				return
			}
		}
		Fail("no verdict for retry_spread.1.sd_ms")
	})
})
