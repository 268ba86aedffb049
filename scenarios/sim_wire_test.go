package scenarios_test

import (
	. "github.com/onsi/ginkgo/v2"
	. "github.com/onsi/gomega"

	"github.com/chaos-harness/chaos/record"
	"github.com/chaos-harness/chaos/scenarios"
)

var _ = Describe("the sim engine tells what reached the client, as the server does", func() {
	slow := func(client string) *scenarios.Scenario {
		return parse(`
server: {phases: [{fault: {slow: 1KB/s, body_size: 10000}}]}
clients: {count: 1, ` + client + `}
policies: [{name: once, retry: {max_retries: 0}}]
`)
	}

	It("leaves a slow body the client abandons at its timeout incomplete, with the bytes due by then", func() {
		// 10,000 bytes at 1,000 B/s go out in chunks of 10 bytes every 10 ms
		// (faultserver's schedule). The client gives up at 200 ms: the chunks
		// due at 0, 10, ..., 200 ms are written, 21 × 10 = 210 bytes.
		out := simulate(slow("timeout: 200ms"), scenarios.Options{})
		Expect(out.Records).To(HaveLen(1))
		r := out.Records[0]
		Expect(r.Status).To(Equal(200), "the status line was sent")
		Expect(r.Outcome).To(Equal(record.OutcomeTimeout))
		Expect(r.Incomplete).To(BeTrue())
		Expect(r.BodyBytes).To(Equal(int64(210)))
		Expect(r.LatencyMs).To(Equal(200.0))
		Expect(out.Result.Policies[0].Succeeded).To(BeZero())
	})

	It("agrees live: a real client that abandons a slow body at its timeout gets Outcome timeout", func() {
		// The same 10 s body against a 200 ms timeout, on loopback: the
		// outcome cannot flip however loaded the machine.
		out := simulate(slow("timeout: 200ms, time_scale: 1"), scenarios.Options{Engine: scenarios.EngineLive})
		Expect(out.Records).To(HaveLen(1))
		r := out.Records[0]
		Expect(r.Status).To(Equal(200))
		Expect(r.Outcome).To(Equal(record.OutcomeTimeout))
		Expect(r.Incomplete).To(BeTrue())
		Expect(r.BodyBytes).To(BeNumerically(">=", 10), "the first chunk goes at once")
		Expect(r.BodyBytes).To(BeNumerically("<", 10000))
		Expect(out.Result.Policies[0].Succeeded).To(BeZero())
	})

	It("ends a slow body read whole when its last chunk is due", func() {
		// The last chunk starts at byte 9990, due 9.99 s after the first.
		out := simulate(slow("timeout: 20s"), scenarios.Options{})
		r := out.Records[0]
		Expect(r.Outcome).To(Equal(record.OutcomeOK))
		Expect(r.Incomplete).To(BeFalse())
		Expect(r.BodyBytes).To(Equal(int64(10000)))
		Expect(r.LatencyMs).To(Equal(9990.0))
		Expect(out.Result.Policies[0].Succeeded).To(Equal(1))
	})

	It("counts a truncated body's bytes and calls it incomplete", func() {
		out := simulate(parse(`
server: {phases: [{fault: {truncate: 100, body_size: 1000}}]}
clients: {count: 1}
policies: [{name: once, retry: {max_retries: 0}}]
`), scenarios.Options{})
		r := out.Records[0]
		Expect(r.BodyBytes).To(Equal(int64(100)))
		Expect(r.Incomplete).To(BeTrue())
	})

	It("logs an HTTP-date Retry-After as the wait until the date it sent", func() {
		// The request reaches the server at 250 ms (the sim's clock starts on
		// a whole second). 250 + 1500 = 1750 ms, which the date rounds up to
		// 2000: the Record holds 1750 ms. The client reads the date at 500 ms
		// and waits 1500 ms; its retry arrives at 2000 + 250 = 2250 ms,
		// after the date (250 + 1750 = 2000): no violation.
		out := simulate(parse(`
server:
  phases:
    - {requests: 1, fault: {status: 503, retry_after_date: 1500ms}}
    - {}
clients: {count: 1, network: 250ms}
policies: [{name: honor, retry: {max_retries: 1, base: 10ms}}]
`), scenarios.Options{})
		Expect(out.Records).To(HaveLen(2))
		Expect(out.Records[0].TMs).To(Equal(250.0))
		Expect(out.Records[0].RetryAfterMs).To(Equal(1750.0))
		Expect(out.Records[0].BodyBytes).To(BeNumerically(">", 0))
		Expect(out.Records[1].TMs).To(Equal(2250.0))
		Expect(out.Result.Policies[0].RetryAfterViolations).To(HaveValue(BeZero()))
	})
})
