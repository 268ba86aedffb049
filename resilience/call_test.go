package resilience_test

import (
	"context"
	"errors"
	"math/rand/v2"
	"net/http"
	"time"

	. "github.com/onsi/ginkgo/v2"
	. "github.com/onsi/gomega"

	"github.com/chaos-harness/chaos/resilience"
)

// trace is what a simulated call did: the steps it was given and the time
// of each attempt, relative to the start.
type trace struct {
	steps    []resilience.Step
	attempts []time.Duration
	waits    []time.Duration
	end      time.Duration
	final    resilience.Step
}

// drive runs one call in explicit time, answering attempt i with
// outcomes[i] (the last one repeated), like the simulator does.
func drive(p *resilience.Policy, start time.Time, req resilience.RequestMeta, outcomes ...resilience.AttemptOutcome) trace {
	var tr trace
	now := start
	call := p.Begin(now, req)
	for i := 0; i < 1000; i++ {
		step := call.Next(now)
		tr.steps = append(tr.steps, step)
		switch step.Action {
		case resilience.ActionSend:
			tr.attempts = append(tr.attempts, now.Sub(start))
			o := outcomes[min(step.Attempt, len(outcomes))-1]
			call.Report(now, o)
		case resilience.ActionWait:
			tr.waits = append(tr.waits, step.Wait)
			now = now.Add(step.Wait)
		default:
			tr.end, tr.final = now.Sub(start), step
			return tr
		}
	}
	Fail("call did not finish in 1000 steps")
	return tr
}

func mustPolicy(cfg resilience.Config, opts ...resilience.Option) *resilience.Policy {
	opts = append([]resilience.Option{resilience.WithRand(rand.New(rand.NewPCG(1, 2)))}, opts...)
	p, err := resilience.New(cfg, opts...)
	Expect(err).NotTo(HaveOccurred())
	return p
}

var (
	ok200   = resilience.AttemptOutcome{Status: 200}
	fail503 = resilience.AttemptOutcome{Status: 503}
	get     = resilience.RequestMeta{Method: http.MethodGet}
	post    = resilience.RequestMeta{Method: http.MethodPost}
)

func constantRetry(retries int, d time.Duration) *resilience.RetryConfig {
	return &resilience.RetryConfig{MaxRetries: retriesOf(retries), Backoff: "constant", Base: time.Duration(d), Jitter: "none"}
}

func giveUp(t trace) *resilience.GiveUpError {
	var g *resilience.GiveUpError
	ExpectWithOffset(1, errors.As(t.final.Err, &g)).To(BeTrue(), "final step %+v", t.final)
	return g
}

