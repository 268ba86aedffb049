package main

import (
	. "github.com/onsi/ginkgo/v2"
	. "github.com/onsi/gomega"

	"github.com/chaos-harness/chaos/resilience"
	"github.com/chaos-harness/chaos/scenarios"
)

var _ = Describe("which knobs a policy uses", func() {
	// policy reads one policy as a scenario file holds it, so max_retries
	// counts as in files.
	policy := func(src string) resilience.Config {
		sc, err := scenarios.Parse("policy.yaml", []byte("name: knobs\nserver: {}\nclients: {count: 1, requests: 1, timeout: 1s}\npolicies: ["+src+"]\n"))
		Expect(err).NotTo(HaveOccurred())
		return sc.Policies[0].Config
	}

	DescribeTable("uses a knob or says why not",
		func(src, key string, want bool, why string) {
			used, reason := usesKnob(policy(src), key)
			Expect(used).To(Equal(want))
			Expect(reason).To(Equal(why))
		},
		Entry("exponential uses base", `{name: a, retry: {base: 10ms}}`, "retry.base", true, ""),
		Entry("no retry made: only max_retries matters", `{name: a, retry: {max_retries: 0}}`, "retry.base", false, "retry.max_retries is 0, so no retry is made"),
		Entry("no retry made: max_retries still matters", `{name: a, retry: {max_retries: 0}}`, "retry.max_retries", true, ""),
		Entry("list ignores base", `{name: a, retry: {backoff: list, delays: [1s]}}`, "retry.base", false, "backoff list takes its delays from retry.delays"),
		Entry("constant has no cap", `{name: a, retry: {backoff: constant}}`, "retry.cap", false, "backoff constant has no growth to cap"),
		Entry("linear ignores multiplier", `{name: a, retry: {backoff: linear}}`, "retry.multiplier", false, "retry.multiplier is used only by backoff exponential, and its backoff is linear"),
		Entry("decorrelated ignores multiplier", `{name: a, retry: {jitter: decorrelated}}`, "retry.multiplier", false, "jitter decorrelated computes its delays from retry.base and retry.cap alone"),
		Entry("decorrelated uses cap", `{name: a, retry: {jitter: decorrelated}}`, "retry.cap", true, ""),
		Entry("full ignores jitter_factor", `{name: a, retry: {}}`, "retry.jitter_factor", false, "retry.jitter_factor is used only by jitter factor, and its jitter is full"),
		Entry("ignore drops Retry-After bounds", `{name: a, retry: {retry_after: ignore}}`, "retry.retry_after_max", false, "retry.retry_after is ignore, so no Retry-After is honoured"),
		Entry("no breaker section", `{name: a, retry: {}}`, "breaker.open", false, "it has no breaker section"),
		Entry("a breaker uses open", `{name: a, breaker: {failures: 3}}`, "breaker.open", true, ""),
		Entry("a consecutive breaker has no window", `{name: a, breaker: {failures: 3}}`, "breaker.window", false, "breaker.ratio is not set, so the breaker trips on consecutive failures alone"),
		Entry("an empty budget is the recent one", `{name: a, budget: {}}`, "budget.recent.ratio", true, ""),
		Entry("a recent budget has no tokens", `{name: a, budget: {recent: {ratio: 0.1}}}`, "budget.tokens.max", false, "it has no budget.tokens section"),
		Entry("not a key", `{name: a}`, "retry.speed", false, "retry.speed is not a policy key"),
	)
})
