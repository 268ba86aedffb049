package analysis_test

import (
	"encoding/json"
	"math"
	"time"

	. "github.com/onsi/ginkgo/v2"
	. "github.com/onsi/gomega"

	"github.com/chaos-harness/chaos/analysis"
	"github.com/chaos-harness/chaos/record"
)

// smallLog is a log of `chaos serve` (no policy, no client outcome) small
// enough to work out by hand:
//
//	a/1  t=0     ok                                 completion 10
//	a/2  t=1000  503 Retry-After 500 → deadline 1500
//	     t=1200  503 Retry-After 500 (a violation: 1200 < 1500) → deadline 1700
//	     t=2000  ok, 20 ms (complies: 2000 ≥ 1700)  completion 1020
//	b/1  t=1100  reset
//	     t=1400  503, 5 ms
//	     t=2100  ok, 10 ms                          completion 1010
//	d/1  t=1300  503 Retry-After 1000, never retried: failed, completion 0
//	c/1  t=2500  ok                                 completion 0
func smallLog() []record.Record {
	rec := func(t float64, client, req string, attempt int, phase, fault string, status int, ra, lat float64) record.Record {
		return record.Record{TMs: t, Client: client, Request: req, Attempt: attempt, Method: "GET", Path: "/api",
			Phase: phase, Fault: fault, Status: status, RetryAfterMs: ra, LatencyMs: lat}
	}
	return []record.Record{
		rec(0, "a", "a/1", 1, "healthy", "none", 200, 0, 10),
		rec(1000, "a", "a/2", 1, "outage", "status", 503, 500, 0),
		rec(1100, "b", "b/1", 1, "outage", "reset", 0, 0, 0),
		rec(1200, "a", "a/2", 2, "outage", "status", 503, 500, 0),
		rec(1300, "d", "d/1", 1, "outage", "status", 503, 1000, 0),
		rec(1400, "b", "b/1", 2, "outage", "status", 503, 0, 5),
		rec(2000, "a", "a/2", 3, "recovered", "none", 200, 0, 20),
		rec(2100, "b", "b/1", 3, "recovered", "none", 200, 0, 10),
		rec(2500, "c", "c/1", 1, "recovered", "none", 200, 0, 0),
	}
}

func analyse(o analysis.Options, recs []record.Record) analysis.Result {
	GinkgoHelper()
	acc, err := analysis.New(o)
	Expect(err).NotTo(HaveOccurred())
	for _, r := range recs {
		Expect(acc.Add(r)).To(Succeed())
	}
	res, err := acc.Finish()
	Expect(err).NotTo(HaveOccurred())
	return res
}

