package resilience_test

import (
	"time"

	. "github.com/onsi/ginkgo/v2"
	. "github.com/onsi/gomega"

	"github.com/chaos-harness/chaos/resilience"
)

var _ = Describe("Retry-After as a floor, and clamped over the maximum", func() {
	asks := func(v string) resilience.AttemptOutcome { return resilience.AttemptOutcome{Status: 503, RetryAfter: v} }
	retry := func(base time.Duration, mode resilience.RetryAfterMode, overMax string) *resilience.RetryConfig {
		r := constantRetry(1, base)
		r.RetryAfter, r.RetryAfterOverMax = mode, overMax
		if mode != resilience.RetryAfterIgnore {
			r.RetryAfterMax = 10 * time.Second
		}
		return r
	}
	waits := func(r *resilience.RetryConfig, o resilience.AttemptOutcome) []time.Duration {
		return drive(mustPolicy(resilience.Config{Retry: r}), epoch, get, o, ok200).waits
	}

	DescribeTable("waits max(backoff, Retry-After) in floor mode, the Retry-After alone in honor mode",
		func(base time.Duration, mode resilience.RetryAfterMode, ra string, want time.Duration) {
			Expect(waits(retry(base, mode, ""), asks(ra))).To(Equal([]time.Duration{want}))
		},
		Entry("floor: the server asks for more than the backoff", 1*time.Second, resilience.RetryAfterFloor, "3", 3*time.Second),
		Entry("floor: the backoff is longer than asked", 5*time.Second, resilience.RetryAfterFloor, "2", 5*time.Second),
		Entry("honor: exactly as asked, even below the backoff", 5*time.Second, resilience.RetryAfterHonor, "2", 2*time.Second),
		Entry("ignore: the backoff", 5*time.Second, resilience.RetryAfterIgnore, "2", 5*time.Second),
	)

	It("marks a floor-mode retry as the server's only when its Retry-After was the longer", func() {
		var from []bool
		obs := resilience.WithObserver(resilience.ObserverFunc(func(e resilience.Event) {
			if e.Kind == resilience.EventRetry {
				from = append(from, e.FromRetryAfter)
			}
		}))
		r := retry(2*time.Second, resilience.RetryAfterFloor, "")
		r.MaxRetries = 2
		drive(mustPolicy(resilience.Config{Retry: r}, obs), epoch, get, asks("3"), asks("1"), ok200)
		Expect(from).To(Equal([]bool{true, false}), "3s > 2s backoff, then 1s < 2s")
	})

	It("fails at once over retry_after_max by default, and waits the maximum when clamped", func() {
		t := drive(mustPolicy(resilience.Config{Retry: retry(time.Second, resilience.RetryAfterHonor, "")}), epoch, get, asks("100"), ok200)
		Expect(giveUp(t).Reason).To(Equal(resilience.ReasonRetryAfter))
		Expect(t.waits).To(BeEmpty())
		Expect(waits(retry(time.Second, resilience.RetryAfterHonor, resilience.RetryAfterOverMaxFail), asks("100"))).To(BeEmpty())
		Expect(waits(retry(time.Second, resilience.RetryAfterHonor, resilience.RetryAfterOverMaxClamp), asks("100"))).
			To(Equal([]time.Duration{10 * time.Second}), "min(100s, retry_after_max 10s)")
		Expect(waits(retry(20*time.Second, resilience.RetryAfterFloor, resilience.RetryAfterOverMaxClamp), asks("100"))).
			To(Equal([]time.Duration{20 * time.Second}), "max(backoff 20s, min(100s, 10s))")
	})

	DescribeTable("Problems names the Retry-After field of each mistake",
		func(r resilience.RetryConfig, path, msg string) {
			ps := resilience.Config{Retry: &r}.Problems()
			Expect(ps).To(ContainElement(And(HaveField("Path", path), HaveField("Msg", ContainSubstring(msg)))), "%v", ps)
		},
		Entry(nil, resilience.RetryConfig{RetryAfterOverMax: "clip"}, "retry.retry_after_over_max", "one of fail, clamp"),
		Entry(nil, resilience.RetryConfig{RetryAfter: "flor"}, "retry.retry_after", `did you mean "floor"`),
		Entry(nil, resilience.RetryConfig{RetryAfter: resilience.RetryAfterIgnore, RetryAfterOverMax: "clamp"}, "retry.retry_after", "honor or floor"),
	)
})
