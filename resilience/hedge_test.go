package resilience_test

import (
	"time"

	. "github.com/onsi/ginkgo/v2"
	. "github.com/onsi/gomega"

	"github.com/chaos-harness/chaos/resilience"
)

// answer is what attempt i (1-based) of a hedged drive gets: after latency,
// outcome.
type answer struct {
	latency time.Duration
	outcome resilience.AttemptOutcome
}

type hedgeTrace struct {
	sends []time.Duration // when each attempt was sent
	hedge []bool          // whether it was a hedge
	end   time.Duration
	final resilience.Step
}

// driveHedged runs one call in virtual time as a hedging driver does:
// attempt i answers answers[i-1] (the last repeated) after its latency;
// ActionAwait waits for the earliest answer or Step.Wait.
func driveHedged(p *resilience.Policy, req resilience.RequestMeta, answers ...answer) hedgeTrace {
	var tr hedgeTrace
	now := epoch
	type pending struct {
		attempt int
		at      time.Time
		o       resilience.AttemptOutcome
	}
	var inFlight []pending
	call := p.Begin(now, req)
	for range 1000 {
		step := call.Next(now)
		switch step.Action {
		case resilience.ActionSend:
			a := answers[min(step.Attempt, len(answers))-1]
			tr.sends, tr.hedge = append(tr.sends, now.Sub(epoch)), append(tr.hedge, step.Hedge)
			inFlight = append(inFlight, pending{step.Attempt, now.Add(a.latency), a.outcome})
		case resilience.ActionAwait:
			first := 0
			for i, f := range inFlight {
				if f.at.Before(inFlight[first].at) {
					first = i
				}
			}
			if step.Wait > 0 && (len(inFlight) == 0 || now.Add(step.Wait).Before(inFlight[first].at)) {
				now = now.Add(step.Wait)
				continue
			}
			Expect(inFlight).NotTo(BeEmpty(), "awaiting with nothing in flight")
			f := inFlight[first]
			inFlight = append(inFlight[:first], inFlight[first+1:]...)
			now = f.at
			call.ReportAttempt(now, f.attempt, f.o)
		case resilience.ActionWait:
			now = now.Add(step.Wait)
		default:
			tr.end, tr.final = now.Sub(epoch), step
			return tr
		}
	}
	Fail("hedged call did not finish in 1000 steps")
	return tr
}