var _ = Describe("the accumulator on a small log worked out by hand", func() {
	var res analysis.Result
	var p analysis.PolicyResult
	seed := uint64(7)

	BeforeEach(func() {
		uniform400 := func(retry int) func(float64) float64 {
			if retry != 1 {
				return nil
			}
			return func(x float64) float64 { return math.Min(1, math.Max(0, x/400)) }
		}
		res = analyse(analysis.Options{
			Scenario: "small", Engine: "log", Seed: &seed, Command: "chaos analyze small.jsonl",
			BinWidth: time.Second, Window: time.Second,
			ExpectedDelay: map[string]analysis.DelayCDF{"client": uniform400},
			BreakerOpen: map[string][]analysis.Interval{"client": {
				{Start: 1000 * time.Millisecond, End: 1500 * time.Millisecond},
				{Start: 1400 * time.Millisecond, End: 2000 * time.Millisecond},
			}},
		}, smallLog())
		Expect(res.Policies).To(HaveLen(1))
		p = res.Policies[0]
	})

	It("carries the run's metadata", func() {
		Expect(res.Scenario).To(Equal("small"))
		Expect(res.Engine).To(Equal("log"))
		Expect(*res.Seed).To(Equal(uint64(7)))
		Expect(res.Command).To(Equal("chaos analyze small.jsonl"))
		Expect(res.Version).NotTo(BeEmpty())
		Expect(res.BinWidthMs).To(Equal(1000.0))
		Expect(res.WindowMs).To(Equal(1000.0))
		Expect(res.ResolutionMs).To(Equal(1.0))
		Expect(res.Best).To(Equal("client"))
		Expect(res.Comparisons).To(BeEmpty())
	})

	It("names a plain log's single group 'client' and counts requests, attempts and successes", func() {
		Expect(p.Name).To(Equal("client"))
		Expect(p.LogicalRequests).To(Equal(5))
		Expect(p.Succeeded).To(Equal(4))
		Expect(p.SuccessRate).To(Equal(0.8))
		lo, hi := analysis.Wilson(4, 5, analysis.Z95)
		Expect(p.SuccessRateCI).To(Equal([2]float64{lo, hi}))
		Expect(p.Attempts).To(Equal(9))
		Expect(p.Amplification).To(HaveValue(Equal(1.8)))
		Expect(p.AttemptsPerRequest).To(Equal([]analysis.AttemptCount{{Attempts: 1, Requests: 3}, {Attempts: 3, Requests: 2}}))
		Expect(p.Faults).To(Equal(map[string]int{"none": 4, "status": 4, "reset": 1}))
	})

	It("measures completion times and makespan", func() {
		// Completion times {0, 0, 10, 1010, 1020}; empirical quantiles.
		Expect(p.CompletionMs).To(Equal(analysis.Quantiles{P50: 10, P90: 1020, P99: 1020, Max: 1020}))
		Expect(p.MakespanMs).To(Equal(2500.0))
		Expect(p.FirstMs).To(Equal(0.0))
		Expect(p.LastMs).To(Equal(2500.0))
	})

	It("bins the arrivals and measures their spread", func() {
		// Bins of 1 s: [0,1s) 1, [1s,2s) 5, [2s,3s) 3.
		Expect(p.Series.Arrivals).To(Equal([]int{1, 5, 3}))
		Expect(p.Series.Succeeded).To(Equal([]int{1, 0, 3}))
		Expect(p.PeakToMean).To(BeNumerically("~", 5.0/3, 1e-12))
		Expect(p.CV).To(BeNumerically("~", math.Sqrt(8.0/3)/3, 1e-12))
		Expect(p.MaxWindowArrivals).To(Equal(5))
	})

	It("finds the most arrivals in a narrower sliding window", func() {
		// 150 ms: [1000,1150) and [2000,2150) hold two arrivals each, no window three.
		narrow := analyse(analysis.Options{Window: 150 * time.Millisecond}, smallLog())
		Expect(narrow.Policies[0].MaxWindowArrivals).To(Equal(2))
		Expect(narrow.WindowMs).To(Equal(150.0))
	})

	It("counts Retry-After compliance", func() {
		Expect(p.RetryAfterRetries).To(HaveValue(Equal(2)))
		Expect(p.RetryAfterViolations).To(HaveValue(Equal(1)))
	})

	It("times each retry and tests the delays against the expected distribution", func() {
		Expect(p.RetryDelays).To(HaveLen(2))
		r1, r2 := p.RetryDelays[0], p.RetryDelays[1]
		// Retry 1: a waited 200 (after a Retry-After), b waited 1400 − 1100 = 300.
		Expect(r1.Retry).To(Equal(1))
		Expect(r1.Count).To(Equal(2))
		Expect(r1.Mean).To(Equal(250.0))
		Expect(r1.AfterRetryAfter).To(Equal(1))
		Expect(r1.Delay.Max).To(Equal(300.0))
		// Only b's 300 ms is tested against U(0, 400): D = F(300 − 1 ns) − 0, the
		// CDF's left limit on the nanosecond lattice of delays, = 0.75 − 1e-6/400.
		Expect(r1.KS).NotTo(BeNil())
		Expect(r1.KS.N).To(Equal(1))
		Expect(r1.KS.D).To(BeNumerically("~", 0.75-1e-6/400, 1e-12))
		Expect(r1.Exact).NotTo(BeEmpty())
		Expect(r1.CDF).To(Equal([]analysis.Point{{X: 300, Y: 1}})) // a's 200 followed a Retry-After
		// Retry 2: a waited 2000 − 1200 = 800, b waited 2100 − 1405 = 695; no CDF given.
		Expect(r2.Count).To(Equal(2))
		Expect(r2.Mean).To(Equal(747.5))
		Expect(r2.KS).To(BeNil())
		Expect(r2.Exact).To(BeEmpty())
	})

	It("measures the spread of each retry's arrival across logical requests", func() {
		s := p.RetrySpread[0]
		// Retry 1 arrived at 1200 and 1400, 200 and 300 ms after their first attempts.
		Expect(s.Count).To(Equal(2))
		Expect(s.SdMs).To(BeNumerically("~", math.Sqrt(2)*100, 1e-9))
		Expect(s.IQRMs).To(Equal(200.0))
		Expect(s.OffsetSdMs).To(BeNumerically("~", math.Sqrt(2)*50, 1e-9))
		Expect(s.OffsetIQRMs).To(Equal(100.0))
	})

	It("infers the phases and the time to recover after the fault phase", func() {
		Expect(res.Phases).To(Equal([]analysis.PhaseSpan{
			{Name: "healthy", Policy: "client", StartMs: 0, EndMs: 0},
			{Name: "outage", Policy: "client", StartMs: 1000, EndMs: 1400, Fault: true},
			{Name: "recovered", Policy: "client", StartMs: 2000, EndMs: 2500},
		}))
		// After the outage's last arrival at 1400 only successes arrive (2000,
		// 2100, 2500): recovered at the first of them, 600 ms after the end.
		// (Windows that merely start after 1400 and reach a success said 1.)
		Expect(p.Recovery).To(HaveLen(1))
		Expect(*p.Recovery[0].TimeToRecoverMs).To(Equal(600.0))
		Expect(*p.TimeToRecoverMs).To(Equal(600.0))
		Expect(res.Notes).To(ContainElement(ContainSubstring("Phases were inferred")))
	})

	It("measures the share of time the breaker was open", func() {
		// The union [1000, 2000) over the makespan [0, 2500].
		Expect(*p.BreakerOpenShare).To(BeNumerically("~", 0.4, 1e-12))
	})

	It("encodes as JSON with the contract's field names", func() {
		b, err := json.Marshal(res)
		Expect(err).NotTo(HaveOccurred())
		var generic map[string]any
		Expect(json.Unmarshal(b, &generic)).To(Succeed())
		Expect(generic).To(HaveKey("scenario"))
		Expect(generic).To(HaveKeyWithValue("seed", 7.0))
		pol := generic["policies"].([]any)[0].(map[string]any)
		for _, k := range []string{"name", "logical_requests", "succeeded", "success_rate", "success_rate_ci",
			"attempts", "amplification", "peak_to_mean", "max_window_arrivals", "completion_ms",
			"makespan_ms", "retry_after_violations"} {
			Expect(pol).To(HaveKey(k))
		}
		Expect(pol["completion_ms"]).To(HaveKey("p99"))
	})
})

