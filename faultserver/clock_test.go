package faultserver_test

import (
	"context"
	"net/http"
	"time"

	. "github.com/onsi/ginkgo/v2"
	. "github.com/onsi/gomega"

	"github.com/chaos-harness/chaos/faultserver"
	"github.com/chaos-harness/chaos/resilience"
)

var _ = Describe("Options.Clock", func() {
	It("times phases, delays, t_ms, latencies and Retry-After dates on the server's clock", func() {
		t0 := time.Date(2030, time.March, 1, 12, 0, 0, 0, time.UTC)
		clock := resilience.NewVirtualClock(t0)
		srv := startServer(`
phases:
  - {name: early, duration: 10s}
  - {name: late, fault: {status: 503, retry_after_date: 3s, delay: 2s}}
`, faultserver.Options{Clock: clock})
		clock.Advance(10 * time.Second) // real time does not move the server: only this does

		type answer struct {
			status int
			date   string
		}
		answered := make(chan answer, 1)
		go func() {
			defer GinkgoRecover()
			resp, _, err := call(freshClient(0), "GET", srv.URL()+"/", "a")
			Expect(err).NotTo(HaveOccurred())
			answered <- answer{resp.StatusCode, resp.Header.Get("Retry-After")}
		}()
		// The request holds for its 2 s delay on the virtual clock, a timer
		// there that only advancing the clock fires.
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		Expect(clock.WaitForSleepers(ctx, 1)).To(Succeed())
		Expect(clock.Sleepers()).To(Equal([]time.Duration{2 * time.Second}))
		clock.Advance(2 * time.Second)
		var got answer
		Eventually(answered, 5*time.Second).Should(Receive(&got))

		Expect(got.status).To(Equal(503))
		// Sent at t0+12s, asking for 3 s: the date is t0+15s, a whole second.
		Expect(got.date).To(Equal(t0.Add(15 * time.Second).Format(http.TimeFormat)))
		rec := waitRecords(srv, 1)[0]
		Expect(rec.Phase).To(Equal("late"), "10 s of the server's clock ended the first phase")
		Expect(rec.TMs).To(Equal(10000.0))      // accepted 10 s after the start, exactly
		Expect(rec.LatencyMs).To(Equal(2000.0)) // the delay, exactly: nothing else moved the clock
		Expect(rec.RetryAfterMs).To(Equal(3000.0))
	})
})
