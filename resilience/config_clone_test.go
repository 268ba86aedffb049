package resilience_test

import (
	. "github.com/onsi/ginkgo/v2"
	. "github.com/onsi/gomega"

	"github.com/chaos-harness/chaos/resilience"
)

var _ = Describe("Config.Clone", func() {
	It("copies every section deeply, so a change to the copy leaves the original alone", func() {
		retries := 4
		minPerSecond := 3.0
		orig := resilience.Config{
			Name:     "base",
			Retry:    &resilience.RetryConfig{MaxRetries: retries, Jitter: resilience.JitterFull, On: []string{"429", "5xx"}},
			Breaker:  &resilience.BreakerConfig{Failures: 5, TripOn: []string{"5xx"}},
			Fallback: &resilience.FallbackConfig{Static: &resilience.StaticResponse{Status: 200, Headers: map[string]string{"A": "1"}}},
			Budget:   &resilience.BudgetConfig{Recent: &resilience.RecentBudgetConfig{MinPerSecond: &minPerSecond}},
			Order:    []string{"fallback", "retry", "breaker"},
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

		Expect(orig.Retry.Jitter).To(Equal(resilience.JitterFull))
		Expect(orig.Retry.MaxRetries).To(Equal(4))
		Expect(orig.Retry.On).To(Equal([]string{"429", "5xx"}))
		Expect(orig.Breaker.TripOn).To(Equal([]string{"5xx"}))
		Expect(orig.Fallback.Static.Headers).To(HaveKeyWithValue("A", "1"))
		Expect(*orig.Budget.Recent.MinPerSecond).To(Equal(3.0))
		Expect(orig.Order[0]).To(Equal("fallback"))
	})

	It("keeps absent sections absent", func() {
		c := resilience.Config{Name: "bare"}.Clone()
		Expect(c.Retry).To(BeNil())
		Expect(c.Breaker).To(BeNil())
	})
})