var _ = Describe("the accumulator's choices and caveats", func() {
	It("uses the given phases, per policy where one is named", func() {
		res := analyse(analysis.Options{Phases: []analysis.Phase{
			{Name: "outage", Start: time.Second, End: 1500 * time.Millisecond, Fault: true},
			{Name: "other", Policy: "someone-else", Start: 0, End: time.Second, Fault: true},
		}}, smallLog())
		Expect(res.Phases).To(HaveLen(2))
		p := res.Policies[0]
		Expect(p.Recovery).To(HaveLen(1))
		Expect(p.Recovery[0].Phase).To(Equal("outage"))
		// After 1500 only successes arrive, the first at 2000.
		Expect(*p.Recovery[0].TimeToRecoverMs).To(Equal(500.0))
		Expect(res.Notes).NotTo(ContainElement(ContainSubstring("inferred")))
	})

	It("reports no time to recover, and says why, when the rate never comes back", func() {
		recs := smallLog()[:6] // ends in the outage
		res := analyse(analysis.Options{}, recs)
		Expect(res.Policies[0].TimeToRecoverMs).To(BeNil())
		Expect(res.Notes).To(ContainElement(ContainSubstring(`the run ended in fault phase "outage"`)))

		recs = append(smallLog()[:6], record.Record{TMs: 3000, Client: "e", Request: "e/1", Attempt: 1, Phase: "after", Fault: "status", Status: 500})
		res = analyse(analysis.Options{}, recs)
		Expect(res.Policies[0].TimeToRecoverMs).To(BeNil())
		Expect(res.Notes).To(ContainElement(ContainSubstring(`never came back to the threshold after phase "outage"`)))
	})

	It("groups attempts by client and attempt number when there is no request id", func() {
		recs := smallLog()
		for i := range recs {
			recs[i].Request = ""
		}
		res := analyse(analysis.Options{}, recs)
		p := res.Policies[0]
		Expect(p.LogicalRequests).To(Equal(5))
		Expect(p.Succeeded).To(Equal(4))
		Expect(p.RetryAfterViolations).To(HaveValue(Equal(1)))
		Expect(res.Notes).To(ContainElement(ContainSubstring("by attempt number")))
	})

	It("infers retries with neither request id nor attempt number, and says so", func() {
		recs := smallLog()
		for i := range recs {
			recs[i].Request, recs[i].Attempt = "", 0
		}
		res := analyse(analysis.Options{}, recs)
		p := res.Policies[0]
		// Per client, an arrival after a failure is its retry: a's 503 at 1000
		// is followed by retries at 1200 and 2000, b's reset by 1400 and 2100,
		// which is the grouping the ids gave: 5 logical requests, 4 succeeded,
		// 9 / 5 = 1.8 attempts each, a's retry at 1200 early (1 of 2 after a
		// Retry-After).
		Expect(p.LogicalRequests).To(Equal(5))
		Expect(p.Succeeded).To(Equal(4))
		Expect(p.Amplification).To(HaveValue(Equal(1.8)))
		Expect(p.RetryAfterRetries).To(HaveValue(Equal(2)))
		Expect(p.RetryAfterViolations).To(HaveValue(Equal(1)))
		Expect(res.Notes).To(ContainElement(ContainSubstring("9 attempts carried neither X-Chaos-Request nor X-Chaos-Attempt, so they were grouped by inference")))
	})

	It("trusts the client's outcome over the status when the harness knows it", func() {
		recs := smallLog()
		for i := range recs {
			recs[i].Outcome = record.OutcomeOK
			if i == 0 {
				recs[i].Outcome = record.OutcomeTimeout // the client gave up on a 200
			}
		}
		res := analyse(analysis.Options{}, recs)
		Expect(res.Policies[0].Succeeded).To(Equal(4)) // a/1 failed; d/1 now succeeded
	})

	It("leaves out, and notes, delays of retries sent before the server finished", func() {
		recs := []record.Record{
			{TMs: 0, Client: "a", Request: "r", Attempt: 1, Fault: "hang", LatencyMs: 30000, Outcome: record.OutcomeTimeout},
			{TMs: 2100, Client: "a", Request: "r", Attempt: 2, Fault: "none", Status: 200, LatencyMs: 5, Outcome: record.OutcomeOK},
		}
		res := analyse(analysis.Options{}, recs)
		p := res.Policies[0]
		Expect(p.RetrySpread).To(HaveLen(1))
		Expect(p.RetryDelays).To(BeEmpty())
		// Completion ends with the success, not with the abandoned hang.
		Expect(p.CompletionMs.Max).To(Equal(2105.0))
		Expect(res.Notes).To(ContainElement(ContainSubstring("before the server finished")))
	})

	It("chooses the bin width from the run when none is given", func() {
		res := analyse(analysis.Options{}, smallLog())
		// Freedman–Diaconis on these nine arrivals, kept to at least 30 bins across
		// the 2.5 s span: 2500/30 ≈ 83, which rounds to 100 ms, but 25 bins is too
		// few, so the next nice number down: 50 ms.
		Expect(res.BinWidthMs).To(Equal(50.0))
		Expect(res.Policies[0].Series.Arrivals).To(HaveLen(51))
	})

	It("coarsens the timeline for long runs, keeping counts exact", func() {
		recs := smallLog()
		recs = append(recs, record.Record{TMs: 300_000, Client: "z", Request: "z/1", Attempt: 1, Fault: "none", Status: 200})
		res := analyse(analysis.Options{BinWidth: time.Second}, recs)
		Expect(res.ResolutionMs).To(Equal(2.0))
		arr := res.Policies[0].Series.Arrivals
		Expect(arr).To(HaveLen(301))
		Expect(arr[:3]).To(Equal([]int{1, 5, 3}))
		Expect(arr[300]).To(Equal(1))
	})

	It("rejects a Record whose numbers cannot be an attempt, naming the field", func() {
		acc, err := analysis.New(analysis.Options{})
		Expect(err).NotTo(HaveOccurred())
		Expect(acc.Add(record.Record{TMs: -1})).To(MatchError(ContainSubstring("t_ms -1")))
		Expect(acc.Add(record.Record{LatencyMs: math.NaN()})).To(MatchError(ContainSubstring("latency_ms NaN")))
		Expect(acc.Add(record.Record{RetryAfterMs: math.Inf(1)})).To(MatchError(ContainSubstring("retry_after_ms")))
		Expect(acc.Add(record.Record{Attempt: -2})).To(MatchError(ContainSubstring("attempt -2")))
		Expect(acc.Records()).To(Equal(0))
		_, err = acc.Finish()
		Expect(err).To(MatchError(ContainSubstring("no records")))
	})

	It("rejects options it cannot honour", func() {
		for _, o := range []analysis.Options{
			{BinWidth: -time.Second},
			{Window: -1},
			{RecoveryThreshold: 1.5},
			{Phases: []analysis.Phase{{Name: "x", Start: 2 * time.Second, End: time.Second}}},
			{Phases: []analysis.Phase{{Start: 0, End: time.Second}}},
			{BreakerOpen: map[string][]analysis.Interval{"p": {{Start: time.Second, End: 0}}}},
		} {
			_, err := analysis.New(o)
			Expect(err).To(HaveOccurred())
		}
	})
})
