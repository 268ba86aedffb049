package analysis_test

import (
	. "github.com/onsi/ginkgo/v2"
	. "github.com/onsi/gomega"

	"github.com/chaos-harness/chaos/analysis"
	"github.com/chaos-harness/chaos/record"
)

var _ = Describe("the Retry-After margin", func() {
	// Each logical request gets a 429 at t=0, answered in 10 ms with a
	// Retry-After, then retries once:
	//
	//	r1  Retry-After 1000 → allowed at 1010, retry at 1005    margin −5
	//	r2  Retry-After 1000 → allowed at 1010, retry at 860     margin −150
	//	r3  Retry-After 2000 → allowed at 2010, retry at 510     margin −1500
	//	r4  Retry-After 1000 → allowed at 1010, retry at 1009.5  margin −0.5
	//	r5  Retry-After 1000 → allowed at 1010, retry at 1010    margin 0
	//	r6  Retry-After 1000 → allowed at 1010, retry at 1110    margin +100
	//	r7  no Retry-After, retry at 50: no margin
	margins := func() []record.Record {
		var recs []record.Record
		for _, r := range []struct {
			req      string
			ra, next float64
		}{{"r1", 1000, 1005}, {"r2", 1000, 860}, {"r3", 2000, 510}, {"r4", 1000, 1009.5},
			{"r5", 1000, 1010}, {"r6", 1000, 1110}, {"r7", 0, 50}} {
			status := 429
			if r.ra == 0 {
				status = 503
			}
			recs = append(recs,
				record.Record{TMs: 0, Client: r.req, Request: r.req, Attempt: 1, Fault: "status", Status: status, RetryAfterMs: r.ra, LatencyMs: 10},
				record.Record{TMs: r.next, Client: r.req, Request: r.req, Attempt: 2, Fault: "none", Status: 200})
		}
		return recs
	}

	It("measures how early or late each retry after a Retry-After arrived", func() {
		p := analyse(analysis.Options{}, margins()).Policies[0]
		m := p.RetryAfterMarginMs
		Expect(m).NotTo(BeNil())
		Expect(m.Count).To(Equal(6))
		Expect(m.Min).To(Equal(-1500.0))
		// Sorted: −1500, −150, −5, −0.5, 0, 100. Empirical quantiles of 6: p1 is
		// the 1st value, p50 the 3rd (rank ⌈6·0.5⌉ = 3), p99 the 6th.
		Expect(m.P1).To(Equal(-1500.0))
		Expect(m.P50).To(Equal(-5.0))
		Expect(m.P99).To(Equal(100.0))
		// Early by any amount: −5, −150, −1500, −0.5; by more than 100 ms:
		// −150 and −1500; by more than 1 s: −1500.
		Expect(m.Early).To(Equal(4))
		Expect(m.EarlyOver100Ms).To(Equal(2))
		Expect(m.EarlyOver1s).To(Equal(1))
		Expect(m.Sampled).To(BeFalse())
	})

	It("counts early retries the violations' slack forgives", func() {
		p := analyse(analysis.Options{}, margins()).Policies[0]
		// The 1 ms slack forgives r4's −0.5: 3 violations of 6 retries after a
		// Retry-After, yet 4 early.
		Expect(p.RetryAfterRetries).To(HaveValue(Equal(6)))
		Expect(p.RetryAfterViolations).To(HaveValue(Equal(3)))
		Expect(p.RetryAfterMarginMs.Early).To(Equal(4))
	})

	It("does not call a retry on the deadline early for float noise", func() {
		// 127.5 + 0.61 + 1000 is 2.3e-13 above 1128.11 in floats; a retry at
		// 1128.11 is on time.
		recs := []record.Record{
			{TMs: 127.5, Client: "a", Request: "a", Attempt: 1, Fault: "status", Status: 429, RetryAfterMs: 1000, LatencyMs: 0.61},
			{TMs: 1128.11, Client: "a", Request: "a", Attempt: 2, Fault: "none", Status: 200},
		}
		m := analyse(analysis.Options{}, recs).Policies[0].RetryAfterMarginMs
		Expect(m.Min).To(Equal(0.0))
		Expect(m.Early).To(Equal(0))
	})

	It("keeps count, minimum and early counts exact when the quantiles rest on a sample", func() {
		// A sample of 4 of the 6 margins: the early counts and the minimum still
		// see all six.
		res := analyse(analysis.Options{SampleSize: 4}, margins())
		m := res.Policies[0].RetryAfterMarginMs
		Expect(m.Sampled).To(BeTrue())
		Expect([]int{m.Count, m.Early, m.EarlyOver100Ms, m.EarlyOver1s}).To(Equal([]int{6, 4, 2, 1}))
		Expect(m.Min).To(Equal(-1500.0))
		Expect(res.Notes).To(ContainElement(ContainSubstring("the quantiles of retry_after_margin_ms rest on a seeded sample of 4")))
	})

	It("is null, with a note, when no retry followed a Retry-After", func() {
		res := analyse(analysis.Options{}, margins()[12:]) // r7 alone
		Expect(res.Policies[0].RetryAfterMarginMs).To(BeNil())
		Expect(res.Notes).To(ContainElement(ContainSubstring("no retry followed a Retry-After, so retry_after_margin_ms is null")))
	})
})
