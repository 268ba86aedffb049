package reports

import (
	. "github.com/onsi/ginkgo/v2"
	g "github.com/onsi/gomega"

	"github.com/chaos-harness/chaos/analysis"
)

var _ = Describe("the over-seeds table of a repeated run", func() {
	It("shows each figure's mean with its interval, unknown where no seed knew it, and nothing for one run", func() {
		sd := 0.05
		o := &analysis.OverSeeds{Runs: 3,
			SuccessRate:     &analysis.SeedSummary{N: 3, Mean: 0.9, Sd: &sd, CI: &[2]float64{0.8, 0.95}},
			Attempts:        &analysis.SeedSummary{N: 3, Mean: 1200, Sd: &sd, CI: &[2]float64{1100, 1300}},
			Amplification:   &analysis.SeedSummary{N: 1, Mean: 1.2},
			CompletionP99Ms: &analysis.SeedSummary{N: 3, Mean: 250, Sd: &sd, CI: &[2]float64{240, 260}},
			MakespanMs:      &analysis.SeedSummary{N: 3, Mean: 9000, Sd: &sd, CI: &[2]float64{8900, 9100}}}
		res := analysis.Result{Repeat: &analysis.Repeat{FirstSeed: 7, Runs: 3},
			Policies: []analysis.PolicyResult{{Name: "full", OverSeeds: o}}}
		t := overSeedsTable(res)
		g.Expect(t.Caption).To(g.Equal("Across seeds 7 to 9: mean (95% interval) of 3 runs"))
		g.Expect(t.Rows).To(g.Equal([][]string{{"full", "3", "90.0% (80.0% – 95.0%)", "1200 (1100 – 1300)", "1.20", "250 (240 – 260)", "9000 (8900 – 9100)", "unknown"}}))
		g.Expect(summaryTables(res)).To(g.ContainElement(g.HaveField("ID", "over-seeds")))
		g.Expect(summaryTables(analysis.Result{Policies: res.Policies})).NotTo(g.ContainElement(g.HaveField("ID", "over-seeds")))
	})
})
