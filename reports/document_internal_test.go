package reports

import (
	. "github.com/onsi/ginkgo/v2"

	"github.com/chaos-harness/chaos/analysis"
)

var _ = Describe("the phases of what the server did", func() {
	span := func(policy, name string, start, end float64, fault bool) analysis.PhaseSpan {
		return analysis.PhaseSpan{Name: name, Policy: policy, StartMs: start, EndMs: end, Fault: fault}
	}
	two := []analysis.PolicyResult{{Name: "a"}, {Name: "b"}}

	It("are listed once when every strategy went through them at the same times", func() {
		res := analysis.Result{Policies: two, Phases: []analysis.PhaseSpan{
			span("a", "up", 0, 2000, false), span("a", "down", 2000, 5000, true), span("a", "after", 5000, 9100, false),
			span("b", "up", 0, 2000, false), span("b", "down", 2000, 5000, true), span("b", "after", 5000, 9900, false),
		}}
		Expect(phaseText(res)).To(Equal("Phases: up 0 to 2000 ms; down 2000 to 5000 ms, fault; after from 5000 ms to the end of each run (the same for every strategy)."))
	})

	It("are listed per strategy when they differ", func() {
		res := analysis.Result{Policies: two, Phases: []analysis.PhaseSpan{
			span("a", "down", 0, 1000, true), span("b", "down", 100, 1500, true),
		}}
		Expect(phaseText(res)).To(Equal("Phases: down 0 to 1000 ms (a), fault; down 100 to 1500 ms (b), fault."))
	})
})
