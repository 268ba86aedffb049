package chaostest_test

import (
	. "github.com/onsi/ginkgo/v2"
	. "github.com/onsi/gomega"

	"github.com/chaos-harness/chaos/chaostest"
	"github.com/chaos-harness/chaos/record"
)

// herdLog is three logical requests written by hand: each first attempt is a
// 503 at t = 0, 10 or 20 ms, each retry succeeds at t = 1000, 1200 or
// 1400 ms. Retry 1 arrives with mean 1200 ms and sample sd
// √((200² + 0² + 200²) / 2) = 200 ms; no request retried twice.
func herdLog() []record.Record {
	rec := func(t float64, client string, attempt, status int) record.Record {
		fault := record.FaultNone
		if status != 200 {
			fault = record.FaultStatus
		}
		return record.Record{TMs: t, Client: client, Request: client + "/1", Attempt: attempt,
			Method: "GET", Path: "/", Phase: "p", Fault: fault, Status: status, LatencyMs: 1}
	}
	return []record.Record{
		rec(0, "a", 1, 503), rec(10, "b", 1, 503), rec(20, "c", 1, 503),
		rec(1000, "a", 2, 200), rec(1200, "b", 2, 200), rec(1400, "c", 2, 200),
	}
}

var _ = Describe("HaveMetric", func() {
	It("applies the matcher to the number at a metric path, a retry addressed by its number", func() {
		Expect(herdLog()).To(chaostest.HaveMetric("retry_spread.1.sd_ms", BeNumerically("~", 200, 1e-9)))
		Expect(herdLog()).To(chaostest.HaveMetric("faults.status", BeNumerically("==", 3)))
		Expect(herdLog()).To(chaostest.HaveMetric("faults.reset", BeZero())) // no reset: a count of 0
		Expect(herdLog()).To(chaostest.HaveMetric("success_rate", BeNumerically("==", 1)))
		Expect(herdLog()).NotTo(chaostest.HaveMetric("attempts", BeNumerically("<", 6)))
	})

	It("names the path and the measured value when the matcher fails", func() {
		m := chaostest.HaveMetric("retry_spread.1.sd_ms", BeNumerically(">", 500))
		Expect(m.Match(herdLog())).To(BeFalse())
		msg := m.FailureMessage(herdLog())
		Expect(msg).To(ContainSubstring("Expected 6 records from 3 clients to have retry_spread.1.sd_ms that satisfies the matcher,\nbut measured retry_spread.1.sd_ms = 200."))
		Expect(msg).To(ContainSubstring("to be >"))
	})

	DescribeTable("is inconclusive, an error whichever way it is asked, on a figure the records cannot tell",
		func(path, reason string) {
			m := chaostest.HaveMetric(path, BeNumerically(">=", 0))
			ok, err := m.Match(herdLog())
			Expect(ok).To(BeFalse())
			Expect(err).To(MatchError(ContainSubstring(path + " is inconclusive: " + reason)))
		},
		Entry("a retry no request reached", "retry_spread.2.sd_ms", "retry_spread has no element with retry 2 in this run"),
		Entry("a null figure: no runner reported breaker intervals", "breaker_open_share", "breaker_open_share is null in this result"),
	)

	It("refuses a path that names no metric, with the near one", func() {
		_, err := chaostest.HaveMetric("retry_spread.1.sd", BeNumerically(">", 0)).Match(herdLog())
		Expect(err).To(MatchError(ContainSubstring(`retry_spread.1 has no field "sd"`)))
		_, err = chaostest.HaveMetric("completion_ms.p98", BeNumerically(">", 0)).Match(herdLog())
		Expect(err).To(MatchError(ContainSubstring(`(did you mean "completion_ms.p90"?)`)))
	})
})
