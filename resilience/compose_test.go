package resilience_test

import (
	"errors"
	"time"

	. "github.com/onsi/ginkgo/v2"
	. "github.com/onsi/gomega"

	"github.com/chaos-harness/chaos/resilience"
	"github.com/chaos-harness/chaos/resilience/breaker"
)

var _ = Describe("Composition", func() {
	It("does not retry a rejection by an open breaker, and falls back to the static response", func() {
		p := mustPolicy(resilience.Config{
			Retry:    constantRetry(5, 100*time.Millisecond),
			Breaker:  &resilience.BreakerConfig{Failures: 2, Open: time.Minute},
			Fallback: &resilience.FallbackConfig{Static: &resilience.StaticResponse{Status: 200, Body: "cached"}},
		})
		t := drive(p, epoch, get, fail503)
		Expect(t.attempts).To(HaveLen(2)) // the third is refused by the breaker the first two opened
		Expect(t.final.Action).To(Equal(resilience.ActionFallback))
		Expect(t.final.Fallback).To(Equal(resilience.FallbackStatic))
		Expect(t.final.Static.Body).To(Equal("cached"))
		Expect(t.final.Err).To(MatchError(resilience.ErrBreakerOpen))
		c := p.Counters()
		Expect(c.BreakerTrips).To(Equal(int64(1)))
		Expect(c.BreakerRejections).To(Equal(int64(1)))
		Expect(c.Fallbacks).To(Equal(int64(1)))
	})

	It("counts the breaker once per call when ordered outside retry", func() {
		p := mustPolicy(resilience.Config{
			Retry:   constantRetry(2, 100*time.Millisecond),
			Breaker: &resilience.BreakerConfig{Failures: 2, Open: time.Minute},
			Order:   []string{"breaker", "retry"},
		})
		Expect(drive(p, epoch, get, fail503).attempts).To(HaveLen(3))
		Expect(p.Breaker().State(epoch)).To(Equal(breaker.Closed))
		Expect(drive(p, epoch, get, fail503).attempts).To(HaveLen(3))
		Expect(p.Breaker().State(epoch)).To(Equal(breaker.Open))
		t := drive(p, epoch, get, ok200)
		Expect(t.attempts).To(BeEmpty())
		Expect(t.final.Err).To(MatchError(resilience.ErrBreakerOpen))
	})

	It("does not count a 429 as a breaker failure by default", func() {
		p := mustPolicy(resilience.Config{
			Retry:   constantRetry(4, 100*time.Millisecond),
			Breaker: &resilience.BreakerConfig{Failures: 2},
		})
		drive(p, epoch, get, resilience.AttemptOutcome{Status: 429})
		Expect(p.Breaker().State(epoch)).To(Equal(breaker.Closed))
	})

	It("serves the last good value of the key within the stale TTL, the caller's fallback after it", func() {
		p := mustPolicy(resilience.Config{Retry: constantRetry(1, time.Second), Fallback: &resilience.FallbackConfig{Stale: time.Minute}})
		req := resilience.RequestMeta{Method: "GET", Key: "GET /orders", CallerFallback: true}
		drive(p, epoch, req, resilience.AttemptOutcome{Status: 200, Value: "v1"})
		t := drive(p, epoch.Add(30*time.Second), req, fail503)
		Expect(t.final.Action).To(Equal(resilience.ActionFallback))
		Expect(t.final.Fallback).To(Equal(resilience.FallbackStale))
		Expect(t.final.Value).To(Equal("v1"))
		Expect(t.final.Age).To(Equal(31 * time.Second)) // the failure came after one retry delay
		t = drive(p, epoch.Add(2*time.Minute), req, fail503)
		Expect(t.final.Fallback).To(Equal(resilience.FallbackCaller))
		other := drive(p, epoch.Add(30*time.Second), resilience.RequestMeta{Method: "GET", Key: "GET /users"}, fail503)
		Expect(other.final.Action).To(Equal(resilience.ActionGiveUp))
	})

	It("never falls back on a definite answer or the caller's cancellation", func() {
		p := mustPolicy(resilience.Config{Retry: constantRetry(1, time.Second),
			Fallback: &resilience.FallbackConfig{Static: &resilience.StaticResponse{}}})
		Expect(drive(p, epoch, get, resilience.AttemptOutcome{Status: 404}).final.Action).To(Equal(resilience.ActionGiveUp))
		Expect(drive(p, epoch, get, resilience.AttemptOutcome{Kind: resilience.ClassCanceled}).final.Action).To(Equal(resilience.ActionGiveUp))
	})

	It("waits for rate-limit tokens on the explicit clock, or rejects", func() {
		p := mustPolicy(resilience.Config{RateLimit: &resilience.RateLimitConfig{Rate: 2, Burst: 2}})
		var waits [][]time.Duration
		for range 4 {
			waits = append(waits, drive(p, epoch, get, ok200).waits)
		}
		Expect(waits).To(Equal([][]time.Duration{nil, nil, {500 * time.Millisecond}, {time.Second}}))
		Expect(p.Counters().RateLimited).To(Equal(int64(2)))

		r := mustPolicy(resilience.Config{RateLimit: &resilience.RateLimitConfig{Rate: 1, Mode: "reject"}})
		Expect(drive(r, epoch, get, ok200).final.Action).To(Equal(resilience.ActionSucceed))
		t := drive(r, epoch.Add(100*time.Millisecond), get, ok200)
		Expect(t.final.Err).To(MatchError(resilience.ErrRateLimited))
		Expect(drive(r, epoch.Add(time.Second), get, ok200).final.Action).To(Equal(resilience.ActionSucceed))
	})

	It("limits every retry attempt, not only the first, when inside retry", func() {
		p := mustPolicy(resilience.Config{Retry: constantRetry(2, 100*time.Millisecond),
			RateLimit: &resilience.RateLimitConfig{Rate: 1, Burst: 1}})
		t := drive(p, epoch, get, fail503, ok200)
		// 100ms backoff, then 900ms more for the token of the second attempt
		Expect(t.waits).To(Equal([]time.Duration{100 * time.Millisecond, 900 * time.Millisecond}))
		Expect(t.attempts).To(Equal([]time.Duration{0, time.Second}))
	})

	It("stops retrying when the token budget falls to half (gRPC)", func() {
		var exhausted int
		p := mustPolicy(resilience.Config{Retry: constantRetry(5, time.Millisecond),
			Budget: &resilience.BudgetConfig{Tokens: &resilience.TokenBudgetConfig{Max: 4, Refill: 0.5}}},
			resilience.WithObserver(resilience.ObserverFunc(func(e resilience.Event) {
				if e.Kind == resilience.EventBudgetExhausted {
					exhausted++
				}
			})))
		// 4 tokens: failure -> 3 (retry ok), failure -> 2 (2 <= 4/2: refused)
		t := drive(p, epoch, get, fail503)
		Expect(t.attempts).To(HaveLen(2))
		Expect(t.final.Err).To(MatchError(resilience.ErrBudgetExhausted))
		Expect(exhausted).To(Equal(1))
		// successes earn it back: 2 + 3*0.5 = 3.5 > 2
		for range 3 {
			drive(p, epoch, get, ok200)
		}
		Expect(p.Budget().Tokens()).To(Equal(3.5))
		Expect(drive(p, epoch, get, fail503, ok200).attempts).To(HaveLen(2))
	})

	It("caps retries at a ratio of recent calls plus a floor (Finagle)", func() {
		p := mustPolicy(resilience.Config{Retry: constantRetry(1, time.Millisecond),
			Budget: &resilience.BudgetConfig{Recent: &resilience.RecentBudgetConfig{Ratio: 0.2, Window: 10 * time.Second, MinPerSecond: new(float64)}}})
		retried := 0
		for i := range 50 {
			t := drive(p, epoch.Add(time.Duration(i)*time.Millisecond), get, fail503, ok200)
			if len(t.attempts) == 2 {
				retried++
			} else {
				Expect(errors.Is(t.final.Err, resilience.ErrBudgetExhausted)).To(BeTrue())
			}
		}
		Expect(retried).To(Equal(10)) // 20% of 50
		Expect(p.Counters().BudgetExhausted).To(Equal(int64(40)))
	})

	It("tells the observer of breaker transitions with their times", func() {
		var changes []breaker.Change
		p := mustPolicy(resilience.Config{
			Retry:   constantRetry(0, time.Millisecond),
			Breaker: &resilience.BreakerConfig{Failures: 1, Open: 5 * time.Second},
		}, resilience.WithObserver(resilience.ObserverFunc(func(e resilience.Event) {
			if e.Kind == resilience.EventBreaker {
				changes = append(changes, e.Change)
			}
		})))
		drive(p, epoch, get, fail503)
		drive(p, epoch.Add(7*time.Second), get, ok200)
		Expect(changes).To(Equal([]breaker.Change{
			{From: closed, To: open, At: epoch},
			{From: open, To: halfOpen, At: epoch.Add(5 * time.Second)},
			{From: halfOpen, To: closed, At: epoch.Add(7 * time.Second)},
		}))
	})
})