var _ = Describe("hedging in the step driver", func() {
	ms := time.Millisecond
	hedged := func(delay time.Duration, max int) *resilience.Policy {
		return mustPolicy(resilience.Config{Hedge: &resilience.HedgeConfig{Delay: delay, Max: max}})
	}

	It("sends a hedge when the first attempt has not answered in delay, and the first answer wins", func() {
		p := hedged(30*ms, 1)
		var kinds []resilience.EventKind
		p = mustPolicy(p.Config(), resilience.WithObserver(resilience.ObserverFunc(func(e resilience.Event) { kinds = append(kinds, e.Kind) })))
		// attempt 1 would answer at 100ms; the hedge goes at 30ms and answers at 50ms.
		t := driveHedged(p, get, answer{100 * ms, ok200}, answer{20 * ms, ok200})
		Expect(t.final.Action).To(Equal(resilience.ActionSucceed))
		Expect(t.sends).To(Equal([]time.Duration{0, 30 * ms}))
		Expect(t.hedge).To(Equal([]bool{false, true}))
		Expect(t.end).To(Equal(50 * ms))
		c := p.Counters()
		Expect([]int64{c.Attempts, c.Hedges, c.HedgesWon, c.HedgesWasted}).To(Equal([]int64{2, 1, 1, 1}))
		Expect(kinds).To(Equal([]resilience.EventKind{resilience.EventAttempt, resilience.EventAttempt, resilience.EventHedge,
			resilience.EventHedgeWasted, resilience.EventHedgeWon, resilience.EventSuccess}))
	})

	It("sends no hedge when the first attempt answers within delay", func() {
		p := hedged(30*ms, 1)
		t := driveHedged(p, get, answer{10 * ms, ok200})
		Expect(t.sends).To(Equal([]time.Duration{0}))
		Expect(p.Counters().Hedges).To(BeZero())
	})

	It("sends up to max hedges, delay apart, and cancels every loser", func() {
		p := hedged(30*ms, 2)
		t := driveHedged(p, get, answer{100 * ms, ok200}, answer{100 * ms, ok200}, answer{10 * ms, ok200})
		Expect(t.sends).To(Equal([]time.Duration{0, 30 * ms, 60 * ms}))
		Expect(t.end).To(Equal(70 * ms))
		c := p.Counters()
		Expect([]int64{c.Hedges, c.HedgesWon, c.HedgesWasted}).To(Equal([]int64{2, 1, 2}))
	})

	It("waits for the rest of the round after a transient failure, and counts the original's win as no hedge's", func() {
		p := hedged(30*ms, 1)
		// attempt 1 fails (503) at 40ms while the hedge (sent at 30ms) runs to 80ms.
		t := driveHedged(p, get, answer{40 * ms, fail503}, answer{50 * ms, ok200})
		Expect(t.final.Action).To(Equal(resilience.ActionSucceed))
		Expect(t.end).To(Equal(80 * ms))
		c := p.Counters()
		Expect([]int64{c.Hedges, c.HedgesWon, c.HedgesWasted}).To(Equal([]int64{1, 1, 0}))
		// The original wins over a slower hedge: the hedge is wasted, no hedge won.
		p = hedged(30*ms, 1)
		driveHedged(p, get, answer{40 * ms, ok200}, answer{50 * ms, ok200})
		c = p.Counters()
		Expect([]int64{c.Hedges, c.HedgesWon, c.HedgesWasted}).To(Equal([]int64{1, 0, 1}))
	})

	It("settles the round on an answer that is not retried, and retries a round that failed whole", func() {
		p := hedged(30*ms, 1)
		t := driveHedged(p, get, answer{100 * ms, ok200}, answer{10 * ms, resilience.AttemptOutcome{Status: 404}})
		Expect(giveUp(trace{final: t.final}).Reason).To(Equal(resilience.ReasonNotRetryable))
		Expect(t.end).To(Equal(40 * ms))
		Expect(p.Counters().HedgesWasted).To(Equal(int64(1)))

		p = mustPolicy(resilience.Config{Retry: constantRetry(1, 5*ms), Hedge: &resilience.HedgeConfig{Delay: 30 * ms}})
		// round 1: attempts 1 (fails at 50ms) and 2 (hedge at 30ms, fails at
		// 60ms); retry after 5ms at 65ms: attempt 3 answers at 75ms.
		t = driveHedged(p, get, answer{50 * ms, fail503}, answer{30 * ms, fail503}, answer{10 * ms, ok200})
		Expect(t.sends).To(Equal([]time.Duration{0, 30 * ms, 65 * ms}))
		Expect(t.end).To(Equal(75 * ms))
		Expect(t.final.Action).To(Equal(resilience.ActionSucceed))
	})

	It("does not hedge a request that is not safe to repeat", func() {
		p := hedged(30*ms, 1)
		t := driveHedged(p, post, answer{100 * ms, ok200})
		Expect(t.sends).To(Equal([]time.Duration{0}))
	})

	It("amplifies load by exactly 1 + P(first slower than delay), by enumeration of a known latency law", func() {
		// Latency 10ms w.p. 0.5, 50ms w.p. 0.3, 200ms w.p. 0.2; delay 40ms:
		// a hedge goes exactly when the first takes longer than 40ms, so
		// attempts per call = 1 + P(L > 40ms) = 1 + 0.3 + 0.2 = 1.5.
		law := []struct {
			p float64
			l time.Duration
		}{{0.5, 10 * ms}, {0.3, 50 * ms}, {0.2, 200 * ms}}
		var attempts, latency float64
		for _, a := range law {
			for _, b := range law {
				p := hedged(40*ms, 1)
				t := driveHedged(p, get, answer{a.l, ok200}, answer{b.l, ok200})
				attempts += a.p * b.p * float64(p.Counters().Attempts)
				latency += a.p * b.p * float64(t.end)
			}
		}
		Expect(attempts).To(BeNumerically("~", 1.5, 1e-12))
		// The completion time is min(L1, 40ms + L2): E = 0.5*10 + 0.3*(0.5*50
		// + 0.3*50 + 0.2*50) + 0.2*(0.5*50 + 0.3*90 + 0.2*200) ms = 5 + 15 +
		// 18.4 = 38.4ms, against E[L] = 60ms unhedged.
		Expect(latency / float64(ms)).To(BeNumerically("~", 38.4, 1e-9))
	})

	It("names a hedge without a delay", func() {
		ps := resilience.Config{Hedge: &resilience.HedgeConfig{Max: -1}}.Problems()
		Expect(ps).To(ContainElement(HaveField("Path", "hedge.delay")))
		Expect(ps).To(ContainElement(HaveField("Path", "hedge.max")))
	})
})
