package resilience_test

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"sync/atomic"
	"time"

	. "github.com/onsi/ginkgo/v2"
	. "github.com/onsi/gomega"

	"github.com/chaos-harness/chaos/resilience"
	"github.com/chaos-harness/chaos/resilience/retryafter"
)

// flaky fails with the given errors in turn, then returns "ok".
func flaky(errs ...error) (func(context.Context) (string, error), *int) {
	calls := 0
	return func(context.Context) (string, error) {
		calls++
		if calls <= len(errs) {
			return "", errs[calls-1]
		}
		return "ok", nil
	}, &calls
}

var _ = Describe("Do", func() {
	var clock *resilience.VirtualClock
	BeforeEach(func() { clock = resilience.NewVirtualClock(epoch) })

	It("returns the value of a first-time success", func() {
		p := mustPolicy(resilience.Config{Retry: &resilience.RetryConfig{}}, resilience.WithClock(clock))
		v, err := resilience.Do(context.Background(), p, func(context.Context) (int, error) { return 42, nil })
		Expect(err).NotTo(HaveOccurred())
		Expect(v).To(Equal(42))
	})

	It("retries on the injected clock, waiting exactly the backoff", func() {
		clock.SetAutoAdvance(true)
		p := mustPolicy(resilience.Config{Retry: constantRetry(3, time.Second)}, resilience.WithClock(clock))
		fn, calls := flaky(&resilience.StatusError{Code: 503}, resilience.ErrReset)
		v, err := resilience.Do(context.Background(), p, fn)
		Expect(err).NotTo(HaveOccurred())
		Expect(v).To(Equal("ok"))
		Expect(*calls).To(Equal(3))
		Expect(clock.Now().Sub(epoch)).To(Equal(2 * time.Second))
	})

	It("waits a StatusError's RetryAfter, to the millisecond, instead of the backoff", func() {
		clock.SetAutoAdvance(true)
		p := mustPolicy(resilience.Config{Retry: constantRetry(3, time.Second)}, resilience.WithClock(clock))
		fn, calls := flaky(&resilience.StatusError{Code: 503, RetryAfter: retryafter.Millis(300 * time.Millisecond)},
			&resilience.StatusError{Code: 429, RetryAfter: "2"})
		_, err := resilience.Do(context.Background(), p, fn)
		Expect(err).NotTo(HaveOccurred())
		Expect(*calls).To(Equal(3))
		Expect(clock.Now().Sub(epoch)).To(Equal(2300 * time.Millisecond)) // 300ms pushback + 2s Retry-After, no 1s backoff
	})

	It("wraps the last failure and counts attempts when it gives up", func() {
		clock.SetAutoAdvance(true)
		p := mustPolicy(resilience.Config{Retry: constantRetry(3, time.Second)}, resilience.WithClock(clock))
		cause := errors.New("upstream said no")
		fn, calls := flaky(resilience.ErrReset, resilience.ErrReset, resilience.ErrReset, &resilience.StatusError{Code: 502}, cause)
		_, err := resilience.Do(context.Background(), p, fn)
		Expect(*calls).To(Equal(4))
		var g *resilience.GiveUpError
		Expect(errors.As(err, &g)).To(BeTrue())
		Expect(g.Attempts).To(Equal(4))
		Expect(err).To(MatchError(ContainSubstring("gave up after 4 attempts (retries exhausted): status 502")))
	})

	It("does not retry errors that are not transient (unlike retrying every exception)", func() {
		p := mustPolicy(resilience.Config{Retry: constantRetry(3, time.Second)}, resilience.WithClock(clock))
		fn, calls := flaky(errors.New("invalid argument"))
		_, err := resilience.Do(context.Background(), p, fn)
		Expect(*calls).To(Equal(1))
		Expect(err).To(MatchError(ContainSubstring("not retryable")))
	})

	It("stops at the caller's cancellation during a wait", func() {
		p := mustPolicy(resilience.Config{Retry: constantRetry(3, time.Minute)}, resilience.WithClock(clock))
		ctx, cancel := context.WithCancel(context.Background())
		fn, calls := flaky(resilience.ErrReset)
		done := make(chan error, 1)
		go func() {
			_, err := resilience.Do(ctx, p, fn)
			done <- err
		}()
		Expect(clock.WaitForSleepers(context.Background(), 1)).To(Succeed())
		cancel()
		var err error
		Eventually(done).Should(Receive(&err))
		Expect(err).To(MatchError(context.Canceled))
		Expect(err).To(MatchError(ContainSubstring("gave up after 1 attempt (canceled)")))
		Expect(*calls).To(Equal(1))
	})

	It("times out a hung attempt on the virtual clock and retries it", func() {
		p := mustPolicy(resilience.Config{Retry: constantRetry(2, 100*time.Millisecond),
			Timeout: &resilience.TimeoutConfig{Attempt: 2 * time.Second}}, resilience.WithClock(clock))
		calls := 0
		done := make(chan error, 1)
		go func() {
			_, err := resilience.Do(context.Background(), p, func(ctx context.Context) (string, error) {
				calls++
				if calls == 1 {
					<-ctx.Done() // hang until the attempt timeout
					return "", ctx.Err()
				}
				return "ok", nil
			})
			done <- err
		}()
		Expect(clock.WaitForSleepers(context.Background(), 1)).To(Succeed())
		Expect(clock.Sleepers()).To(Equal([]time.Duration{2 * time.Second}))
		clock.Advance(2 * time.Second)
		Eventually(clock.Sleepers).Should(Equal([]time.Duration{100 * time.Millisecond}))
		clock.Advance(100 * time.Millisecond)
		Eventually(done).Should(Receive(BeNil()))
		Expect(calls).To(Equal(2))
		Expect(p.Counters().Retries).To(Equal(int64(1)))
	})

	It("answers from the stale value or the caller's fallback when the call fails for good", func() {
		clock.SetAutoAdvance(true)
		p := mustPolicy(resilience.Config{Retry: constantRetry(1, time.Second),
			Fallback: &resilience.FallbackConfig{Stale: time.Minute}}, resilience.WithClock(clock))
		req := resilience.RequestMeta{Key: "prices"}
		good := func(context.Context) (string, error) { return "v1", nil }
		bad := func(context.Context) (string, error) { return "", resilience.ErrReset }
		Expect(resilience.DoRequest(context.Background(), p, req, good, nil)).To(Equal("v1"))
		Expect(resilience.DoRequest(context.Background(), p, req, bad, nil)).To(Equal("v1"))
		byCaller := func(_ context.Context, err error) (string, error) { return "default", nil }
		Expect(resilience.DoRequest(context.Background(), p, resilience.RequestMeta{Key: "other"}, bad, byCaller)).To(Equal("default"))
		Expect(p.Counters().Fallbacks).To(Equal(int64(2)))
	})
})

