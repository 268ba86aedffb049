package analysis_test

import (
	"errors"
	"math"

	. "github.com/onsi/ginkgo/v2"
	. "github.com/onsi/gomega"

	"github.com/chaos-harness/chaos/analysis"
)

// lookupResult is a policy's result written by hand: two retries with their
// spreads and delays, a map of fault counts, a fixed-size interval, a
// recovery per phase, and two figures left null.
func lookupResult() *analysis.PolicyResult {
	return &analysis.PolicyResult{
		Name:          "full",
		SuccessRate:   0.75,
		SuccessRateCI: [2]float64{0.5, 0.9},
		Attempts:      12,
		CompletionMs:  analysis.Quantiles{P50: 40, P90: 900, P99: 4100, Max: 9000},
		Faults:        map[string]int{"none": 9, "status": 3},
		RetrySpread: []analysis.RetrySpread{
			{Retry: 1, Count: 3, SdMs: 200},
			{Retry: 2, Count: 2, SdMs: 1117.5},
		},
		RetryDelays: []analysis.RetryDelay{
			{Retry: 1, Count: 3, Delay: analysis.Quantiles{P99: 350}, KS: &analysis.KS{D: 0.25, P: 0.8, N: 3}},
			{Retry: 2, Count: 2, Delay: analysis.Quantiles{P99: 700}}, // ks null: no expected distribution
		},
		AttemptsPerRequest: []analysis.AttemptCount{{Attempts: 1, Requests: 5}, {Attempts: 3, Requests: 2}},
		Recovery:           []analysis.Recovery{{Phase: "outage", EndMs: 10000, TimeToRecoverMs: ptr(1500.0)}},
		// TimeToRecoverMs and BreakerOpenShare are nil: the log cannot tell them.
	}
}

func ptr[T any](v T) *T { return &v }

var _ = Describe("Lookup of a metric path", func() {
	p := lookupResult()

	DescribeTable("reads the number the path names",
		func(path string, want float64) {
			r, err := analysis.Lookup(p, path)
			Expect(err).NotTo(HaveOccurred())
			Expect(r.Known()).To(BeTrue(), r.Unknown)
			Expect(r.Value).To(Equal(want))
		},
		Entry("a field", "success_rate", 0.75),
		Entry("an integer field, as a float", "attempts", 12.0),
		Entry("a field of an object", "completion_ms.p99", 4100.0),
		Entry("a list element by its retry number, not its position", "retry_spread.2.sd_ms", 1117.5),
		Entry("retry 1 of the spread", "retry_spread.1.sd_ms", 200.0),
		Entry("a quantile of a retry's delays", "retry_delays.2.delay_ms.p99", 700.0),
		Entry("through a non-null pointer", "retry_delays.1.ks.d", 0.25),
		Entry("a fault count by key", "faults.status", 3.0),
		Entry("a fault kind that never happened counts 0", "faults.reset", 0.0),
		Entry("an element of a fixed-size array", "success_rate_ci.1", 0.9),
		Entry("a list keyed by a number of attempts", "attempts_per_request.3.requests", 2.0),
		Entry("a list keyed by a phase name", "recovery.outage.time_to_recover_ms", 1500.0),
	)

	DescribeTable("is unknown, with the reason, where the result cannot tell",
		func(path, reason string) {
			r, err := analysis.Lookup(p, path)
			Expect(err).NotTo(HaveOccurred())
			Expect(r.Known()).To(BeFalse())
			Expect(math.IsNaN(r.Value)).To(BeTrue())
			Expect(r.Unknown).To(ContainSubstring(reason))
		},
		Entry("a null figure", "time_to_recover_ms", "time_to_recover_ms is null in this result"),
		Entry("another null figure", "breaker_open_share", "breaker_open_share is null"),
		Entry("a retry number the run did not reach", "retry_spread.3.sd_ms", "retry_spread has no element with retry 3 in this run"),
		Entry("a null object inside a list element", "retry_delays.2.ks.d", "retry_delays.2.ks is null"),
		Entry("a phase without a recovery", "recovery.brownout.end_ms", "recovery has no element with phase brownout"),
	)

	DescribeTable("refuses a path that names no number, suggesting the near one",
		func(path, reason, suggestion string) {
			_, err := analysis.Lookup(p, path)
			var pe *analysis.MetricPathError
			Expect(errors.As(err, &pe)).To(BeTrue())
			Expect(pe.Reason).To(ContainSubstring(reason))
			Expect(pe.Suggestion).To(Equal(suggestion))
			Expect(analysis.CheckMetricPath(path)).To(MatchError(err.Error()))
		},
		Entry("a misspelt field", "retry_spred.2.sd_ms", `a policy's result has no field "retry_spred"`, "retry_spread.2.sd_ms"),
		Entry("a misspelt nested field", "retry_delays.1.ks.dd", `retry_delays.1.ks has no field "dd"`, "retry_delays.1.ks.d"),
		Entry("a field no name is near, listing the fields there", "retry_spread.1.xyzzy",
			`retry_spread.1 has no field "xyzzy"; it has retry, count, sd_ms, iqr_ms`, ""),
		Entry("a retry that is not a number", "retry_spread.two.sd_ms", `retry_spread is addressed by retry: "two" is not a whole number`, ""),
		Entry("an object, not a number", "completion_ms", "completion_ms is not a number; name one inside it: completion_ms.max", ""),
		Entry("a list element, not a number", "retry_spread.1", "name one inside it: retry_spread.1.count", ""),
		Entry("a misspelt fault kind", "faults.rest", `faults has the keys none, status`, "faults.reset"),
		Entry("past a fixed-size array", "success_rate_ci.2", "success_rate_ci has elements 0 to 1", ""),
		Entry("into a number", "success_rate.p99", `success_rate is a number, with no field "p99"`, ""),
		Entry("a list with no key", "series.arrivals.1", "series.arrivals is a list whose elements have no key", ""),
		Entry("a string field", "name", "name is a string, not a number", ""),
	)

	It("validates a path without a result, whether or not a run reaches it", func() {
		Expect(analysis.CheckMetricPath("retry_spread.99.sd_ms")).To(Succeed())
		Expect(analysis.CheckMetricPath("retry_delays.1.delay_ms.p99")).To(Succeed())
	})

	It("lists every path once, the key of a list element in angle brackets", func() {
		paths := analysis.MetricPaths()
		Expect(paths).To(ContainElements("success_rate", "completion_ms.p99", "retry_spread.<retry>.sd_ms",
			"retry_delays.<retry>.ks.d", "faults.status", "success_rate_ci.0", "time_to_recover_ms"))
		Expect(paths).NotTo(ContainElement("name"))
		Expect(paths).NotTo(ContainElement("retry_spread.<retry>.retry")) // the key names the element already
		Expect(paths).NotTo(ContainElement(HavePrefix("series")))
		Expect(paths).To(BeSortedAndUnique())
	})
})

// BeSortedAndUnique holds for a strictly increasing list of strings.
func BeSortedAndUnique() OmegaMatcher {
	return WithTransform(func(s []string) bool {
		for i := 1; i < len(s); i++ {
			if s[i-1] >= s[i] {
				return false
			}
		}
		return true
	}, BeTrue())
}
