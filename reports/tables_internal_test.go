package reports

import (
	. "github.com/onsi/ginkgo/v2"
	g "github.com/onsi/gomega"

	"github.com/chaos-harness/chaos/analysis"
)

var _ = Describe("the tables of the new verdict figures", func() {
	// timed has the client's times: a sleep per retry, a client makespan
	// and a Retry-After margin; blind has none of them.
	clientMs := 20031.5                          // makespan 20000 ms plus a 16.5 ms first hop and a 15 ms last hop
	herd, rate, capacity := 45, 2812.5, 0.703125 // 45 retries in 16 ms: 45 / 0.016 s; 45 / 64 admitted
	timed := analysis.PolicyResult{Name: "timed", MakespanMs: 20000, ClientMakespanMs: &clientMs,
		RetryMaxWindow: &herd, RetryPeakRate: &rate, PeakToCapacity: &capacity,
		// Margins −1500, −150, −2, +10, +40 ms: all five early counts by hand.
		RetryAfterMarginMs: &analysis.RetryAfterMargin{Count: 5, Min: -1500, P1: -1500, P50: -2, P99: 40, Early: 3, EarlyOver100Ms: 2, EarlyOver1s: 1},
		RetryDelays: []analysis.RetryDelay{{Retry: 1, Count: 3, Measured: analysis.MeasuredClientSleep,
			Sleep: &analysis.Quantiles{P50: 100, P90: 100, P99: 100, Max: 100}, KS: &analysis.KS{D: 0.0, P: 1, N: 3}}}}
	blind := analysis.PolicyResult{Name: "blind", MakespanMs: 20000,
		RetryDelays: []analysis.RetryDelay{{Retry: 1, Count: 3, Measured: analysis.MeasuredServerGap}}}
	res := analysis.Result{WindowMs: 1000, RetryWindowMs: 16, Policies: []analysis.PolicyResult{timed, blind}}

	It("shows the client makespan beside the makespan, – where unknown", func() {
		rows := completionTable(res).Rows
		g.Expect(rows[0][5:]).To(g.Equal([]string{"20000", "20032"})) // num shows 20031.5 to the unit, half to even
		g.Expect(rows[1][5:]).To(g.Equal([]string{"20000", "–"}))
	})

	It("shows the herd figures, – where retries cannot be told", func() {
		t := loadTable(res)
		g.Expect(t.Header[4:]).To(g.Equal([]string{"retries in 16 ms", "retry peak (/s)", "peak to capacity"}))
		g.Expect(t.Rows[0][4:]).To(g.Equal([]string{"45", "2812", "0.70"}))
		g.Expect(t.Rows[1][4:]).To(g.Equal([]string{"–", "–", "–"}))
	})

	It("has a Retry-After margin row only for a strategy with one, and no table without any", func() {
		rows := marginTable(res).Rows
		g.Expect(rows).To(g.Equal([][]string{{"timed", "5", "-1500", "-1500", "-2", "40", "3", "2", "1"}}))
		without := res
		without.Policies = []analysis.PolicyResult{blind}
		g.Expect(marginTable(without).Rows).To(g.BeEmpty())
		g.Expect(summaryTables(without)).NotTo(g.ContainElement(g.HaveField("ID", "retry-after-margin")))
		g.Expect(summaryTables(res)).To(g.ContainElement(g.HaveField("ID", "retry-after-margin")))
	})

	It("says what each retry's KS test is on, with the sleep quantiles where known", func() {
		rows := sleepTable(res).Rows
		g.Expect(rows).To(g.Equal([][]string{
			{"timed", "client sleep", "1", "100", "100", "100", "100", "0.000", "1.0000", "3"},
			{"blind", "server gap", "1", "–", "–", "–", "–", "–", "–", "–"},
		}))
	})
})
