package analysis_test

import (
	"encoding/json"

	. "github.com/onsi/ginkgo/v2"
	. "github.com/onsi/gomega"

	"github.com/chaos-harness/chaos/analysis"
	"github.com/chaos-harness/chaos/record"
)

// seedLog is one seed's log of policy "p": two logical requests, r1 at 0 ms
// and r2 at 10 ms, 5 ms responses; r2's attempts (the second at 100 ms) end
// with the outcomes given, a failure being a 503.
func seedLog(r2 []string) []record.Record {
	recs := []record.Record{{TMs: 0, Client: "c1", Request: "r1", Attempt: 1, Method: "GET", Path: "/", Policy: "p", Fault: "none", Status: 200, LatencyMs: 5, Outcome: record.OutcomeOK}}
	for i, outcome := range r2 {
		r := record.Record{TMs: float64(10 + 90*i), Client: "c2", Request: "r2", Attempt: i + 1, Method: "GET", Path: "/", Policy: "p", Fault: "none", Status: 200, LatencyMs: 5, Outcome: outcome}
		if outcome != record.OutcomeOK {
			r.Fault, r.Status = "status", 503
		}
		recs = append(recs, r)
	}
	return recs
}

var _ = Describe("over_seeds: one policy's figures across the seeds of a repeated run", func() {
	seeded := func(seed uint64, recs []record.Record) analysis.Result {
		return analyse(analysis.Options{Scenario: "s", Engine: "sim", Seed: &seed}, recs)
	}

	It("gives the mean, the sd with n−1 and the 95% Student-t interval, worked out by hand", func() {
		// Seed 3: both succeed first time: success 1, attempts 2, makespan 15 (0 → 10+5).
		// Seed 4: r2 fails, its retry succeeds: success 1, attempts 3, makespan 105 (0 → 100+5).
		// Seed 5: r2 fails twice: success 0.5, attempts 3, makespan 105.
		results := []analysis.Result{
			seeded(3, seedLog([]string{record.OutcomeOK})),
			seeded(4, seedLog([]string{record.OutcomeStatus, record.OutcomeOK})),
			seeded(5, seedLog([]string{record.OutcomeStatus, record.OutcomeStatus})),
		}
		res, err := analysis.SummarizeSeeds(results, 3)
		Expect(err).NotTo(HaveOccurred())
		Expect(res.Repeat).To(Equal(&analysis.Repeat{FirstSeed: 3, Runs: 3}))
		p := res.Policies[0]
		// The policy's own figures are those of the first seed.
		Expect(p.Attempts).To(Equal(2))
		o := p.OverSeeds
		Expect(o.Runs).To(Equal(3))
		// t(0.975; 2) = 4.302652729911275.
		// success: 1, 1, 0.5: mean 5/6; sd = √((2·(1/6)² + (1/3)²)/2) = √(1/12) = 0.288675;
		// half = 4.302653 · 0.288675 / √3 = 0.717109.
		Expect(o.SuccessRate.N).To(Equal(3))
		Expect(o.SuccessRate.Mean).To(BeNumerically("~", 5.0/6, 1e-12))
		Expect(*o.SuccessRate.Sd).To(BeNumerically("~", 0.288675, 1e-6))
		Expect(o.SuccessRate.CI[0]).To(BeNumerically("~", 5.0/6-0.717109, 1e-6))
		Expect(o.SuccessRate.CI[1]).To(BeNumerically("~", 5.0/6+0.717109, 1e-6))
		// attempts: 2, 3, 3: mean 8/3; sd = √(((2/3)² + 2·(1/3)²)/2) = √(1/3) = 0.577350;
		// half = 4.302653 · 0.577350 / √3 = 1.434218.
		Expect(o.Attempts.Mean).To(BeNumerically("~", 8.0/3, 1e-12))
		Expect(*o.Attempts.Sd).To(BeNumerically("~", 0.577350, 1e-6))
		Expect(o.Attempts.CI[1] - o.Attempts.Mean).To(BeNumerically("~", 1.434218, 1e-6))
		// makespan: 15, 105, 105: mean 75; sd = √((60² + 2·30²)/2) = √2700 = 51.961524.
		Expect(o.MakespanMs.Mean).To(BeNumerically("~", 75, 1e-9))
		Expect(*o.MakespanMs.Sd).To(BeNumerically("~", 51.961524, 1e-6))
		// No Record carries sent_ms, so client_makespan_ms is null in every seed.
		Expect(o.ClientMakespanMs).To(BeNil())
		Expect(res.Notes).To(ContainElement("policy p: over_seeds.client_makespan_ms is null: client_makespan_ms was null in every seed"))
		// The inputs are not changed.
		Expect(results[0].Policies[0].OverSeeds).To(BeNil())
		Expect(results[0].Repeat).To(BeNil())
	})

	It("summarises a figure null in some seeds over the others, and leaves sd and ci null below two", func() {
		two, three := 2.0, 4.0
		mk := func(seed uint64, amp *float64) analysis.Result {
			return analysis.Result{Scenario: "s", Engine: "sim", Seed: &seed, Policies: []analysis.PolicyResult{{Name: "p", Amplification: amp}}}
		}
		res, err := analysis.SummarizeSeeds([]analysis.Result{mk(1, &two), mk(2, nil), mk(3, &three)}, 1)
		Expect(err).NotTo(HaveOccurred())
		a := res.Policies[0].OverSeeds.Amplification
		// 2 and 4: mean 3, sd √2; t(0.975; 1) = 12.706205, half = 12.706205 · √2/√2.
		Expect(a.N).To(Equal(2))
		Expect(a.Mean).To(Equal(3.0))
		Expect(a.CI[0]).To(BeNumerically("~", 3-12.706205, 1e-6))
		Expect(res.Notes).To(ContainElement("policy p: over_seeds.amplification is over the 2 of 3 seeds in which amplification was known (null in 1)"))

		one, err := analysis.SummarizeSeeds([]analysis.Result{mk(9, &two)}, 9)
		Expect(err).NotTo(HaveOccurred())
		Expect(one.Policies[0].OverSeeds.Amplification).To(Equal(&analysis.SeedSummary{N: 1, Mean: 2}))
		b, err := json.Marshal(one.Policies[0].OverSeeds.Amplification)
		Expect(err).NotTo(HaveOccurred())
		Expect(string(b)).To(Equal(`{"n":1,"mean":2,"sd":null,"ci":null}`))
	})

	It("refuses results of another seed or other policies", func() {
		s1, s2 := uint64(1), uint64(2)
		a := analysis.Result{Scenario: "s", Seed: &s1, Policies: []analysis.PolicyResult{{Name: "p"}}}
		b := analysis.Result{Scenario: "s", Seed: &s2, Policies: []analysis.PolicyResult{{Name: "q"}}}
		_, err := analysis.SummarizeSeeds([]analysis.Result{a, b}, 1)
		Expect(err).To(MatchError(ContainSubstring("policies [q]")))
		_, err = analysis.SummarizeSeeds([]analysis.Result{b}, 1)
		Expect(err).To(MatchError(ContainSubstring("not of seed 1")))
	})
})
