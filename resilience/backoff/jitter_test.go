package backoff_test

import (
	"math/rand/v2"
	"time"

	. "github.com/onsi/ginkgo/v2"
	. "github.com/onsi/gomega"

	"github.com/chaos-harness/chaos/resilience/backoff"
)

const draws = 10000

func mustSchedule(s backoff.Curve, err error) backoff.Curve {
	Expect(err).NotTo(HaveOccurred())
	return s
}

func drawDelays(b backoff.Strategy, attempt int, prev time.Duration, seed uint64, n int) []time.Duration {
	rng := rand.New(rand.NewPCG(seed, 7))
	out := make([]time.Duration, n)
	for i := range out {
		out[i] = b.Delay(attempt, prev, rng)
	}
	return out
}

var _ = Describe("Strategy schedules", func() {
	It("computes constant, linear, exponential and list delays with their caps", func() {
		c := mustSchedule(backoff.Constant(250 * time.Millisecond))
		l := mustSchedule(backoff.Linear(100*time.Millisecond, 50*time.Millisecond, 260*time.Millisecond))
		e := mustSchedule(backoff.Exponential(100*time.Millisecond, 2, time.Second))
		li := mustSchedule(backoff.List(time.Second, 10*time.Second, 100*time.Second))
		for attempt, want := range map[int][4]time.Duration{
			1: {250 * time.Millisecond, 100 * time.Millisecond, 100 * time.Millisecond, time.Second},
			2: {250 * time.Millisecond, 150 * time.Millisecond, 200 * time.Millisecond, 10 * time.Second},
			4: {250 * time.Millisecond, 250 * time.Millisecond, 800 * time.Millisecond, 100 * time.Second},
			5: {250 * time.Millisecond, 260 * time.Millisecond, time.Second, 100 * time.Second},
		} {
			Expect([4]time.Duration{c.Nominal(attempt), l.Nominal(attempt), e.Nominal(attempt), li.Nominal(attempt)}).
				To(Equal(want), "attempt %d", attempt)
		}
	})

	It("saturates at the cap instead of overflowing for huge attempt numbers", func() {
		e := mustSchedule(backoff.Exponential(time.Second, 10, 0))
		Expect(e.Nominal(1000)).To(Equal(time.Duration(1<<63 - 1)))
		capped := mustSchedule(backoff.Exponential(time.Second, 2, time.Minute))
		Expect(capped.Nominal(1 << 30)).To(Equal(time.Minute))
	})

	It("rejects invalid parameters with an error instead of panicking", func() {
		_, err := backoff.Exponential(time.Second, 0.5, time.Minute)
		Expect(err).To(MatchError(ContainSubstring("multiplier")))
		_, err = backoff.Exponential(time.Minute, 2, time.Second)
		Expect(err).To(MatchError(ContainSubstring("below base")))
		_, err = backoff.List()
		Expect(err).To(HaveOccurred())
		_, err = backoff.Constant(-time.Second)
		Expect(err).To(HaveOccurred())
		_, err = backoff.FactorJitter(mustSchedule(backoff.Constant(time.Second)), 1.5)
		Expect(err).To(MatchError(ContainSubstring("(0, 1]")))
		_, err = backoff.Decorrelated(0, time.Second)
		Expect(err).To(HaveOccurred())
	})
})

