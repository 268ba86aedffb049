package resilience_test

import (
	"context"
	"net/http"
	"net/http/httptest"
	"sync/atomic"
	"time"

	. "github.com/onsi/ginkgo/v2"
	. "github.com/onsi/gomega"

	"github.com/chaos-harness/chaos/problem"
	"github.com/chaos-harness/chaos/resilience"
)

// replaceTrace is one call driven in virtual time: when each attempt was
// sent, the final step and when it came.
type replaceTrace struct {
	sends []time.Duration
	end   time.Duration
	final resilience.Step
	call  resilience.Call
}

// driveLatencies runs one call as the simulator does: attempt i answers
// outcome (a 200 unless given) after latencies[i-1], the last repeated.
func driveLatencies(p *resilience.Policy, req resilience.RequestMeta, latencies []time.Duration, outcomes ...resilience.AttemptOutcome) replaceTrace {
	var tr replaceTrace
	now := epoch
	tr.call = p.Begin(now, req)
	for range 1000 {
		step := tr.call.Next(now)
		switch step.Action {
		case resilience.ActionSend:
			tr.sends = append(tr.sends, now.Sub(epoch))
			now = now.Add(latencies[min(step.Attempt, len(latencies))-1])
			o := resilience.AttemptOutcome{Status: 200}
			if step.Attempt <= len(outcomes) {
				o = outcomes[step.Attempt-1]
			}
			tr.call.Report(now, o)
		case resilience.ActionWait:
			now = now.Add(step.Wait)
		default:
			tr.end, tr.final = now.Sub(epoch), step
			return tr
		}
	}
	Fail("call did not finish in 1000 steps")
	return tr
}

func replacing(slowerThan time.Duration, max int) resilience.Config {
	return resilience.Config{Name: "r", Replace: &resilience.ReplaceConfig{SlowerThan: slowerThan, Max: max}}
}

