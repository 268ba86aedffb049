package reports

import (
	. "github.com/onsi/ginkgo/v2"
	g "github.com/onsi/gomega"

	"github.com/chaos-harness/chaos/analysis"
)

var _ = Describe("the table of duplicate side effects", func() {
	It("has a row only for a strategy whose Records reached an upstream, and is left out without any", func() {
		dup, unsafe := 5, 3
		proxied := analysis.PolicyResult{Name: "retry", DuplicateEffects: &dup, UnsafeDuplicateEffects: &unsafe}
		plain := analysis.PolicyResult{Name: "plain"}
		res := analysis.Result{WindowMs: 1000, RetryWindowMs: 16, Policies: []analysis.PolicyResult{proxied, plain}}
		g.Expect(duplicateTable(res).Rows).To(g.Equal([][]string{{"retry", "5", "3"}}))
		g.Expect(summaryTables(res)).To(g.ContainElement(g.HaveField("ID", "duplicate-effects")))
		res.Policies = []analysis.PolicyResult{plain}
		g.Expect(summaryTables(res)).NotTo(g.ContainElement(g.HaveField("ID", "duplicate-effects")))
	})
})