var _ = Describe("Do under concurrency", func() {
	It("shares breaker, rate limit, budget and counters safely across 100 goroutines", func() {
		clock := resilience.NewVirtualClock(epoch)
		clock.SetAutoAdvance(true)
		var events atomic.Int64
		p := mustPolicy(resilience.Config{
			Retry:     constantRetry(2, time.Millisecond),
			Breaker:   &resilience.BreakerConfig{Ratio: 0.9, MinRequests: 50, HalfOpenProbes: 3},
			RateLimit: &resilience.RateLimitConfig{Rate: 1e6, Burst: 1000},
			Budget:    &resilience.BudgetConfig{},
			Fallback:  &resilience.FallbackConfig{Stale: time.Hour},
		}, resilience.WithClock(clock), resilience.WithObserver(resilience.ObserverFunc(func(resilience.Event) { events.Add(1) })))
		var wg sync.WaitGroup
		for g := range 100 {
			wg.Add(1)
			go func() {
				defer wg.Done()
				for i := range 20 {
					req := resilience.RequestMeta{Key: fmt.Sprint(g % 7)}
					_, _ = resilience.DoRequest(context.Background(), p, req, func(context.Context) (int, error) {
						if (g+i)%4 == 0 {
							return 0, resilience.ErrReset
						}
						return i, nil
					}, nil)
				}
			}()
		}
		wg.Wait()
		c := p.Counters()
		Expect(c.Requests).To(Equal(int64(2000)))
		Expect(c.Succeeded + c.Failed).To(Equal(int64(2000)))
		Expect(c.Attempts).To(BeNumerically(">=", 2000))
		Expect(events.Load()).To(BeNumerically(">", 4000))
	})
})
