package analysis_test

import (
	"fmt"
	"math"
	"math/rand/v2"
	"strings"

	. "github.com/onsi/ginkgo/v2"
	. "github.com/onsi/gomega"

	"github.com/chaos-harness/chaos/analysis"
	"github.com/chaos-harness/chaos/record"
)

// twoPolicies builds a run of n logical requests per policy, one per client.
// "steady" sends them at seeded uniform times over 2 s and succeeds at once
// except for every tenth request, which fails for good; "herd" sends every
// request's first attempt at 1 s and its second, which succeeds, at 1.3 s.
func twoPolicies(n int) []record.Record {
	var recs []record.Record
	rng := rand.New(rand.NewPCG(5, 6))
	for i := range n {
		t := math.Floor(rng.Float64() * 2000)
		req := fmt.Sprintf("r%d", i)
		ok := record.OutcomeOK
		if i%10 == 0 {
			ok = record.OutcomeStatus
		}
		recs = append(recs, record.Record{TMs: t, Client: req, Request: req, Attempt: 1, Policy: "steady", Fault: "none", Status: 200, LatencyMs: 5, Outcome: ok})
		recs = append(recs,
			record.Record{TMs: 1000, Client: req, Request: req, Attempt: 1, Policy: "herd", Fault: "status", Status: 503, LatencyMs: 0, Outcome: record.OutcomeStatus},
			record.Record{TMs: 1300, Client: req, Request: req, Attempt: 2, Policy: "herd", Fault: "none", Status: 200, LatencyMs: 5, Outcome: record.OutcomeOK},
		)
	}
	return recs
}

var _ = Describe("comparing strategies", func() {
	var res analysis.Result

	BeforeEach(func() {
		res = analyse(analysis.Options{BinWidth: 100_000_000}, twoPolicies(200)) // 100 ms bins
	})

	It("names the best strategy by success rate and sets it against the others", func() {
		Expect(res.Best).To(Equal("herd"))
		Expect(res.Comparisons).To(HaveLen(1))
		c := res.Comparisons[0]
		Expect(c.A).To(Equal("herd"))
		Expect(c.B).To(Equal("steady"))
		d, lo, hi := analysis.NewcombeDiff(200, 200, 180, 200, analysis.Z95)
		Expect(c.SuccessRateDiff).To(Equal(d))
		Expect(c.SuccessRateDiffCI).To(Equal([2]float64{lo, hi}))
		Expect(c.AmplificationDiff).To(HaveValue(Equal(1.0)))
	})

	It("tests completion times with Mann-Whitney U", func() {
		c := res.Comparisons[0]
		// Every herd request took 305 ms, every steady one 5 ms: U = n·m.
		Expect(c.Completion.U).To(Equal(200.0 * 200))
		Expect(c.Completion.P).To(BeNumerically("<", 1e-10))
	})

	It("puts a seeded bootstrap interval on the difference in peak-to-mean", func() {
		c := res.Comparisons[0]
		steady, _ := res.Policy("steady")
		herd, _ := res.Policy("herd")
		// The herd sends 200 in one 100 ms bin and 200 three bins later, with the
		// bins between empty: peak-to-mean 200 / (400/4) = 2. Steady spreads its
		// 200 over 20 bins, about 10 each.
		Expect(herd.PeakToMean).To(BeNumerically("~", 2, 1e-12))
		Expect(steady.PeakToMean).To(BeNumerically("<", 1.8))
		Expect(c.PeakToMeanDiff).To(BeNumerically("~", herd.PeakToMean-steady.PeakToMean, 1e-12))
		Expect(c.BootstrapResamples).To(Equal(1000))
		Expect(c.PeakToMeanDiffCI[0]).To(BeNumerically(">", 0))
		Expect(c.PeakToMeanDiffCI[1]).To(BeNumerically(">", c.PeakToMeanDiffCI[0]))

		again := analyse(analysis.Options{BinWidth: 100_000_000}, twoPolicies(200))
		Expect(again.Comparisons[0].PeakToMeanDiffCI).To(Equal(c.PeakToMeanDiffCI))
	})

	It("gives an interval around zero for two draws of the same process", func() {
		rng := rand.New(rand.NewPCG(3, 4))
		a, b := make([]int, 50), make([]int, 50)
		for i := range 5000 {
			a[rng.IntN(50)]++
			b[(i*7)%50]++
		}
		lo, hi, used := analysis.BootstrapPeakToMeanDiff(b, b, 500, rng)
		Expect(used).To(Equal(500))
		Expect(lo).To(BeNumerically("<=", 0))
		Expect(hi).To(BeNumerically(">=", 0))
		lo, hi, _ = analysis.BootstrapPeakToMeanDiff(a, a, 500, rng)
		Expect(lo).To(BeNumerically("<", 0))
		Expect(hi).To(BeNumerically(">", 0))
	})
})