var _ = Describe("Call, the step driver", func() {
	It("succeeds at the first attempt with one Send and no waits", func() {
		p := mustPolicy(resilience.Config{Retry: &resilience.RetryConfig{}})
		t := drive(p, epoch, get, ok200)
		Expect(t.final.Action).To(Equal(resilience.ActionSucceed))
		Expect(t.attempts).To(Equal([]time.Duration{0}))
		c := p.Counters()
		Expect([]int64{c.Requests, c.Succeeded, c.Attempts, c.Retries}).To(Equal([]int64{1, 1, 1, 0}))
		Expect(c.SuccessRate()).To(Equal(1.0))
	})

	It("retries transient failures after the backoff delay, numbering attempts from 1", func() {
		p := mustPolicy(resilience.Config{Retry: constantRetry(3, 250*time.Millisecond)})
		t := drive(p, epoch, get, fail503, resilience.AttemptOutcome{Err: resilience.ErrReset}, ok200)
		Expect(t.final.Action).To(Equal(resilience.ActionSucceed))
		Expect(t.attempts).To(Equal([]time.Duration{0, 250 * time.Millisecond, 500 * time.Millisecond}))
		Expect(t.steps[0].Attempt).To(Equal(1))
		Expect(t.final.Attempt).To(Equal(3))
	})

	It("repeats its final step, a fallback answer or a failure, whenever asked after it ended", func() {
		static := &resilience.StaticResponse{Status: 200, Body: "cached"}
		p := mustPolicy(resilience.Config{Retry: constantRetry(1, time.Second),
			Fallback: &resilience.FallbackConfig{Static: static}})
		t := drive(p, epoch, get, fail503)
		Expect(t.final.Action).To(Equal(resilience.ActionFallback))
		Expect(t.final.Fallback).To(Equal(resilience.FallbackStatic))
		Expect(t.final.Static).To(BeIdenticalTo(static))
		Expect(t.final.Attempt).To(Equal(2))
		Expect(t.final.Err).To(MatchError(ContainSubstring("gave up after 2 attempts")))

		call := p.Begin(epoch, get)
		Expect(call.Next(epoch).Action).To(Equal(resilience.ActionSend))
		call.Report(epoch, fail503)
		Expect(call.Next(epoch.Add(time.Second)).Action).To(Equal(resilience.ActionSend))
		call.Report(epoch.Add(time.Second), fail503)
		first := call.Next(epoch.Add(time.Second))
		Expect(first).To(Equal(t.final))
		Expect(call.Next(epoch.Add(time.Hour))).To(Equal(first))
		Expect(call.Abort(epoch.Add(time.Hour), context.Canceled)).To(Equal(first))

		plain := mustPolicy(resilience.Config{Retry: constantRetry(1, time.Second)})
		call = plain.Begin(epoch, get)
		call.Next(epoch)
		call.Report(epoch, resilience.AttemptOutcome{Status: 404})
		gave := call.Next(epoch)
		Expect(gave).To(Equal(resilience.Step{Action: resilience.ActionGiveUp, Attempt: 1, Err: gave.Err}))
		Expect(gave.Err).To(MatchError(ContainSubstring("status 404")))
		Expect(call.Next(epoch.Add(time.Minute))).To(Equal(gave))
	})

	It("asks again for the rest of a wait when called early", func() {
		p := mustPolicy(resilience.Config{Retry: constantRetry(1, time.Second)})
		call := p.Begin(epoch, get)
		Expect(call.Next(epoch).Action).To(Equal(resilience.ActionSend))
		call.Report(epoch, fail503)
		Expect(call.Next(epoch.Add(300 * time.Millisecond))).To(HaveField("Wait", 700*time.Millisecond))
		Expect(call.Next(epoch.Add(time.Second))).To(HaveField("Attempt", 2))
		Expect(call.Next(epoch.Add(time.Second)).Err).To(MatchError(ContainSubstring("Report first")))
	})

	It("retries exactly RFC 9110's idempotent methods, compared case-sensitively, and no other", func() {
		p := mustPolicy(resilience.Config{Retry: constantRetry(2, time.Millisecond)})
		// RFC 9110 §9.2.2: GET, HEAD, OPTIONS, TRACE, PUT and DELETE are
		// idempotent; with max_retries 2 each makes 3 attempts on 503s.
		for _, m := range []string{"GET", "HEAD", "OPTIONS", "TRACE", "PUT", "DELETE"} {
			t := drive(p, epoch, resilience.RequestMeta{Method: m}, fail503)
			Expect(t.attempts).To(HaveLen(3), m)
			Expect(giveUp(t).Reason).To(Equal(resilience.ReasonExhausted), m)
		}
		// Method names are case-sensitive (§9.1): "post" and "get" are unknown
		// methods, as unsafe as the WebDAV LOCK and MKCOL: one attempt each.
		for _, m := range []string{"post", "get", "Put", "LOCK", "MKCOL", "PATCH", "POST", "CONNECT", "PROPFIND"} {
			t := drive(p, epoch, resilience.RequestMeta{Method: m}, fail503)
			Expect(t.attempts).To(HaveLen(1), m)
			Expect(giveUp(t).Reason).To(Equal(resilience.ReasonNotIdempotent), m)
		}
	})

	It("gives up after 1+max_retries attempts with an error that counts them and wraps the last failure", func() {
		p := mustPolicy(resilience.Config{Retry: constantRetry(2, 100*time.Millisecond)})
		t := drive(p, epoch, get, fail503)
		Expect(t.final.Action).To(Equal(resilience.ActionGiveUp))
		Expect(t.attempts).To(HaveLen(3))
		g := giveUp(t)
		Expect(g.Reason).To(Equal(resilience.ReasonExhausted))
		Expect(t.final.Err).To(MatchError("gave up after 3 attempts (retries exhausted): status 503 Service Unavailable"))
		var se *resilience.StatusError
		Expect(errors.As(t.final.Err, &se)).To(BeTrue())
		Expect(se.Code).To(Equal(503))
		Expect(p.Counters().Failed).To(Equal(int64(1)))
	})

	It("does not retry other 4xx, 501, unknown errors or the caller's cancellation", func() {
		p := mustPolicy(resilience.Config{Retry: constantRetry(3, time.Millisecond)})
		for _, o := range []resilience.AttemptOutcome{{Status: 404}, {Status: 501}, {Err: errors.New("bad input")}, {Err: context.Canceled}} {
			t := drive(p, epoch, get, o)
			Expect(t.attempts).To(HaveLen(1), "%+v", o)
			Expect(t.final.Action).To(Equal(resilience.ActionGiveUp))
		}
	})

	It("retries POST only after a refused dial, an Idempotency-Key, or an opt-in", func() {
		p := mustPolicy(resilience.Config{Retry: constantRetry(2, time.Millisecond)})
		t := drive(p, epoch, post, fail503)
		Expect(t.attempts).To(HaveLen(1))
		Expect(giveUp(t).Reason).To(Equal(resilience.ReasonNotIdempotent))
		t = drive(p, epoch, post, resilience.AttemptOutcome{Err: resilience.ErrRefused}, ok200)
		Expect(t.attempts).To(HaveLen(2))
		keyed := post
		keyed.Idempotent = true
		Expect(drive(p, epoch, keyed, fail503, ok200).attempts).To(HaveLen(2))
		optIn := constantRetry(2, time.Millisecond)
		optIn.NonIdempotent = true
		Expect(drive(mustPolicy(resilience.Config{Retry: optIn}), epoch, post, fail503, ok200).attempts).To(HaveLen(2))
	})

	Describe("Retry-After", func() {
		retry := func(mod func(*resilience.RetryConfig)) *resilience.Policy {
			r := constantRetry(3, 100*time.Millisecond)
			mod(r)
			return mustPolicy(resilience.Config{Retry: r})
		}

		It("waits exactly what the server asks instead of the backoff", func() {
			p := retry(func(*resilience.RetryConfig) {})
			t := drive(p, epoch, get, resilience.AttemptOutcome{Status: 429, RetryAfter: "2"},
				resilience.AttemptOutcome{Status: 503, RetryAfter: epoch.Add(2*time.Second + 5*time.Second).Format(http.TimeFormat)}, ok200)
			Expect(t.waits).To(Equal([]time.Duration{2 * time.Second, 5 * time.Second}))
		})

		It("falls back to the backoff on garbage, and ignores the header in ignore mode", func() {
			p := retry(func(*resilience.RetryConfig) {})
			t := drive(p, epoch, get, resilience.AttemptOutcome{Status: 429, RetryAfter: "-3"}, ok200)
			Expect(t.waits).To(Equal([]time.Duration{100 * time.Millisecond}))
			p = retry(func(r *resilience.RetryConfig) { r.RetryAfter = resilience.RetryAfterIgnore })
			t = drive(p, epoch, get, resilience.AttemptOutcome{Status: 429, RetryAfter: "2"}, ok200)
			Expect(t.waits).To(Equal([]time.Duration{100 * time.Millisecond}))
		})

		It("fails fast with the asked delay when it exceeds the maximum", func() {
			p := retry(func(r *resilience.RetryConfig) { r.RetryAfterMax = 10 * time.Second })
			t := drive(p, epoch, get, resilience.AttemptOutcome{Status: 503, RetryAfter: "3600"})
			Expect(t.attempts).To(HaveLen(1))
			Expect(t.end).To(BeZero())
			var ra *resilience.RetryAfterError
			Expect(errors.As(t.final.Err, &ra)).To(BeTrue())
			Expect(ra.Asked).To(Equal(time.Hour))
			Expect(t.final.Err).To(MatchError(resilience.ErrRetryAfterTooLong))
		})

		It("adds bounded jitter on top of the asked delay", func() {
			p := retry(func(r *resilience.RetryConfig) { r.RetryAfterJitter = time.Second })
			seen := map[time.Duration]bool{}
			for range 50 {
				t := drive(p, epoch, get, resilience.AttemptOutcome{Status: 429, RetryAfter: "2"}, ok200)
				Expect(t.waits[0]).To(BeNumerically(">=", 2*time.Second))
				Expect(t.waits[0]).To(BeNumerically("<=", 3*time.Second))
				seen[t.waits[0]] = true
			}
			Expect(len(seen)).To(BeNumerically(">", 40))
		})
	})

	It("keeps decorrelated jitter's previous delay per call and is reproducible by seed", func() {
		cfg := resilience.Config{Retry: &resilience.RetryConfig{MaxRetries: retriesOf(6), Jitter: "decorrelated", Cap: time.Hour}}
		a := drive(mustPolicy(cfg), epoch, get, fail503)
		b := drive(mustPolicy(cfg), epoch, get, fail503)
		Expect(a.waits).To(Equal(b.waits))
		Expect(a.waits).To(HaveLen(6))
		prev := 100 * time.Millisecond
		for _, w := range a.waits {
			Expect(w).To(BeNumerically(">=", 100*time.Millisecond))
			Expect(w).To(BeNumerically("<=", 3*prev))
			prev = w
		}
	})

	It("bounds attempts by the overall deadline and refuses a retry that would end past it", func() {
		p := mustPolicy(resilience.Config{Retry: constantRetry(10, 400*time.Millisecond),
			Timeout: &resilience.TimeoutConfig{Attempt: 300 * time.Millisecond, Overall: time.Second}})
		t := drive(p, epoch, get, resilience.AttemptOutcome{Err: resilience.ErrAttemptTimeout})
		Expect(t.attempts).To(Equal([]time.Duration{0, 400 * time.Millisecond, 800 * time.Millisecond}))
		Expect(t.steps[0].Timeout).To(Equal(300 * time.Millisecond))
		Expect(t.steps[len(t.steps)-2].Timeout).To(Equal(200 * time.Millisecond)) // what is left of the second
		Expect(giveUp(t).Reason).To(Equal(resilience.ReasonDeadline))
		Expect(t.final.Err).To(MatchError(resilience.ErrDeadline))
	})

	It("reports events in order to the observer", func() {
		var kinds []resilience.EventKind
		var retry resilience.Event
		p := mustPolicy(resilience.Config{Name: "p1", Retry: constantRetry(2, time.Second)},
			resilience.WithObserver(resilience.ObserverFunc(func(e resilience.Event) {
				kinds = append(kinds, e.Kind)
				if e.Kind == resilience.EventRetry {
					retry = e
				}
			})))
		drive(p, epoch, get, resilience.AttemptOutcome{Status: 429, RetryAfter: "1"}, ok200)
		Expect(kinds).To(Equal([]resilience.EventKind{resilience.EventAttempt, resilience.EventAttemptFailed,
			resilience.EventRetry, resilience.EventAttempt, resilience.EventSuccess}))
		Expect(retry).To(And(HaveField("Policy", "p1"), HaveField("Delay", time.Second),
			HaveField("FromRetryAfter", true), HaveField("Status", 429), HaveField("At", epoch)))
	})

	It("lets a predicate decide over the outcome before the on list", func() {
		p := mustPolicy(resilience.Config{Retry: constantRetry(2, time.Millisecond)},
			resilience.WithRetryIf(func(o resilience.AttemptOutcome) resilience.RetryDecision {
				switch o.Status {
				case 409:
					return resilience.DecideRetry
				case 503:
					return resilience.DecideStop
				}
				return resilience.DecideDefault
			}))
		Expect(drive(p, epoch, get, resilience.AttemptOutcome{Status: 409}, ok200).attempts).To(HaveLen(2))
		Expect(drive(p, epoch, get, fail503).attempts).To(HaveLen(1))
		Expect(drive(p, epoch, get, resilience.AttemptOutcome{Status: 502}, ok200).attempts).To(HaveLen(2))
	})

	It("releases everything on Abort and reports the caller's error", func() {
		p := mustPolicy(resilience.Config{Retry: constantRetry(2, time.Second), Breaker: &resilience.BreakerConfig{HalfOpenProbes: 1}})
		call := p.Begin(epoch, get)
		call.Next(epoch)
		call.Report(epoch, fail503)
		step := call.Abort(epoch, context.Canceled)
		Expect(step.Action).To(Equal(resilience.ActionGiveUp))
		Expect(step.Err).To(MatchError(context.Canceled))
	})
})
