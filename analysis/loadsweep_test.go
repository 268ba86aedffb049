package analysis_test

import (
	. "github.com/onsi/ginkgo/v2"
	. "github.com/onsi/gomega"

	"github.com/chaos-harness/chaos/analysis"
)

var _ = Describe("SweepLoad", func() {
	ms := func(x float64) *float64 { return &x }
	// A hand-made sweep: per load, the run with its trigger (recovered when
	// it has a time to recover) and the run without (healthy at >= 0.9).
	policy := func(name string, rate float64, ttr *float64) analysis.PolicyResult {
		return analysis.PolicyResult{Name: name, SuccessRate: rate, TimeToRecoverMs: ttr}
	}
	res := analysis.Result{Policies: []analysis.PolicyResult{
		policy("l1 on", 1, ms(40)), policy("l1 off", 1, nil),
		policy("l2 on", 0.3, nil), policy("l2 off", 0.95, nil),
		policy("l3 on", 0.8, ms(900)), policy("l3 off", 0.9, nil), // a lucky recovery inside the band
		policy("l4 on", 0.2, nil), policy("l4 off", 0.9, nil), // 0.9 is at the floor: healthy
		policy("l5 on", 0.1, nil), policy("l5 off", 0.89, nil),
	}}
	points := []analysis.LoadPoint{
		// Out of load order: verdicts come sorted by load.
		{Name: "l5 on", Load: 5, Trigger: true}, {Name: "l5 off", Load: 5},
		{Name: "l1 on", Load: 1, Trigger: true}, {Name: "l1 off", Load: 1},
		{Name: "l2 on", Load: 2, Trigger: true}, {Name: "l2 off", Load: 2},
		{Name: "l3 on", Load: 3, Trigger: true}, {Name: "l3 off", Load: 3},
		{Name: "l4 on", Load: 4, Trigger: true}, {Name: "l4 off", Load: 4},
	}

	It("gives each load its verdict and the band from the lowest to the highest bistable load", func() {
		sw, err := analysis.SweepLoad(&res, points, 0.9)
		Expect(err).NotTo(HaveOccurred())
		Expect(sw.TriggerVaried).To(BeTrue())
		Expect(sw.Groups).To(HaveLen(1))
		g := sw.Groups[0]
		var got []string
		for _, v := range g.Loads {
			got = append(got, v.Verdict)
		}
		Expect(got).To(Equal([]string{analysis.LoadStable, analysis.LoadBistable, analysis.LoadStable, analysis.LoadBistable, analysis.LoadOverloaded}))
		Expect(g.Band).To(Equal(&analysis.LoadBand{From: 2, To: 4, Contiguous: false}))
		Expect(g.Loads[1].Triggered).To(Equal("l2 on"))
		Expect(g.Loads[1].Calm).To(Equal("l2 off"))
		Expect(*g.Loads[1].CalmRate).To(Equal(0.95))
		Expect(g.Loads[1].TriggeredRate).To(Equal(0.3))
		Expect(g.Loads[0].TimeToRecoverMs).To(HaveValue(Equal(40.0)))
	})

	It("groups the loads by the other knobs' setting", func() {
		pts := []analysis.LoadPoint{
			{Name: "l1 on", Load: 1, Trigger: true, Setting: "a"}, {Name: "l1 off", Load: 1, Setting: "a"},
			{Name: "l2 on", Load: 1, Trigger: true, Setting: "b"}, {Name: "l2 off", Load: 1, Setting: "b"},
		}
		sw, err := analysis.SweepLoad(&res, pts, 0.9)
		Expect(err).NotTo(HaveOccurred())
		Expect(sw.Groups).To(HaveLen(2))
		Expect(sw.Groups[0].Setting).To(Equal("a"))
		Expect(sw.Groups[0].Band).To(BeNil())
		Expect(sw.Groups[1].Band).To(Equal(&analysis.LoadBand{From: 1, To: 1, Contiguous: true}))
	})

	It("says recovers or stays down, and no band, when the trigger did not vary", func() {
		sw, err := analysis.SweepLoad(&res, []analysis.LoadPoint{{Name: "l1 on", Load: 1, Trigger: true}, {Name: "l2 on", Load: 2, Trigger: true}}, 0.9)
		Expect(err).NotTo(HaveOccurred())
		Expect(sw.TriggerVaried).To(BeFalse())
		Expect(sw.Groups[0].Loads[0].Verdict).To(Equal(analysis.LoadRecovers))
		Expect(sw.Groups[0].Loads[1].Verdict).To(Equal(analysis.LoadStaysDown))
		Expect(sw.Groups[0].Band).To(BeNil())
		Expect(sw.Notes).To(HaveLen(1))
	})

	It("refuses a point it has no result for, and a load with no triggered run", func() {
		_, err := analysis.SweepLoad(&res, []analysis.LoadPoint{{Name: "nope", Load: 1, Trigger: true}}, 0.9)
		Expect(err).To(MatchError(ContainSubstring(`no result for point "nope"`)))
		_, err = analysis.SweepLoad(&res, []analysis.LoadPoint{{Name: "l1 off", Load: 1}}, 0.9)
		Expect(err).To(MatchError(ContainSubstring("load 1 has no run with its trigger")))
	})
})