var _ = Describe("retry delays against an exact distribution", func() {
	// Full jitter (AWS Architecture Blog, "Exponential Backoff And Jitter",
	// 2015): the delay before retry k is uniform on [0, min(cap, base·2^(k−1))].
	const base, capMs = 100.0, 1000.0
	bound := func(k int) float64 { return math.Min(capMs, base*math.Pow(2, float64(k-1))) }
	fullJitter := func(k int) func(float64) float64 {
		return func(x float64) float64 { return math.Min(1, math.Max(0, x/bound(k))) }
	}

	// run simulates n clients failing twice then succeeding, with delays drawn
	// by draw(k); responses take no time.
	run := func(n int, draw func(k int, rng *rand.Rand) float64) analysis.Result {
		rng := rand.New(rand.NewPCG(42, 1))
		var recs []record.Record
		for i := range n {
			id := fmt.Sprintf("c%d", i)
			t := 0.0
			for attempt := 1; attempt <= 3; attempt++ {
				if attempt > 1 {
					t += draw(attempt-1, rng)
				}
				out, fault, status := record.OutcomeStatus, "status", 503
				if attempt == 3 {
					out, fault, status = record.OutcomeOK, "none", 200
				}
				recs = append(recs, record.Record{TMs: t, Client: id, Request: id, Attempt: attempt, Fault: fault, Status: status, Outcome: out})
			}
		}
		return analyse(analysis.Options{ExpectedDelay: map[string]analysis.DelayCDF{"client": fullJitter}, SampleSize: 500}, recs)
	}

	It("does not reject delays drawn from that distribution (fixed seed)", func() {
		res := run(2000, func(k int, rng *rand.Rand) float64 { return rng.Float64() * bound(k) })
		for _, rd := range res.Policies[0].RetryDelays {
			Expect(rd.KS).NotTo(BeNil())
			Expect(rd.KS.P).To(BeNumerically(">", 0.05), "retry %d", rd.Retry)
			Expect(rd.Count).To(Equal(2000))
			Expect(rd.Sampled).To(BeTrue())
			Expect(rd.KS.N).To(Equal(500))
		}
		Expect(res.Notes).To(ContainElement(ContainSubstring("seeded sample of 500")))
	})

	// The retry numbers are finished side by side (a goroutine per core):
	// their results and notes still come in retry order.
	It("gives each retry number's results and notes in retry order", func() {
		// Client i fails i%8+1 times, then succeeds: retry r is seen by the
		// clients that failed at least r times, 160·(9−r) of them.
		var recs []record.Record
		for i := range 1280 {
			id := fmt.Sprintf("c%d", i)
			fails := i%8 + 1
			for attempt := 1; attempt <= fails+1; attempt++ {
				out, fault, status := record.OutcomeStatus, "status", 503
				if attempt == fails+1 {
					out, fault, status = record.OutcomeOK, "none", 200
				}
				recs = append(recs, record.Record{TMs: float64(attempt*1000 + i%97), Client: id, Request: id, Attempt: attempt, Fault: fault, Status: status, Outcome: out})
			}
		}
		res := analyse(analysis.Options{ExpectedDelay: map[string]analysis.DelayCDF{"client": fullJitter}, SampleSize: 100}, recs)
		p := res.Policies[0]
		Expect(p.RetryDelays).To(HaveLen(8))
		Expect(p.RetrySpread).To(HaveLen(8))
		var sampled []string
		for _, note := range res.Notes {
			if strings.Contains(note, "seeded sample of 100") {
				sampled = append(sampled, note)
			}
		}
		Expect(sampled).To(HaveLen(8))
		for r := 1; r <= 8; r++ {
			Expect(p.RetryDelays[r-1].Retry).To(Equal(r))
			Expect(p.RetryDelays[r-1].Count).To(Equal(160 * (9 - r)))
			Expect(p.RetrySpread[r-1].Retry).To(Equal(r))
			Expect(sampled[r-1]).To(Equal(fmt.Sprintf("client: retry %d was seen %d times; its quantiles, CDF and KS test rest on a seeded sample of 100", r, 160*(9-r))))
		}
	})

	It("rejects delays without jitter", func() {
		res := run(2000, func(k int, _ *rand.Rand) float64 { return bound(k) / 2 })
		for _, rd := range res.Policies[0].RetryDelays {
			Expect(rd.KS.D).To(BeNumerically("~", 0.5, 1e-9))
			Expect(rd.KS.P).To(BeNumerically("<", 1e-6))
		}
	})
})

var _ = Describe("the standings", func() {
	// requests builds n logical requests of a policy, ok of them successful,
	// the first `retried` of them taking two attempts.
	requests := func(policy string, n, ok, retried int) []record.Record {
		var recs []record.Record
		for i := range n {
			id := fmt.Sprintf("%s-%d", policy, i)
			t := float64(i)
			if i < retried {
				recs = append(recs, record.Record{TMs: t, Client: id, Request: id, Attempt: 1, Policy: policy, Fault: "status", Status: 503, Outcome: record.OutcomeStatus})
				t += 50
			}
			out := record.OutcomeOK
			if i >= ok {
				out = record.OutcomeStatus
			}
			recs = append(recs, record.Record{TMs: t, Client: id, Request: id, Attempt: 1 + boolInt(i < retried), Policy: policy, Fault: "none", Status: 200, Outcome: out})
		}
		return recs
	}

	It("prefers fewer attempts when the success rates differ by noise alone", func() {
		recs := append(requests("loud", 1000, 991, 1000), requests("lean", 1000, 990, 500)...)
		res := analyse(analysis.Options{}, recs)
		Expect(res.Standings).To(Equal([]string{"lean", "loud"}))
		Expect(res.Best).To(Equal("lean"))
		c := res.Comparisons[0]
		Expect(c.SuccessRateDiffCI[0]).To(BeNumerically("<", 0))
		Expect(c.SuccessRateDiffCI[1]).To(BeNumerically(">", 0))
	})

	It("prefers the higher success rate when the difference is real", func() {
		recs := append(requests("loud", 1000, 999, 1000), requests("lean", 1000, 950, 0)...)
		res := analyse(analysis.Options{}, recs)
		Expect(res.Standings).To(Equal([]string{"loud", "lean"}))
	})
})

func boolInt(b bool) int {
	if b {
		return 1
	}
	return 0
}
