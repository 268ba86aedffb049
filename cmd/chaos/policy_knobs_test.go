package main

import (
	"time"

	. "github.com/onsi/ginkgo/v2"
	. "github.com/onsi/gomega"

	"github.com/chaos-harness/chaos/resilience"
)

var _ = Describe("policy knobs", func() {
	It("sets knobs by full or short key for sweeps, creating sections", func() {
		var cfg resilience.Config
		Expect(setKnob(&cfg, "retry.max_retries", "5")).To(Succeed())
		Expect(cfg.Retry.MaxRetries).To(Equal(5))
		Expect(setKnob(&cfg, "base", "250ms")).To(Succeed())
		Expect(cfg.Retry.Base).To(Equal(250 * time.Millisecond))
		Expect(setKnob(&cfg, "jitter", "decorrelated")).To(Succeed())
		Expect(setKnob(&cfg, "on", "429|5xx|reset")).To(Succeed())
		Expect(cfg.Retry.On).To(Equal([]string{"429", "5xx", "reset"}))
		Expect(setKnob(&cfg, "breaker.failures", "3")).To(Succeed())
		Expect(cfg.Breaker.Failures).To(Equal(3))
		Expect(setKnob(&cfg, "min_per_second", "0")).To(Succeed())
		Expect(*cfg.Budget.Recent.MinPerSecond).To(Equal(0.0))
		Expect(cfg.Problems()).To(BeEmpty())
	})

	It("counts max_retries as files do: 0 is no retry", func() {
		var cfg resilience.Config
		Expect(setKnob(&cfg, "max_retries", "0")).To(Succeed())
		Expect(cfg.Retry.MaxRetries).To(Equal(resilience.NoRetries))
		Expect(cfg.Retry.Retries()).To(Equal(0))
		Expect(setKnob(&cfg, "max_retries", "-1")).To(MatchError("retry.max_retries: must be 0 or more, got -1"))
	})

	It("refuses unknown, ambiguous and unparsable sweep values", func() {
		var cfg resilience.Config
		Expect(setKnob(&cfg, "max_retires", "3")).To(MatchError(ContainSubstring(`did you mean "retry.max_retries"`)))
		Expect(setKnob(&cfg, "nope", "1")).To(MatchError(`unknown policy key "nope"`), "no unrelated key suggested")
		Expect(setKnob(&cfg, "window", "5s")).To(MatchError(And(ContainSubstring("ambiguous"), ContainSubstring("breaker.window"), ContainSubstring("budget.recent.window"))))
		Expect(setKnob(&cfg, "base", "5")).To(MatchError(ContainSubstring("needs a unit")))
		Expect(setKnob(&cfg, "max_retries", "three")).To(MatchError(ContainSubstring("not a whole number")))
		Expect(setKnob(&cfg, "jitter", "sometimes")).To(MatchError(ContainSubstring("retry.jitter")))
		Expect(policyKeys()).To(ContainElements("retry.max_retries", "breaker.open", "rate_limit.rate", "budget.tokens.max", "timeout.attempt", "fallback.static.status"))
	})
})
