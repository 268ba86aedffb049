package resilience_test

import (
	"time"

	. "github.com/onsi/ginkgo/v2"
	. "github.com/onsi/gomega"

	"github.com/chaos-harness/chaos/resilience"
)

var _ = Describe("rate_limit mode adaptive, through the step driver", func() {
	adaptive := func(throttleOn ...string) resilience.Config {
		return resilience.Config{Retry: constantRetry(2, 10*time.Millisecond),
			RateLimit: &resilience.RateLimitConfig{Mode: resilience.RateLimitAdaptive, ThrottleOn: throttleOn}}
	}

	It("waits for no token until a throttle, then for the backed-off rate's next token", func() {
		p := mustPolicy(adaptive())
		Expect(drive(p, epoch, get, ok200).waits).To(BeEmpty())
		// A second call at 1s is throttled (429). Its response turns the
		// half-second: 2 responses over 1s, measured 0.8*2 = 1.6/s, so the
		// rate falls to 0.7*1.6 = 1.12/s. The bucket filled at the floor
		// 0.5/s from 0s to 1s (0.5 tokens), then at 1.12/s for the 10ms
		// backoff (0.0112): the retry waits (1 - 0.5112)/1.12 s after it.
		t := drive(p, epoch.Add(time.Second), get, resilience.AttemptOutcome{Status: 429}, ok200)
		Expect(t.waits).To(HaveLen(2))
		Expect(t.waits[0]).To(Equal(10 * time.Millisecond))
		Expect(float64(t.waits[1])).To(BeNumerically("~", (1-0.5112)/1.12*float64(time.Second), 1))
		rate, enabled := p.AdaptiveLimiter().Rate()
		Expect(enabled).To(BeTrue())
		Expect(rate).To(BeNumerically(">", 1.12), "the retry's success grew it along CUBIC")
	})

	It("takes only throttle_on outcomes as throttles", func() {
		p := mustPolicy(adaptive("503"))
		drive(p, epoch, get, resilience.AttemptOutcome{Status: 429}, ok200)
		_, enabled := p.AdaptiveLimiter().Rate()
		Expect(enabled).To(BeFalse(), "a 429 is not in throttle_on [503]")
		drive(p, epoch, get, fail503, ok200)
		_, enabled = p.AdaptiveLimiter().Rate()
		Expect(enabled).To(BeTrue())
	})

	DescribeTable("Problems names the adaptive field of each mistake",
		func(r resilience.RateLimitConfig, path, msg string) {
			ps := resilience.Config{RateLimit: &r}.Problems()
			Expect(ps).To(ContainElement(And(HaveField("Path", path), HaveField("Msg", ContainSubstring(msg)))), "%v", ps)
		},
		Entry(nil, resilience.RateLimitConfig{Mode: "adaptive", Rate: 5}, "rate_limit.mode", "sets its own rate"),
		Entry(nil, resilience.RateLimitConfig{Rate: 5, ThrottleOn: []string{"429"}}, "rate_limit.throttle_on", "only with mode: adaptive"),
		Entry(nil, resilience.RateLimitConfig{Mode: "adaptive", ThrottleOn: []string{"42x"}}, "rate_limit.throttle_on[0]", "not a status"),
	)
})
