package analysis_test

import (
	"fmt"

	. "github.com/onsi/ginkgo/v2"
	. "github.com/onsi/gomega"

	"github.com/chaos-harness/chaos/analysis"
	"github.com/chaos-harness/chaos/record"
)

var _ = Describe("the ranking rule", func() {
	// pol is a strategy of 1000 logical requests whose retries reached at
	// most herd in one retry window.
	pol := func(name string, ok int, amp, p99 float64, herd int) analysis.PolicyResult {
		return analysis.PolicyResult{Name: name, LogicalRequests: 1000, Succeeded: ok, SuccessRate: float64(ok) / 1000,
			Amplification: &amp, CompletionMs: analysis.Quantiles{P99: p99}, RetryMaxWindow: &herd}
	}
	// Costs (amplification − 1 + p99 in seconds): steady 0.5 + 2 = 2.5,
	// eager 1.5 + 1.2 = 2.7, patient 0.2 + 6 = 6.2, middling 0.8 + 3 = 3.8,
	// slowpoke 0.8 + 9 = 9.8, failfast 0 + 0.1 = 0.1.
	// The highest success rate is eager's 99.2%. Newcombe 95% intervals of
	// 99.2% less the others: against 99.0% and 99.1% they reach below zero
	// (tier 1); against 95.1% the lower limit is about 0.041 −
	// √(0.008² + 0.012²) ≈ +0.027, and above zero against the rest. Of the
	// rest, slowpoke's 95.1% is the highest and middling's 95.0% within its
	// noise (tier 2); failfast's 50% is far below (tier 3).
	ps := func() []analysis.PolicyResult {
		return []analysis.PolicyResult{
			pol("failfast", 500, 1.0, 100, 60),
			pol("patient", 991, 1.2, 6000, 90),
			pol("middling", 950, 1.8, 3000, 200),
			pol("slowpoke", 951, 1.8, 9000, 210),
			pol("eager", 992, 2.5, 1200, 150),
			pol("steady", 990, 1.5, 2000, 120),
		}
	}
	names := func(rs []analysis.Ranked) []string {
		out := []string{}
		for _, r := range rs {
			out = append(out, r.Name)
		}
		return out
	}

	It("costs one point per attempt above 1 and per second of p99", func() {
		Expect(analysis.RankCost(pol("steady", 990, 1.5, 2000, 0))).To(BeNumerically("~", 2.5, 1e-12))
		Expect(analysis.RankingRule()).To(Equal("Ranking rule: success first, in tiers: the first tier holds the strategies whose success rate is not " +
			"significantly below the highest (the 95% Newcombe interval of the difference reaches zero), the next those " +
			"not significantly below the highest of the rest, and so on; within a tier the lowest cost ranks first, where the cost is " +
			"one point for each attempt per logical request above 1 plus one point for each second of p99 completion time; ties go by name."))
	})

	It("ranks by success tier, then cost, and marks the frontier above the floor", func() {
		res := analysis.Result{Policies: ps()}
		analysis.Rank(&res, 0.9)
		// Tier 1 by cost: steady 2.5, eager 2.7, patient 6.2 (patient has the
		// fewest attempts but the longest tail). Tier 2 by cost: middling 3.8
		// before slowpoke 9.8, though slowpoke succeeded once more. Then
		// failfast, though it is the cheapest.
		Expect(names(res.Ranking)).To(Equal([]string{"steady", "eager", "patient", "middling", "slowpoke", "failfast"}))
		Expect(res.Ranking[0].Rank).To(Equal(1))
		Expect(res.Ranking[0].Cost).To(BeNumerically("~", 2.5, 1e-12))
		tiers := []int{}
		front := []bool{}
		below := []bool{}
		for _, r := range res.Ranking {
			tiers, front, below = append(tiers, r.Tier), append(front, r.Pareto), append(below, r.BelowMinSuccess)
		}
		Expect(tiers).To(Equal([]int{1, 1, 1, 2, 2, 3}))
		// Above the 90% floor, on amplification and p99: steady (1.5, 2000)
		// dominates middling (1.8, 3000); steady, eager (lower p99) and patient
		// (lower amplification) trade off; steady dominates slowpoke (1.8,
		// 9000) too. failfast is below the floor.
		Expect(front).To(Equal([]bool{true, true, true, false, false, false}))
		Expect(below).To(Equal([]bool{false, false, false, false, false, true}))
		Expect(res.Frontier).To(Equal(&analysis.Frontier{Objectives: []string{"amplification", "completion_ms.p99"}, MinSuccess: 0.9}))
		Expect(res.Notes).To(BeEmpty())
	})

	It("would call the setting that fails half its requests fast the only optimum without the floor", func() {
		// failfast (1.0, 100 ms) is at least as good as every other on both
		// objectives and better on one: it dominates them all.
		Expect(analysis.ParetoFrontier(ps(), 0)).To(Equal([]bool{true, false, false, false, false, false}))
		Expect(analysis.ParetoFrontier(ps(), 0.9)).To(Equal([]bool{false, true, false, false, true, true}))
	})

	It("says so when no setting reaches the floor", func() {
		res := analysis.Result{Policies: ps()}
		analysis.Rank(&res, 0.999)
		for _, r := range res.Ranking {
			Expect(r.Pareto).To(BeFalse())
			Expect(r.BelowMinSuccess).To(BeTrue())
		}
		Expect(res.Notes).To(ConsistOf("No setting reached the success floor of 99.90%, so the Pareto frontier is empty."))
	})
})

