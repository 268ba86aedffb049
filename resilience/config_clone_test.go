package resilience_test

import (
	. "github.com/onsi/ginkgo/v2"
	. "github.com/onsi/gomega"

	"github.com/chaos-harness/chaos/resilience"
)

var _ = Describe("Config.Clone", func() {
	It("copies every section deeply, so a change to the copy leaves the original alone", func() {
		retries := 4
		minPerSecond, inc := 3.0, 1.0
		orig := resilience.Config{
			Name:     "base",
			Retry:    &resilience.RetryConfig{MaxRetries: retries, Jitter: resilience.JitterFull, On: []string{"429", "5xx"}},
			Breaker:  &resilience.BreakerConfig{Failures: 5, TripOn: []string{"5xx"}},
			Fallback: &resilience.FallbackConfig{Static: &resilience.StaticResponse{Status: 200, Headers: map[string]string{"A": "1"}}},
			Budget: &resilience.BudgetConfig{Recent: &resilience.RecentBudgetConfig{MinPerSecond: &minPerSecond},
				Quota: &resilience.AWSQuotaConfig{NoRetryIncrement: &inc}, TokenBucket: &resilience.TokenBucketConfig{Size: 3},
				FailureRatio: &resilience.FailureRatioConfig{Threshold: 0.2}},
			RateLimit: &resilience.RateLimitConfig{Mode: resilience.RateLimitAdaptive, ThrottleOn: []string{"429"}},
			Order:     []string{"fallback", "retry", "breaker"},
			Hedge:     &resilience.HedgeConfig{Delay: 1, Max: 2},
		}
		c := orig.Clone()
		Expect(c).To(Equal(orig))

		c.Retry.Jitter = resilience.JitterEqual
		c.Retry.MaxRetries = 7
		c.Retry.On[0] = "408"
		c.Breaker.TripOn[0] = "reset"
		c.Fallback.Static.Headers["A"] = "2"
		*c.Budget.Recent.MinPerSecond = 9
		c.Order[0] = "retry"
		*c.Budget.Quota.NoRetryIncrement = 0
		c.Budget.TokenBucket.Size = 9
		c.Budget.FailureRatio.Threshold = 0.9
		c.RateLimit.ThrottleOn[0] = "503"
		c.Hedge.Max = 5

		Expect(orig.Retry.Jitter).To(Equal(resilience.JitterFull))
		Expect(orig.Retry.MaxRetries).To(Equal(4))
		Expect(orig.Retry.On).To(Equal([]string{"429", "5xx"}))
		Expect(orig.Breaker.TripOn).To(Equal([]string{"5xx"}))
		Expect(orig.Fallback.Static.Headers).To(HaveKeyWithValue("A", "1"))
		Expect(*orig.Budget.Recent.MinPerSecond).To(Equal(3.0))
		Expect(orig.Order[0]).To(Equal("fallback"))
		Expect(*orig.Budget.Quota.NoRetryIncrement).To(Equal(1.0))
		Expect(orig.Budget.TokenBucket.Size).To(Equal(3.0))
		Expect(orig.Budget.FailureRatio.Threshold).To(Equal(0.2))
		Expect(orig.RateLimit.ThrottleOn).To(Equal([]string{"429"}))
		Expect(orig.Hedge.Max).To(Equal(2))
	})

	It("keeps absent sections absent", func() {
		c := resilience.Config{Name: "bare"}.Clone()
		Expect(c.Retry).To(BeNil())
		Expect(c.Breaker).To(BeNil())
	})
})
