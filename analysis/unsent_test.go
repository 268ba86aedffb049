package analysis_test

import (
	"encoding/json"
	"time"

	. "github.com/onsi/ginkgo/v2"
	. "github.com/onsi/gomega"

	"github.com/chaos-harness/chaos/analysis"
)

// The small log's 5 logical requests (4 succeeded, 9 attempts) plus 3 that an
// open breaker refused before any attempt, 2 of them answered by a fallback:
//
//	logical 5 + 3 = 8, succeeded 4, success rate 4/8 = 0.5,
//	amplification 9/8 = 1.125, attempts per request {0: 3, 1: 3, 3: 2}.
var _ = Describe("logical requests refused before any attempt", func() {
	facts := analysis.Options{
		Unsent:         map[string]int{"client": 3},
		FallbackServed: map[string]int{"client": 2},
	}

	It("count as failed logical requests, in the rate and its interval", func() {
		p := analyse(facts, smallLog()).Policies[0]
		Expect(p.LogicalRequests).To(Equal(8))
		Expect(p.Succeeded).To(Equal(4))
		Expect(p.SuccessRate).To(Equal(0.5))
		lo, hi := analysis.Wilson(4, 8, analysis.Z95)
		Expect(p.SuccessRateCI).To(Equal([2]float64{lo, hi}))
		Expect(p.Unsent).To(Equal(3))
	})

	It("lower the attempts per logical request and show as requests of 0 attempts", func() {
		p := analyse(facts, smallLog()).Policies[0]
		Expect(p.Attempts).To(Equal(9))
		Expect(p.Amplification).To(HaveValue(Equal(1.125)))
		Expect(p.AttemptsPerRequest).To(Equal([]analysis.AttemptCount{
			{Attempts: 0, Requests: 3}, {Attempts: 1, Requests: 3}, {Attempts: 3, Requests: 2}}))
	})

	It("have no completion time: the quantiles are the sent requests' alone", func() {
		p := analyse(facts, smallLog()).Policies[0]
		Expect(p.CompletionMs).To(Equal(analysis.Quantiles{P50: 10, P90: 1020, P99: 1020, Max: 1020}))
	})

	It("report fallback-served requests apart, as failures, and say so", func() {
		res := analyse(facts, smallLog())
		Expect(res.Policies[0].FallbackServed).To(Equal(2))
		Expect(res.Policies[0].Succeeded).To(Equal(4))
		Expect(res.Notes).To(ContainElement(ContainSubstring("client: 3 logical requests were refused before any attempt")))
		Expect(res.Notes).To(ContainElement(ContainSubstring("client: 2 failed logical requests were answered by the fallback")))
		b, err := json.Marshal(res)
		Expect(err).NotTo(HaveOccurred())
		Expect(string(b)).To(ContainSubstring(`"unsent":3`))
		Expect(string(b)).To(ContainSubstring(`"fallback_served":2`))
	})

	It("notes a fallback count the Records cannot hold", func() {
		res := analyse(analysis.Options{FallbackServed: map[string]int{"client": 2}}, smallLog())
		Expect(res.Notes).To(ContainElement(ContainSubstring("answered by the fallback, more than the 1 that failed")))
	})

	It("rank a policy by all its logical requests: a breaker that refuses does not look better", func() {
		recs := smallLog()
		for i := range recs {
			recs[i].Policy = "breaker"
		}
		other := smallLog()
		for i := range other {
			other[i].Policy = "plain"
		}
		// Without the refused 30, both have 4 of 5 at 9 attempts and the tie
		// goes to the name: breaker. With them, breaker has 4 of 35.
		res := analyse(analysis.Options{Unsent: map[string]int{"breaker": 30}}, append(recs, other...))
		b, _ := res.Policy("breaker")
		Expect(b.SuccessRate).To(Equal(4.0 / 35))
		Expect(res.Standings).To(Equal([]string{"plain", "breaker"}))
		Expect(res.Comparisons[0].SuccessRateDiff).To(BeNumerically("~", 0.8-4.0/35, 1e-12))
	})

	It("report a policy every request of which was refused, after the others", func() {
		res := analyse(analysis.Options{Unsent: map[string]int{"ghost": 2, "client": 0}}, smallLog())
		Expect(res.Policies).To(HaveLen(2))
		g := res.Policies[1]
		Expect(g.Name).To(Equal("ghost"))
		Expect(g.LogicalRequests).To(Equal(2))
		Expect(g.Succeeded).To(Equal(0))
		Expect(g.Attempts).To(Equal(0))
		Expect(g.FirstMs).To(Equal(0.0))
		Expect(g.MakespanMs).To(Equal(0.0))
		_, err := json.Marshal(res) // every number finite
		Expect(err).NotTo(HaveOccurred())
	})

	It("count those sent that never reached the server alike, and say which were which", func() {
		res := analyse(analysis.Options{Unsent: map[string]int{"client": 1}, Unreached: map[string]int{"client": 2}}, smallLog())
		p := res.Policies[0]
		Expect(p.LogicalRequests).To(Equal(8))
		Expect(p.SuccessRate).To(Equal(0.5))
		Expect(p.Unsent).To(Equal(1))
		Expect(p.Unreached).To(Equal(2))
		Expect(p.AttemptsPerRequest[0]).To(Equal(analysis.AttemptCount{Attempts: 0, Requests: 3}))
		Expect(res.Notes).To(ContainElement(ContainSubstring("client: 2 logical requests were sent but none of their attempts reached the server's log")))
	})

	It("make a result of a run none of whose requests left a Record", func() {
		acc, err := analysis.New(analysis.Options{Unreached: map[string]int{"p": 3}})
		Expect(err).NotTo(HaveOccurred())
		res, err := acc.Finish()
		Expect(err).NotTo(HaveOccurred())
		Expect(res.Policies).To(HaveLen(1))
		p := res.Policies[0]
		Expect([]int{p.LogicalRequests, p.Succeeded, p.Attempts, p.Unreached}).To(Equal([]int{3, 0, 0, 3}))
		Expect(p.SuccessRate).To(Equal(0.0))
		_, err = json.Marshal(res) // every number finite
		Expect(err).NotTo(HaveOccurred())
	})

	It("refuses a negative count", func() {
		_, err := analysis.New(analysis.Options{Unsent: map[string]int{"p": -1}})
		Expect(err).To(MatchError(ContainSubstring(`unsent requests of "p": -1`)))
		_, err = analysis.New(analysis.Options{FallbackServed: map[string]int{"p": -1}})
		Expect(err).To(HaveOccurred())
		_, err = analysis.New(analysis.Options{Unreached: map[string]int{"p": -1}})
		Expect(err).To(HaveOccurred())
	})
})

