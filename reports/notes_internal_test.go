package reports

import (
	. "github.com/onsi/ginkgo/v2"
	g "github.com/onsi/gomega"

	"github.com/chaos-harness/chaos/analysis"
)

var _ = Describe("the report's notes", func() {
	res := analysis.Result{Policies: []analysis.PolicyResult{{Name: "a"}, {Name: "a b"}, {Name: "c"}}}

	It("says a note every strategy shares once, one that some share once naming them, and keeps the rest", func() {
		res.Notes = []string{
			"The bin width is 100 ms.",
			"a: no retry followed a Retry-After, so retry_after_margin_ms is null",
			"a b: no retry followed a Retry-After, so retry_after_margin_ms is null",
			"a b: the breaker was never open",
			"c: no retry followed a Retry-After, so retry_after_margin_ms is null",
			"c: the breaker was never open",
			"a: sampled",
		}
		g.Expect(noteLines(res)).To(g.Equal([]string{
			"The bin width is 100 ms.",
			"Every strategy: no retry followed a Retry-After, so retry_after_margin_ms is null",
			"a b, c: the breaker was never open", // "a b" is the longer name that fits, not "a"
			"a: sampled",
		}))
	})
})
