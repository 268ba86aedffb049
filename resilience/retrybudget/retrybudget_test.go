package retrybudget_test

import (
	"time"

	. "github.com/onsi/ginkgo/v2"
	. "github.com/onsi/gomega"

	"github.com/chaos-harness/chaos/resilience/retrybudget"
)

var _ = Describe("Budget", func() {
	t0 := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)

	It("throttles on tokens as gRPC does: no retry at Max/2 tokens or fewer", func() {
		b := retrybudget.New(&retrybudget.Tokens{Max: 4, Refill: 0.5}, nil)
		Expect(b.TryRetry(t0)).To(BeTrue(), "4 tokens > 2")
		b.OnFailure()
		b.OnFailure()
		Expect(b.Tokens()).To(Equal(2.0))
		Expect(b.TryRetry(t0)).To(BeFalse(), "2 tokens <= 4/2")
		b.OnSuccess()
		Expect(b.Tokens()).To(Equal(2.5))
		Expect(b.TryRetry(t0)).To(BeTrue(), "2.5 tokens > 2")
	})

	It("allows retries up to Ratio of the recent calls plus MinPerSecond*Window, as Finagle does", func() {
		// floor = 0.1/s * 10s = 1 retry; ratio 0.5 of 4 calls = 2 more.
		b := retrybudget.New(nil, &retrybudget.Recent{Ratio: 0.5, Window: 10 * time.Second, MinPerSecond: 0.1})
		for range 4 {
			b.OnCall(t0)
		}
		Expect([]bool{b.TryRetry(t0), b.TryRetry(t0), b.TryRetry(t0), b.TryRetry(t0)}).
			To(Equal([]bool{true, true, true, false}), "retries 1, 2, 3 <= 0.5*4 + 1; the 4th is not")
		// 11s later the window holds nothing: only the floor's one retry.
		later := t0.Add(11 * time.Second)
		Expect([]bool{b.TryRetry(later), b.TryRetry(later)}).To(Equal([]bool{true, false}))
		Expect(b.Tokens()).To(Equal(0.0), "no token bucket")
	})
})
