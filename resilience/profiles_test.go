package resilience_test

import (
	"time"

	. "github.com/onsi/ginkgo/v2"
	. "github.com/onsi/gomega"

	"github.com/chaos-harness/chaos/resilience"
	"github.com/chaos-harness/chaos/resilience/profile"
)

var _ = Describe("Profiles", func() {
	It("reads the profiles users keep, seconds as numbers or duration strings", func() {
		profiles, err := profile.Load("api_retry.yaml", []byte(`
development:
  max_retries: 2
  base_delay: 0.5
  max_delay: 10.0
  circuit_breaker_threshold: 3
  circuit_breaker_timeout: 30
production: {max_retries: 5, base_delay: 1.0, max_delay: 60.0,
             circuit_breaker_threshold: 10, circuit_breaker_timeout: 120}
testing: {max_retries: 1, base_delay: 100ms, max_delay: 1s, timeout: 2s, retry_on_status: [429, 503]}
prefect: {retries: 3, retry_delay_seconds: [1, 10, 100], retry_jitter_factor: 0.5, cache_expiration: 1h}
`))
		Expect(err).NotTo(HaveOccurred())
		prod := profiles["production"]
		Expect(prod.Name).To(Equal("production"))
		Expect(prod.Retry.MaxRetries).To(Equal(5))
		Expect(prod.Retry.Base).To(Equal(time.Second))
		Expect(prod.Retry.Cap).To(Equal(time.Minute))
		Expect(prod.Retry.Jitter).To(Equal(resilience.JitterEqual)) // the seed's delay * (0.5 + U/2)
		Expect(prod.Breaker.Failures).To(Equal(10))
		Expect(prod.Breaker.Open).To(Equal(2 * time.Minute))
		Expect(profiles["development"].Retry.Base).To(Equal(500 * time.Millisecond))
		testing := profiles["testing"]
		Expect(testing.Timeout.Attempt).To(Equal(2 * time.Second))
		Expect(testing.Retry.On).To(Equal([]string{"429", "503", "network"}))
		Expect(testing.Breaker).To(BeNil())
		pf := profiles["prefect"]
		Expect(pf.Retry.Backoff).To(Equal(resilience.BackoffList))
		Expect(pf.Retry.Delays).To(Equal([]time.Duration{
			time.Second, 10 * time.Second, 100 * time.Second}))
		Expect(pf.Retry.Jitter).To(Equal(resilience.JitterFactor))
		Expect(pf.Fallback.Stale).To(Equal(time.Hour))
		for _, cfg := range profiles {
			_, err := resilience.New(cfg)
			Expect(err).NotTo(HaveOccurred())
		}
	})

	DescribeTable("reports mistakes with file, line and field",
		func(src, want string) {
			_, err := profile.Load("p.yaml", []byte(src))
			Expect(err).To(MatchError(ContainSubstring(want)))
		},
		Entry("negative seconds", "prod:\n  base_delay: -1\n", "p.yaml:2:15: prod.base_delay: seconds must not be negative"),
		Entry("garbage seconds", "prod:\n  max_delay: soon\n", `p.yaml:2:14: prod.max_delay: invalid duration "soon"`),
		Entry("unknown key", "prod:\n  max_retrie: 3\n", `did you mean "max_retries"`),
		Entry("both retry counts", "prod:\n  max_retries: 3\n  retries: 2\n", "p.yaml:3:3: prod.retries: set max_retries or retries, not both"),
		Entry("a success status to retry", "prod: {retry_on_status: [503, 200]}\n", "prod.retry_on_status[1]: status 200"),
		Entry("unknown jitter", "prod: {jitter: sometimes}\n", `unknown jitter "sometimes"`),
		Entry("a derived policy problem", "prod: {jitter: factor, retry_jitter_factor: 3}\n", "p.yaml:1:1: prod: retry.jitter_factor"),
	)

	It("provides built-in presets for common operations", func() {
		Expect(profile.PresetNames()).To(Equal([]string{"database", "email", "heavy_api", "logging", "webhook"}))
		for name, want := range map[string][2]any{
			"email": {3, 60 * time.Second}, "database": {5, 5 * time.Second}, "heavy_api": {5, 120 * time.Second},
			"webhook": {2, 30 * time.Second}, "logging": {0, time.Duration(0)},
		} {
			cfg, err := profile.Preset(name)
			Expect(err).NotTo(HaveOccurred())
			Expect(cfg.Retry.Retries()).To(Equal(want[0]), name)
			Expect(cfg.Retry.Base).To(Equal(want[1]), name)
			p := mustPolicy(cfg)
			t := drive(p, epoch, get, fail503)
			Expect(t.attempts).To(HaveLen(want[0].(int)+1), name)
			for _, w := range t.waits { // jitter: d * U(0.5, 1.5)
				Expect(w).To(BeNumerically(">=", want[1].(time.Duration)/2), name)
				Expect(w).To(BeNumerically("<=", want[1].(time.Duration)*3/2), name)
			}
		}
		_, err := profile.Preset("emial")
		Expect(err).To(MatchError(ContainSubstring("unknown preset")))
	})
})
