package reports

import (
	. "github.com/onsi/ginkgo/v2"
	g "github.com/onsi/gomega"
)

// This spec sits inside the package (timeTicks is unexported), where a dot
// import of gomega would collide with reports.Assertion.
var (
	Expect        = g.Expect
	Equal         = g.Equal
	BeEmpty       = g.BeEmpty
	BeNumerically = g.BeNumerically
)

var _ = Describe("timeTicks", func() {
	labels := func(min, max float64) []string {
		var out []string
		for _, t := range (timeTicks{}).Ticks(min, max) {
			if t.Label != "" {
				out = append(out, t.Label)
			}
		}
		return out
	}

	It("labels a 28 s axis every 5 s", func() {
		Expect(labels(0, 28)).To(Equal([]string{"0", "5", "10", "15", "20", "25"}))
	})

	It("labels a short axis at round fractions, all with the same decimals", func() {
		Expect(labels(0, 1.2)).To(Equal([]string{"0.0", "0.2", "0.4", "0.6", "0.8", "1.0", "1.2"}))
	})

	It("puts a minor tick between labels", func() {
		ticks := (timeTicks{}).Ticks(0, 10)
		Expect(ticks[1].Label).To(BeEmpty())
		Expect(ticks[1].Value).To(BeNumerically("~", 1, 1e-9))
	})

	It("survives an empty axis", func() {
		Expect(labels(3, 3)).To(Equal([]string{"3"}))
	})
})