var _ = Describe("replacing late answers", func() {
	s := time.Second
	get := resilience.RequestMeta{Method: http.MethodGet}

	It("sends one replacement at the late answer's time, not at the threshold, and stops at a timely answer", func() {
		var events []resilience.Event
		p := mustPolicy(replacing(15*s, 10), resilience.WithObserver(resilience.ObserverFunc(func(e resilience.Event) {
			if e.Kind == resilience.EventReplace || e.Kind == resilience.EventSuccess {
				events = append(events, e)
			}
		})))
		tr := driveLatencies(p, get, []time.Duration{20 * s, 16 * s, 2 * s})
		// 20 s > 15 s: replaced at 20 s; 16 s > 15 s: replaced at 36 s; 2 s is in time.
		Expect(tr.sends).To(Equal([]time.Duration{0, 20 * s, 36 * s}))
		Expect(tr.final.Action).To(Equal(resilience.ActionSucceed))
		Expect(tr.final.Attempt).To(Equal(3))
		Expect(tr.end).To(Equal(38 * s))
		Expect(tr.call.Replacements()).To(Equal(2))
		Expect(events).To(HaveLen(3))
		Expect(events[0].Kind).To(Equal(resilience.EventReplace))
		Expect(events[0].Delay).To(Equal(20 * s))
		Expect(events[1].Attempt).To(Equal(2))
		Expect(events[1].Delay).To(Equal(16 * s))
		Expect(events[2].Kind).To(Equal(resilience.EventSuccess))
		c := p.Counters()
		Expect(c.Replacements).To(Equal(int64(2)))
		Expect(c.Attempts).To(Equal(int64(3)))
		Expect(c.Retries).To(BeZero())
		Expect(c.Succeeded).To(Equal(int64(1)))
		Expect(c.Failed).To(BeZero())
	})

	It("does not replace an answer of exactly slower_than (late means more than it, as in Brooker's model)", func() {
		tr := driveLatencies(mustPolicy(replacing(15*s, 10)), get, []time.Duration{15 * s})
		Expect(tr.sends).To(HaveLen(1))
		Expect(tr.final.Action).To(Equal(resilience.ActionSucceed))
	})

	It("makes at most max replacements per call, the last late answer standing", func() {
		tr := driveLatencies(mustPolicy(replacing(time.Second, 3)), get, []time.Duration{5 * s})
		Expect(tr.sends).To(Equal([]time.Duration{0, 5 * s, 10 * s, 15 * s}))
		Expect(tr.final.Action).To(Equal(resilience.ActionSucceed))
		Expect(tr.end).To(Equal(20 * s))
		Expect(tr.call.Replacements()).To(Equal(3))
	})

	It("makes one replacement by default", func() {
		tr := driveLatencies(mustPolicy(replacing(time.Second, 0)), get, []time.Duration{5 * s})
		Expect(tr.sends).To(HaveLen(2))
		Expect(tr.call.Replacements()).To(Equal(1))
	})

	It("retries a replacement that fails, as any attempt, without counting the replacement as a retry", func() {
		cfg := replacing(time.Second, 1)
		cfg.Retry = &resilience.RetryConfig{MaxRetries: 1, Backoff: resilience.BackoffConstant, Base: s, Jitter: resilience.JitterNone}
		tr := driveLatencies(mustPolicy(cfg), get, []time.Duration{3 * s, 500 * time.Millisecond, 500 * time.Millisecond},
			resilience.AttemptOutcome{Status: 200}, resilience.AttemptOutcome{Status: 503})
		// late 200 at 3 s, replacement 503 at 3.5 s, retry after 1 s at 4.5 s, 200 at 5 s.
		Expect(tr.sends).To(Equal([]time.Duration{0, 3 * s, 4500 * time.Millisecond}))
		Expect(tr.final.Action).To(Equal(resilience.ActionSucceed))
		Expect(tr.call.Replacements()).To(Equal(1))
	})

	It("never replaces a request that is not safe to repeat, nor a late failure", func() {
		post := driveLatencies(mustPolicy(replacing(time.Second, 5)), resilience.RequestMeta{Method: http.MethodPost}, []time.Duration{5 * s})
		Expect(post.sends).To(HaveLen(1))
		oneShot := driveLatencies(mustPolicy(replacing(time.Second, 5)), resilience.RequestMeta{Method: http.MethodGet, OneShot: true}, []time.Duration{5 * s})
		Expect(oneShot.sends).To(HaveLen(1))
		failed := driveLatencies(mustPolicy(replacing(time.Second, 5)), get, []time.Duration{5 * s}, resilience.AttemptOutcome{Status: 404})
		Expect(failed.sends).To(HaveLen(1))
		Expect(failed.final.Action).To(Equal(resilience.ActionGiveUp))
	})

	It("keeps the late answer when the overall deadline leaves no time for a replacement", func() {
		cfg := replacing(time.Second, 5)
		cfg.Timeout = &resilience.TimeoutConfig{Overall: 8 * s}
		// 3 s late: replaced at 3 s; the replacement's 5 s answer comes at 8 s, the deadline.
		tr := driveLatencies(mustPolicy(cfg), get, []time.Duration{3 * s, 5 * s})
		Expect(tr.sends).To(Equal([]time.Duration{0, 3 * s}))
		Expect(tr.final.Action).To(Equal(resilience.ActionSucceed))
		Expect(tr.end).To(Equal(8 * s))
	})

	It("stops replacing at WithReplaceUntil: a late answer at or after it stands", func() {
		// Late answers at 20 s (replaced) and 40 s (past 30 s: it stands).
		tr := driveLatencies(mustPolicy(replacing(15*s, 100), resilience.WithReplaceUntil(epoch.Add(30*s))), get, []time.Duration{20 * s})
		Expect(tr.sends).To(Equal([]time.Duration{0, 20 * s}))
		Expect(tr.final.Action).To(Equal(resilience.ActionSucceed))
		Expect(tr.end).To(Equal(40 * s))
		Expect(driveLatencies(mustPolicy(replacing(15*s, 100), resilience.WithReplaceUntil(epoch.Add(20*s))), get, []time.Duration{20 * s}).sends).To(HaveLen(1))
	})

	It("keeps the late answer when the breaker refuses the replacement", func() {
		cfg := replacing(time.Second, 5)
		cfg.Breaker = &resilience.BreakerConfig{Failures: 1, Open: time.Minute}
		p := mustPolicy(cfg)
		// One failed call opens the breaker while the other's attempt is in flight.
		slow := p.Begin(epoch, get)
		Expect(slow.Next(epoch).Action).To(Equal(resilience.ActionSend))
		failing := driveLatencies(p, get, []time.Duration{s}, resilience.AttemptOutcome{Status: 503})
		Expect(failing.final.Action).To(Equal(resilience.ActionGiveUp))
		slow.Report(epoch.Add(5*s), resilience.AttemptOutcome{Status: 200})
		step := slow.Next(epoch.Add(5 * s))
		Expect(step.Action).To(Equal(resilience.ActionSucceed))
		Expect(step.Attempt).To(Equal(1))
		Expect(slow.Replacements()).To(Equal(1))
	})

	It("replaces late answers in Do on the injected clock", func() {
		clock := resilience.NewVirtualClock(epoch)
		p := mustPolicy(replacing(15*s, 10), resilience.WithClock(clock))
		latencies := []time.Duration{20 * s, 16 * s, 2 * s}
		calls := 0
		v, err := resilience.Do(context.Background(), p, func(context.Context) (int, error) {
			clock.Advance(latencies[calls])
			calls++
			return calls, nil
		})
		Expect(err).NotTo(HaveOccurred())
		Expect(v).To(Equal(3)) // the last attempt's value stands
		Expect(clock.Now().Sub(epoch)).To(Equal(38 * s))
		Expect(p.Counters().Replacements).To(Equal(int64(2)))
	})

	It("replaces late answers in the Transport, numbering the replacement as the next attempt", func() {
		clock := resilience.NewVirtualClock(epoch)
		var served atomic.Int32
		srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			if served.Add(1) == 1 {
				clock.Advance(20 * s) // the first answer is late on the policy's clock
			}
			_, _ = w.Write([]byte(r.Header.Get("X-Chaos-Attempt")))
		}))
		defer srv.Close()
		p := mustPolicy(replacing(15*s, 10), resilience.WithClock(clock))
		client := &http.Client{Transport: &resilience.Transport{Policy: p, ReadBody: true}}
		resp, err := client.Get(srv.URL)
		Expect(err).NotTo(HaveOccurred())
		defer resp.Body.Close()
		body := make([]byte, 8)
		n, _ := resp.Body.Read(body)
		Expect(string(body[:n])).To(Equal("2"))
		Expect(served.Load()).To(Equal(int32(2)))
		Expect(p.Counters().Replacements).To(Equal(int64(1)))
	})

	DescribeTable("refuses a replace section that cannot work, naming the field",
		func(cfg resilience.Config, path, msg string) {
			ps := cfg.Problems()
			Expect(ps).To(ContainElement(SatisfyAll(
				HaveField("Path", path), HaveField("Msg", ContainSubstring(msg)))), "%v", ps)
			_, err := resilience.New(cfg)
			Expect(err).To(HaveOccurred())
		},
		Entry("no slower_than", replacing(0, 1), "replace.slower_than", "must be more than 0"),
		Entry("a negative slower_than", replacing(-s, 1), "replace.slower_than", "got -1s"),
		Entry("a negative max", replacing(s, -2), "replace.max", "must be 1 or more"),
		Entry("slower_than at the attempt timeout", func() resilience.Config {
			c := replacing(2*s, 1)
			c.Timeout = &resilience.TimeoutConfig{Attempt: 2 * s}
			return c
		}(), "replace.slower_than", "not below timeout.attempt"),
		Entry("with hedge", func() resilience.Config {
			c := replacing(2*s, 1)
			c.Hedge = &resilience.HedgeConfig{Delay: s}
			return c
		}(), "replace", "does not combine with hedge"),
	)

	It("accepts a valid replace section", func() {
		Expect(replacing(15*s, 0).Problems()).To(BeEmpty())
		var none []problem.Field
		Expect(replacing(15*s, 10).Problems()).To(Equal(none))
	})
})
