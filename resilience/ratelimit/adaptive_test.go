package ratelimit_test

import (
	"math"
	"time"

	. "github.com/onsi/ginkgo/v2"
	. "github.com/onsi/gomega"

	"github.com/chaos-harness/chaos/resilience/ratelimit"
)

var _ = Describe("Adaptive, the AWS SDKs' adaptive client rate limiter", func() {
	t0 := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	at := func(s float64) time.Time { return t0.Add(time.Duration(s * float64(time.Second))) }

	It("lets everything through before the first throttle", func() {
		a := ratelimit.NewAdaptive()
		for i := range 100 {
			wait, ok := a.Reserve(at(float64(i)*0.001), 0)
			Expect([]any{wait, ok}).To(Equal([]any{time.Duration(0), true}))
			a.Update(at(float64(i)*0.001), false)
		}
		_, enabled := a.Rate()
		Expect(enabled).To(BeFalse())
	})

	It("drops to beta times the measured rate on a throttle, then follows CUBIC capped at twice the measured rate", func() {
		a := ratelimit.NewAdaptive()
		for range 4 {
			a.Update(at(0), false) // 4 responses in the half-second [0, 0.5)
		}
		// 0.5s: a new half-second; 5 counted over 0.5s = 10/s, measured
		// 0.8*10 + 0.2*0 = 8. No throttle yet: rate 0.4*(0.5-0)^3 + 0 =
		// 0.05, fill max(0.05, 0.5) = 0.5, bucket size max(0.05, 1) = 1.
		a.Update(at(0.5), false)
		Expect(a.Measured()).To(BeNumerically("~", 8, 1e-12))
		// 1.0s: throttled. 1 response over 0.5s = 2/s, measured 0.8*2 +
		// 0.2*8 = 3.2 = Wmax; the rate is 0.7*3.2 = 2.24 (< 2*3.2).
		a.Update(at(1), true)
		Expect(a.Measured()).To(BeNumerically("~", 3.2, 1e-12))
		rate, enabled := a.Rate()
		Expect(enabled).To(BeTrue())
		Expect(rate).To(BeNumerically("~", 2.24, 1e-12))
		// The bucket filled at the floor rate 0.5/s from the first response
		// at 0s to 1s: 0.5 tokens (its size was 1), so the next attempt
		// waits (1 - 0.5)/2.24 s.
		wait, ok := a.Reserve(at(1), -1)
		Expect(ok).To(BeTrue())
		Expect(wait).To(BeNumerically("~", 0.5/2.24*float64(time.Second), 1))
		// 2.0s: not throttled. 1 response over 1s, measured 0.8*1 +
		// 0.2*3.2 = 1.44. K = cbrt(3.2*0.3/0.4) = cbrt(2.4); CUBIC gives
		// 0.4*(1 - K)^3 + 3.2 = 3.1844..., above 2*1.44 = 2.88: the cap.
		a.Update(at(2), false)
		k := math.Cbrt(2.4)
		Expect(0.4*math.Pow(1-k, 3) + 3.2).To(BeNumerically(">", 2.88))
		rate, _ = a.Rate()
		Expect(rate).To(BeNumerically("~", 2.88, 1e-12))
	})

	It("refuses a reservation that would wait longer than maxWait, taking nothing", func() {
		a := ratelimit.NewAdaptive()
		a.Update(at(0), true) // measured 0: the rate is the floor, 0.5/s
		rate, _ := a.Rate()
		Expect(rate).To(Equal(ratelimit.AdaptiveMinFillRate))
		_, ok := a.Reserve(at(0), time.Second)
		Expect(ok).To(BeFalse(), "0 tokens: a token is 2s away at 0.5/s")
		wait, ok := a.Reserve(at(0), -1)
		Expect(ok).To(BeTrue())
		Expect(wait).To(Equal(2 * time.Second))
	})
})
