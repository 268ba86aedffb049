package resilience_test

import (
	"time"

	. "github.com/onsi/ginkgo/v2"
	. "github.com/onsi/gomega"

	"github.com/chaos-harness/chaos/internal/yamlfile"
	"github.com/chaos-harness/chaos/resilience"
)

// retriesOf is MaxRetries for n retries as a file counts them (0: none).
func retriesOf(n int) int { return resilience.FileMaxRetries(n) }

var _ = Describe("Config", func() {
	It("decodes the policies entry of a scenario file strictly, with defaults for omitted fields", func() {
		src := []byte(`
name: full
retry: {max_retries: 5, base: 100ms, cap: 10s, multiplier: 2, jitter: full,
        on: [429, 5xx, reset, timeout], retry_after: honor, retry_after_max: 30s, retry_after_jitter: 500ms}
breaker: {failures: 5, open: 30s, half_open_probes: 1}
fallback: {stale: 60s}
rate_limit: {rate: 50, burst: 10}
budget: {tokens: {max: 100, refill: 0.1}, recent: {ratio: 0.2}}
timeout: {attempt: 2s, overall: 20s}
`)
		var cfg resilience.Config
		_, err := yamlfile.Decode("policy.yaml", src, &cfg)
		Expect(err).NotTo(HaveOccurred())
		Expect(cfg.Problems()).To(BeEmpty())
		Expect(cfg.Retry.MaxRetries).To(Equal(5))
		Expect(cfg.Retry.On).To(Equal([]string{"429", "5xx", "reset", "timeout"}))
		Expect(cfg.Timeout.Attempt).To(Equal(2 * time.Second))
		p, err := resilience.New(cfg)
		Expect(err).NotTo(HaveOccurred())
		Expect(p.Name()).To(Equal("full"))
		Expect(p.Breaker()).NotTo(BeNil())
	})

	It("reports an unknown key with file, line and a suggestion", func() {
		var cfg resilience.Config
		_, err := yamlfile.Decode("p.yaml", []byte("name: x\nretry: {max_retires: 3}\n"), &cfg)
		Expect(err).To(MatchError(And(ContainSubstring("p.yaml:2"), ContainSubstring(`did you mean "max_retries"`))))
	})

	DescribeTable("Problems names the field path of each mistake",
		func(cfg resilience.Config, path, msg string) {
			ps := cfg.Problems()
			Expect(ps).To(ContainElement(And(
				HaveField("Path", path), HaveField("Msg", ContainSubstring(msg)))), "%v", ps)
			_, err := resilience.New(cfg)
			Expect(err).To(MatchError(ContainSubstring(path)))
		},
		Entry("negative retries", resilience.Config{Retry: &resilience.RetryConfig{MaxRetries: -2}}, "retry.max_retries", "0 (the default) or NoRetries (-1), got -2"),
		Entry("unknown jitter", resilience.Config{Retry: &resilience.RetryConfig{Jitter: "ful"}}, "retry.jitter", `did you mean "full"`),
		Entry("cap below base", resilience.Config{Retry: &resilience.RetryConfig{Base: time.Second, Cap: time.Millisecond}}, "retry.cap", "below base"),
		Entry("bad retry token", resilience.Config{Retry: &resilience.RetryConfig{On: []string{"429", "5xy"}}}, "retry.on[1]", "not a status"),
		Entry("multiplier with constant backoff", resilience.Config{Retry: &resilience.RetryConfig{Backoff: "constant", Multiplier: 3}}, "retry.multiplier", "only by backoff exponential"),
		Entry("list without delays", resilience.Config{Retry: &resilience.RetryConfig{Backoff: "list"}}, "retry.delays", "at least one"),
		Entry("jitter factor out of range", resilience.Config{Retry: &resilience.RetryConfig{Jitter: "factor", JitterFactor: 2}}, "retry.jitter_factor", "(0, 1]"),
		Entry("decorrelated with a list", resilience.Config{Retry: &resilience.RetryConfig{Jitter: "decorrelated", Backoff: "list", Delays: []time.Duration{1}}}, "retry.backoff", "would be ignored"),
		Entry("bad retry_after mode", resilience.Config{Retry: &resilience.RetryConfig{RetryAfter: "obey"}}, "retry.retry_after", "honor, ignore"),
		Entry("ratio above 1", resilience.Config{Breaker: &resilience.BreakerConfig{Ratio: 1.5}}, "breaker.ratio", "(0, 1]"),
		Entry("successes above probes", resilience.Config{Breaker: &resilience.BreakerConfig{HalfOpenProbes: 2, HalfOpenSuccesses: 3}}, "breaker.half_open_successes", "between 1 and"),
		Entry("bad trip token", resilience.Config{Breaker: &resilience.BreakerConfig{TripOn: []string{"boom"}}}, "breaker.trip_on[0]", "not a status"),
		Entry("empty fallback", resilience.Config{Fallback: &resilience.FallbackConfig{}}, "fallback", "needs stale"),
		Entry("rate without a rate", resilience.Config{RateLimit: &resilience.RateLimitConfig{Burst: 3}}, "rate_limit.rate", "more than 0"),
		Entry("bad rate mode", resilience.Config{RateLimit: &resilience.RateLimitConfig{Rate: 1, Mode: "drop"}}, "rate_limit.mode", "wait, reject"),
		Entry("attempt longer than overall", resilience.Config{Timeout: &resilience.TimeoutConfig{Attempt: time.Minute, Overall: time.Second}}, "timeout.attempt", "longer than"),
		Entry("fallback inside retry", resilience.Config{Retry: &resilience.RetryConfig{}, Fallback: &resilience.FallbackConfig{Stale: 1}, Order: []string{"retry", "fallback"}}, "order[1]", "outside retry"),
		Entry("order names an absent layer", resilience.Config{Retry: &resilience.RetryConfig{}, Order: []string{"retry", "breaker"}}, "order[1]", "does not configure"),
		Entry("order lists timeout", resilience.Config{Retry: &resilience.RetryConfig{}, Order: []string{"retry", "timeout"}}, "order[1]", "not ordered"),
	)

})
