package retrybudget_test

import (
	"time"

	. "github.com/onsi/ginkgo/v2"
	. "github.com/onsi/gomega"

	"github.com/chaos-harness/chaos/resilience/retrybudget"
)

var _ = Describe("Brooker's retry token bucket and retry breaker, on hand-made sequences", func() {
	t0 := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)

	It("deposits on every first try up to size and retries only while more than cost is left", func() {
		b := retrybudget.Build(retrybudget.Parts{Bucket: &retrybudget.Bucket{Size: 3, Deposit: 0.5, Cost: 1}})
		Expect(b.BucketLevel()).To(Equal(3.0), "starts full")
		b.OnCall(t0) // min(3, 3+0.5) = 3: capped at size
		Expect(b.BucketLevel()).To(Equal(3.0))
		// 3 > 1: take 1 -> 2; 2 > 1: take 1 -> 1; 1 > 1 is false: refused.
		Expect([]bool{b.TryRetry(t0), b.TryRetry(t0), b.TryRetry(t0)}).To(Equal([]bool{true, true, false}))
		Expect(b.BucketLevel()).To(Equal(1.0), "a refused retry takes nothing")
		b.OnCall(t0) // 1 + 0.5 = 1.5 > 1: one more retry, leaving 0.5
		Expect(b.TryRetry(t0)).To(BeTrue())
		Expect(b.BucketLevel()).To(Equal(0.5))
		b.OnSuccess() // a success deposits nothing: only first tries do
		b.OnFailure()
		Expect(b.BucketLevel()).To(Equal(0.5))
	})

	It("refuses retries while failed attempts over first tries since start exceed the threshold", func() {
		b := retrybudget.Build(retrybudget.Parts{FailureRatio: &retrybudget.FailureRatio{Threshold: 0.5}})
		Expect(b.TryRetry(t0)).To(BeTrue(), "0 failures <= 0.5 * 0 first tries")
		for range 4 {
			b.OnCall(t0)
		}
		b.OnFailure()
		b.OnFailure()
		Expect(b.TryRetry(t0)).To(BeTrue(), "2/4 = 0.5 is not above 0.5")
		b.OnFailure()
		Expect(b.TryRetry(t0)).To(BeFalse(), "3/4 = 0.75 > 0.5")
		b.OnCall(t0)
		b.OnCall(t0)
		Expect(b.TryRetry(t0)).To(BeTrue(), "3/6 = 0.5 again")
		f, n := b.FailureRatio() // counted since the start: no window
		Expect([]float64{f, n}).To(Equal([]float64{3, 6}))
	})

	It("makes a retry only when every part allows it, and then charges every part", func() {
		b := retrybudget.Build(retrybudget.Parts{
			Bucket:       &retrybudget.Bucket{Size: 10, Deposit: 1, Cost: 1},
			FailureRatio: &retrybudget.FailureRatio{Threshold: 0.5},
		})
		b.OnCall(t0)
		b.OnFailure()
		Expect(b.TryRetry(t0)).To(BeFalse(), "1/1 > 0.5: the ratio refuses")
		Expect(b.BucketLevel()).To(Equal(10.0), "so the bucket keeps its tokens")
		b.OnCall(t0)
		Expect(b.TryRetry(t0)).To(BeTrue(), "1/2 = 0.5")
		Expect(b.BucketLevel()).To(Equal(9.0))
	})
})

var _ = Describe("the AWS SDKs' standard retry quota", func() {
	t0 := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	aws := func() *retrybudget.Budget {
		return retrybudget.Build(retrybudget.Parts{Quota: &retrybudget.Quota{
			Size: retrybudget.AWSQuotaSize, RetryCost: retrybudget.AWSQuotaRetryCost,
			TimeoutCost: retrybudget.AWSQuotaTimeoutCost, NoRetryIncrement: retrybudget.AWSQuotaNoRetryIncrement,
			ThrottleCost: retrybudget.AWSQuotaRetryCost}})
	}

	It("allows 500/5 = 100 retries, or 500/10 = 50 after timeouts, when nothing succeeds", func() {
		for _, c := range []struct {
			cause retrybudget.Cause
			want  int
		}{{retrybudget.CauseFailure, 100}, {retrybudget.CauseTimeout, 50}, {retrybudget.CauseThrottle, 100}} {
			b := aws()
			n := 0
			for ; n < 1000; n++ {
				if _, ok := b.Retry(t0, c.cause); !ok {
					break
				}
			}
			Expect(n).To(Equal(c.want))
			Expect(b.Quota()).To(Equal(0.0))
		}
	})

	It("refunds a successful retry's cost and adds 1 for a success without retry, up to the size", func() {
		b := aws()
		b.OnSuccess()
		Expect(b.Quota()).To(Equal(500.0), "full: min(500, 501)")
		g, ok := b.Retry(t0, retrybudget.CauseTimeout)
		Expect(ok).To(BeTrue())
		Expect(b.Quota()).To(Equal(490.0), "a timeout retry costs 10")
		_, _ = b.Retry(t0, retrybudget.CauseFailure)
		Expect(b.Quota()).To(Equal(485.0), "an other retry 5")
		b.Succeeded(g) // the timeout retry succeeded: its 10 come back
		Expect(b.Quota()).To(Equal(495.0))
		b.OnSuccess() // a first try succeeded: +1
		Expect(b.Quota()).To(Equal(496.0))
	})

	It("refuses a retry that costs more than is left", func() {
		b := retrybudget.Build(retrybudget.Parts{Quota: &retrybudget.Quota{Size: 12, RetryCost: 5, TimeoutCost: 10, NoRetryIncrement: 1, ThrottleCost: 1}})
		_, ok := b.Retry(t0, retrybudget.CauseFailure) // 12 -> 7
		Expect(ok).To(BeTrue())
		_, ok = b.Retry(t0, retrybudget.CauseTimeout) // 10 > 7
		Expect(ok).To(BeFalse())
		_, ok = b.Retry(t0, retrybudget.CauseFailure) // 5 <= 7 -> 2
		Expect(ok).To(BeTrue())
		_, ok = b.Retry(t0, retrybudget.CauseThrottle) // 1 <= 2 -> 1
		Expect(ok).To(BeTrue())
		Expect(b.Quota()).To(Equal(1.0))
	})
})