var _ = Describe("the trade-offs of the winner", func() {
	It("names the first lower-ranked strategy with a lower p99, and why it ranks below", func() {
		recs := append(requestsAt("quick", 1000, 991, 40), requestsAt("thrifty", 1000, 990, 10)...)
		recs = append(recs, requestsAt("fast-fail", 1000, 500, 5)...)
		res := analyse(analysis.Options{}, recs)
		// All three send one attempt per request (amplification 1), so cost is
		// the p99 of completion: each request of quick takes 40 ms, thrifty
		// 10 ms, fast-fail 5 ms. quick and thrifty are within the noise of each
		// other; fast-fail is far below.
		Expect(res.Standings).To(Equal([]string{"thrifty", "quick", "fast-fail"}))
		Expect(res.Best).To(Equal("thrifty"))
		// fast-fail finishes faster than thrifty (5 ms against 10 ms) but
		// succeeds half as often.
		// None retries (retry_max_window 0 for all three), so no retry herd is
		// smaller than thrifty's.
		Expect(res.Tradeoffs).To(Equal([]string{"Trade-off: thrifty ranks first, but fast-fail has a lower p99 completion time: 5 ms against 10 ms; fast-fail ranks below because its success rate is significantly lower (50.00% against 99.00%)."}))
		analysis.Rank(&res, 0.9)
		Expect(res.Ranking[0].Name).To(Equal(res.Best))
	})

	// herdPol is a strategy of 1000 logical requests, 990 of them successful
	// (one success tier whatever the rest), with a retry herd of herd, or
	// none known (nil).
	herdPol := func(name string, amp, p99 float64, herd *int) analysis.PolicyResult {
		return analysis.PolicyResult{Name: name, LogicalRequests: 1000, Succeeded: 990, SuccessRate: 0.99,
			Amplification: ptr(amp), CompletionMs: analysis.Quantiles{P99: p99}, RetryMaxWindow: herd}
	}

	It("names a strategy of the winner's tier that beats it on the tail but costs more", func() {
		// Costs: lean 0.2 + 3 = 3.2, eager 2 + 1.5 = 3.5; one success tier.
		// eager's tail is shorter; lean's retry herd (50) is smaller than
		// eager's (80), so the herd names no trade-off.
		ps := []analysis.PolicyResult{herdPol("lean", 1.2, 3000, ptr(50)), herdPol("eager", 3.0, 1500, ptr(80))}
		Expect(analysis.Tradeoffs(ps)).To(Equal([]string{
			"Trade-off: lean ranks first, but eager has a lower p99 completion time: 1500 ms against 3000 ms; eager ranks below because it costs more by the rule (3.500 against 3.200).",
		}))
	})

	It("names the first lower-ranked strategy with a smaller retry herd, passing over one whose herd is unknown", func() {
		// Costs: lean 0.2 + 3 = 3.2, blind 0.5 + 3 = 3.5, calm 1 + 4 = 5,
		// in that order; no p99 is below lean's 3000 ms. blind's herd is
		// null (its attempts could not be grouped), so calm's 12 retries in a
		// window, against lean's 436, are the trade-off.
		ps := []analysis.PolicyResult{herdPol("calm", 2.0, 4000, ptr(12)), herdPol("blind", 1.5, 3000, nil), herdPol("lean", 1.2, 3000, ptr(436))}
		Expect(analysis.Tradeoffs(ps)).To(Equal([]string{
			"Trade-off: lean ranks first, but calm has a smaller retry herd (retry_max_window, the most retries in any window of retry_window_ms): 12 retries against 436 retries; calm ranks below because it costs more by the rule (5.000 against 3.200).",
		}))
	})

	It("names no herd trade-off when the winner's retry herd is unknown", func() {
		// lean (cost 3.2) ranks first with a null herd; calm's 12 cannot be
		// set against it, and calm's p99 is longer.
		ps := []analysis.PolicyResult{herdPol("calm", 2.0, 4000, ptr(12)), herdPol("lean", 1.2, 3000, nil)}
		Expect(analysis.Tradeoffs(ps)).To(BeEmpty())
	})
})

// requestsAt builds n logical requests of a policy, one attempt each, 1 ms
// apart, ok of them successful, each response taking latency ms.
func requestsAt(policy string, n, ok int, latency float64) []record.Record {
	var recs []record.Record
	for i := range n {
		id := fmt.Sprintf("%s-%d", policy, i)
		r := record.Record{TMs: float64(i), Client: id, Request: id, Attempt: 1, Policy: policy,
			Fault: "none", Status: 200, LatencyMs: latency, Outcome: record.OutcomeOK}
		if i >= ok {
			r.Fault, r.Status, r.Outcome = "status", 503, record.OutcomeStatus
		}
		recs = append(recs, r)
	}
	return recs
}
