package analysis_test

import (
	"math"

	. "github.com/onsi/ginkgo/v2"
	. "github.com/onsi/gomega"

	"github.com/chaos-harness/chaos/analysis"
	"github.com/chaos-harness/chaos/record"
)

// timedLog is a harness log with the clients' side (sent_ms, received_ms),
// small enough to work out by hand. Each hop takes about 10 ms; the policy
// sleeps 100 ms before each retry, except after a Retry-After:
//
//	a/1  sent 0     t=10    503, 5 ms (end 15)    received 25
//	     sent 125   t=135   ok,  5 ms (end 140)   received 150   slept 100, server gap 135 − 15 = 120
//	b/1  sent 5     t=17    503, 3 ms (end 20)    received 30
//	     sent 130   t=141   ok,  4 ms (end 145)   received 158   slept 100, server gap 141 − 20 = 121
//	c/1  sent 0     t=10    429 Retry-After 1000  received 20
//	     sent 1020  t=1030  ok                    received 1040  slept 1000 (after a Retry-After), gap 1020
func timedLog() []record.Record {
	rec := func(sent, t, lat, got float64, req string, attempt, status int, ra float64) record.Record {
		fault, outcome := "status", record.OutcomeStatus
		if status == 200 {
			fault, outcome = "none", record.OutcomeOK
		}
		return record.Record{TMs: t, Client: req[:1], Request: req, Attempt: attempt, Method: "GET", Path: "/",
			Fault: fault, Status: status, RetryAfterMs: ra, LatencyMs: lat, Policy: "none", Outcome: outcome,
			SentMs: new(sent), ReceivedMs: new(got)}
	}
	return []record.Record{
		rec(0, 10, 5, 25, "a/1", 1, 503, 0),
		rec(0, 10, 0, 20, "c/1", 1, 429, 1000),
		rec(5, 17, 3, 30, "b/1", 1, 503, 0),
		rec(125, 135, 5, 150, "a/1", 2, 200, 0),
		rec(130, 141, 4, 158, "b/1", 2, 200, 0),
		rec(1020, 1030, 0, 1040, "c/1", 2, 200, 0),
	}
}

// sleeps100 is the law of a schedule without jitter that always sleeps
// 100 ms: a point mass.
func sleeps100(int) func(float64) float64 {
	return func(ms float64) float64 {
		if ms < 100 {
			return 0
		}
		return 1
	}
}

var _ = Describe("the clients' own times (sent_ms, received_ms)", func() {
	opts := analysis.Options{ExpectedDelay: map[string]analysis.DelayCDF{"none": sleeps100}}

	It("measures client_makespan_ms from the first send to the last receipt, beside makespan_ms", func() {
		p := analyse(opts, timedLog()).Policies[0]
		// First send 0, last receipt 1040.
		Expect(p.ClientMakespanMs).To(Equal(new(1040.0)))
		// At the server: first arrival 10, last end 1030: 1020, the first hop and the last hop back shorter.
		Expect(p.MakespanMs).To(Equal(1020.0))
	})

	It("tests the sleep the client took, so a schedule without jitter reads D = 0", func() {
		rd := analyse(opts, timedLog()).Policies[0].RetryDelays
		Expect(rd).To(HaveLen(1))
		r := rd[0]
		Expect(r.Measured).To(Equal(analysis.MeasuredClientSleep))
		// delay_ms keeps the server-seen delays: 120, 121 and 1020 (mean 1261/3).
		Expect(r.Count).To(Equal(3))
		Expect(r.Mean).To(BeNumerically("~", 1261.0/3, 1e-12))
		Expect(r.Delay.Max).To(Equal(1020.0))
		// sleep_ms: 100, 100 and 1000 (after the Retry-After).
		Expect(r.Sleep).NotTo(BeNil())
		Expect(r.Sleep.P50).To(Equal(100.0))
		Expect(r.Sleep.Max).To(Equal(1000.0))
		// The KS test leaves out the sleep after the Retry-After: two sleeps of
		// exactly 100 ms against a point mass at 100 ms, D = 0, p = 1.
		Expect(r.AfterRetryAfter).To(Equal(1))
		Expect(r.KS).To(Equal(&analysis.KS{D: 0, P: 1, N: 2}))
		Expect(r.CDF).To(Equal([]analysis.Point{{X: 100, Y: 0.5}, {X: 100, Y: 1}}))
	})

	It("falls back to the server-seen delay, and says so, when the Records lack client times", func() {
		recs := timedLog()
		for i := range recs {
			recs[i].SentMs, recs[i].ReceivedMs = nil, nil
		}
		res := analyse(opts, recs)
		p := res.Policies[0]
		Expect(p.ClientMakespanMs).To(BeNil())
		Expect(res.Notes).To(ContainElement(ContainSubstring("none: the Records carry no client times (sent_ms, received_ms)")))
		r := p.RetryDelays[0]
		Expect(r.Measured).To(Equal(analysis.MeasuredServerGap))
		Expect(r.Sleep).To(BeNil())
		// 120 and 121 ms both lie past the point mass at 100: F jumps from 0 to
		// 1 before the first of them, D = F(120−) − 0 = 1.
		Expect(r.KS.D).To(Equal(1.0))
		Expect(r.KS.N).To(Equal(2))
		Expect(res.Notes).To(ContainElement(ContainSubstring("none: the KS tests are on the delays the server saw")))
	})

	It("leaves client_makespan_ms null when some Records lack client times", func() {
		recs := timedLog()
		recs[5].ReceivedMs = nil
		res := analyse(opts, recs)
		Expect(res.Policies[0].ClientMakespanMs).To(BeNil())
		Expect(res.Notes).To(ContainElement("none: only 5 of 6 Records carry client times (sent_ms, received_ms), so client_makespan_ms is null"))
		// c's retry keeps its sleep: its send and its previous attempt's
		// receipt are known; only the makespan needed its own receipt.
		Expect(res.Policies[0].RetryDelays[0].Measured).To(Equal(analysis.MeasuredClientSleep))
	})

	It("tests the server-seen delays of a retry number when one of its sleeps is unknown", func() {
		recs := timedLog()
		recs[3].SentMs = nil // a's retry: its sleep is unknown
		r := analyse(opts, recs).Policies[0].RetryDelays[0]
		Expect(r.Measured).To(Equal(analysis.MeasuredServerGap))
		Expect(r.Sleep).To(BeNil())
	})

	It("refuses client times that cannot be, naming the field", func() {
		acc, err := analysis.New(analysis.Options{})
		Expect(err).NotTo(HaveOccurred())
		bad := timedLog()[0]
		bad.SentMs = new(math.NaN())
		Expect(acc.Add(bad)).To(MatchError(ContainSubstring("sent_ms NaN")))
		bad = timedLog()[0]
		bad.ReceivedMs = new(-1.0)
		Expect(acc.Add(bad)).To(MatchError(ContainSubstring("received_ms -1")))
		bad = timedLog()[0]
		bad.SentMs, bad.ReceivedMs = new(30.0), new(25.0)
		Expect(acc.Add(bad)).To(MatchError("received_ms 25 is before sent_ms 30"))
	})
})