var _ = Describe("facts given when the run ends (FinishWith)", func() {
	seed := uint64(3)
	phases := []analysis.Phase{{Name: "outage", Start: time.Second, End: 1500 * time.Millisecond, Fault: true}}
	breaker := map[string][]analysis.Interval{"client": {{Start: time.Second, End: 2 * time.Second}}}

	It("give the same result as the same facts in the Options", func() {
		want := analyse(analysis.Options{Seed: &seed, Phases: phases, BreakerOpen: breaker,
			Unsent: map[string]int{"client": 3}, FallbackServed: map[string]int{"client": 2}}, smallLog())

		acc, err := analysis.New(analysis.Options{Seed: &seed})
		Expect(err).NotTo(HaveOccurred())
		for _, r := range smallLog() {
			Expect(acc.Add(r)).To(Succeed())
		}
		got, err := acc.FinishWith(analysis.FinishOptions{Phases: phases, BreakerOpen: breaker,
			Unsent: map[string]int{"client": 3}, FallbackServed: map[string]int{"client": 2}})
		Expect(err).NotTo(HaveOccurred())
		Expect(got).To(Equal(want))
		Expect(got.Notes).NotTo(ContainElement(ContainSubstring("inferred")))
	})

	It("are checked as the Options are, and Finish runs once", func() {
		acc, err := analysis.New(analysis.Options{})
		Expect(err).NotTo(HaveOccurred())
		Expect(acc.Add(smallLog()[0])).To(Succeed())
		_, err = acc.FinishWith(analysis.FinishOptions{Phases: []analysis.Phase{{Name: "x", Start: time.Second}}})
		Expect(err).To(MatchError(ContainSubstring("finish options: phases[0]")))
		_, err = acc.FinishWith(analysis.FinishOptions{})
		Expect(err).NotTo(HaveOccurred())
		_, err = acc.FinishWith(analysis.FinishOptions{})
		Expect(err).To(MatchError(ContainSubstring("twice")))
	})
})