var _ = Describe("Jitter distributions (10,000 seeded draws, Kolmogorov-Smirnov against the exact CDF)", func() {
	exp := mustSchedule(backoff.Exponential(100*time.Millisecond, 2, 10*time.Second))
	factor, err := backoff.FactorJitter(exp, 0.5)
	Expect(err).NotTo(HaveOccurred())
	decorrelated, err := backoff.Decorrelated(100*time.Millisecond, 10*time.Second)
	Expect(err).NotTo(HaveOccurred())

	DescribeTable("draws match the law",
		func(b backoff.CDFStrategy, attempt int, prev time.Duration) {
			samples := drawDelays(b, attempt, prev, 42, draws)
			d, p := ksTest(samples, b.CDF(attempt, prev))
			Expect(p).To(BeNumerically(">", 0.01), "D=%.5f", d)
		},
		Entry("none: the nominal delay, always", exp, 3, time.Duration(0)),
		Entry("full: U(0, d)", backoff.FullJitter(exp), 4, time.Duration(0)),
		Entry("full at the cap: U(0, cap)", backoff.FullJitter(exp), 12, time.Duration(0)),
		Entry("equal: d/2 + U(0, d/2)", backoff.EqualJitter(exp), 4, time.Duration(0)),
		Entry("factor: d * U(0.5, 1.5)", factor, 3, time.Duration(0)),
		Entry("factor at the cap spreads around it: cap * U(0.5, 1.5)", factor, 12, time.Duration(0)),
		Entry("decorrelated, first retry: U(base, 3*base)", decorrelated, 1, time.Duration(0)),
		Entry("decorrelated given prev=700ms: U(100ms, 2.1s)", decorrelated, 3, 700*time.Millisecond),
		Entry("decorrelated given prev=5s: U(100ms, 15s) with the mass above 10s at the cap", decorrelated, 6, 5*time.Second),
	)

	It("gives no-jitter exactly the nominal delay", func() {
		for _, d := range drawDelays(exp, 3, 0, 1, 100) {
			Expect(d).To(Equal(400 * time.Millisecond))
		}
	})

	It("rejects draws from a different jitter, so the test can fail", func() {
		samples := drawDelays(backoff.FullJitter(exp), 4, 0, 42, draws)
		_, p := ksTest(samples, backoff.EqualJitter(exp).CDF(4, 0))
		Expect(p).To(BeNumerically("<", 1e-6))
		samples = drawDelays(decorrelated, 3, 700*time.Millisecond, 42, draws)
		_, p = ksTest(samples, decorrelated.CDF(3, 600*time.Millisecond))
		Expect(p).To(BeNumerically("<", 1e-6))
	})

	It("keeps decorrelated delays within [base, min(cap, 3*prev)] along a chain", func() {
		rng := rand.New(rand.NewPCG(3, 4))
		prev := time.Duration(0)
		for attempt := 1; attempt <= 200; attempt++ {
			d := decorrelated.Delay(attempt, prev, rng)
			upper := 3 * max(prev, 100*time.Millisecond)
			Expect(d).To(BeNumerically(">=", 100*time.Millisecond))
			Expect(d).To(BeNumerically("<=", min(upper, 10*time.Second)))
			prev = d
		}
	})

	Describe("decorrelated V2 (Polly)", func() {
		v2, err := backoff.DecorrelatedV2(time.Second, time.Hour)
		Expect(err).NotTo(HaveOccurred())

		It("matches the conditional law given the previous formula value", func() {
			for _, attempt := range []int{1, 3} {
				rng := rand.New(rand.NewPCG(42, 7))
				state0 := 0.0
				if attempt > 1 {
					state0 = 3.1 // f(t) for some t in [attempt-2, attempt-1)
				}
				samples := make([]time.Duration, draws)
				for i := range samples {
					state := state0
					samples[i] = v2.DelayState(attempt, 0, &state, rng)
				}
				d, p := ksTest(samples, v2.CDFState(attempt, state0))
				Expect(p).To(BeNumerically(">", 0.01), "attempt %d D=%.5f", attempt, d)
			}
		})

		It("matches the marginal law when drawn without state", func() {
			samples := drawDelays(v2, 3, 0, 42, draws)
			d, p := ksTest(samples, v2.CDF(3, 0))
			Expect(p).To(BeNumerically(">", 0.01), "D=%.5f", d)
		})

		It("spreads retry times around base * 2^k / 1.4 without piling up", func() {
			rng := rand.New(rand.NewPCG(9, 9))
			var total time.Duration
			state := 0.0
			for attempt := 1; attempt <= 5; attempt++ {
				total += v2.DelayState(attempt, 0, &state, rng)
			}
			// After k retries the elapsed backoff is f(k-1+U)/1.4*median: the
			// telescoping sum of Polly's formula.
			Expect(total.Seconds()).To(BeNumerically("~", state/1.4, 1e-6))
			Expect(state).To(BeNumerically(">=", 16*0.999))
			Expect(state).To(BeNumerically("<", 32))
		})
	})
})
