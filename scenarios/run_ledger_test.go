package scenarios_test

import (
	"time"

	. "github.com/onsi/ginkgo/v2"
	. "github.com/onsi/gomega"

	"github.com/chaos-harness/chaos/analysis"
	"github.com/chaos-harness/chaos/resilience"
	"github.com/chaos-harness/chaos/resilience/breaker"
	"github.com/chaos-harness/chaos/scenarios"
)

// ledgerScenario has a phase that ends by duration, one that ends by a
// request count, an open-ended one, and a spike.
const ledgerScenario = `
seed: 1
server:
  phases:
    - {name: healthy, duration: 2s}
    - {name: outage, requests: 3, fault: {status: 503}}
    - {name: recovered}
clients: {count: 3, requests: 2, spike: {at: 1500ms, count: 1}}
policies:
  - {name: p, breaker: {failures: 1, open: 1s}, fallback: {static: {status: 200}}}
`

// at is scenario time d on the run's clock.
func at(d time.Duration) time.Time { return scenarios.SimEpoch.Add(d) }

func callEvent(kind resilience.EventKind, d time.Duration, attempt int) resilience.Event {
	return resilience.Event{Kind: kind, At: at(d), Attempt: attempt}
}

func breakerEvent(from, to breaker.State, d time.Duration) resilience.Event {
	return resilience.Event{Kind: resilience.EventBreaker, At: at(d), Change: breaker.Change{From: from, To: to, At: at(d)}}
}

const (
	closed   = breaker.Closed
	open     = breaker.Open
	halfOpen = breaker.HalfOpen
)

// ledgerEvents is a run of three clients as their policies tell it:
//
//	c0: call 1 succeeds at 0.5 s; call 2 gives up at 5 s after 3 attempts.
//	c1: its breaker opens at 1 s; call 1 is refused at 1.2 s before any
//	    attempt (unsent); half-open at 2 s, its probe fails and it opens
//	    again at 2.5 s, for 4 s; call 2 gives up then, and a fallback
//	    answers it. It is done with its breaker open until 6.5 s.
//	c2: call 1 gives up at 3.5 s after 1 attempt, which never reached the
//	    server's log.
var ledgerEvents = []struct {
	client int
	event  resilience.Event
}{
	{0, callEvent(resilience.EventSuccess, 500*time.Millisecond, 1)},
	{1, breakerEvent(closed, open, time.Second)},
	{1, callEvent(resilience.EventGaveUp, 1200*time.Millisecond, 0)},
	{1, breakerEvent(open, halfOpen, 2*time.Second)},
	{1, breakerEvent(halfOpen, open, 2500*time.Millisecond)},
	{1, callEvent(resilience.EventGaveUp, 2500*time.Millisecond, 1)},
	{1, callEvent(resilience.EventFallback, 2500*time.Millisecond, 1)},
	{2, callEvent(resilience.EventGaveUp, 3500*time.Millisecond, 1)},
	{0, callEvent(resilience.EventGaveUp, 5*time.Second, 3)},
}

// logLedgerRecords logs the Records of that run: c0's call 1 in healthy,
// the three requests of outage (c0's call 2 twice, c1's probe), and c0's
// third attempt in recovered.
func logLedgerRecords(l *scenarios.Ledger) {
	ms := time.Millisecond
	l.Logged(0, 1, 500*ms, "", "healthy")
	l.Logged(0, 2, 2200*ms, "", "outage")
	l.Logged(1, 2, 2400*ms, "", "outage")
	l.Logged(0, 2, 2700*ms, "", "outage")
	l.Logged(0, 2, 4000*ms, "", "recovered")
}

// expectLedgerRun checks the PolicyRun of that run, worked out by hand.
func expectLedgerRun(run scenarios.PolicyRun) {
	s := time.Second
	Expect(run.Name).To(Equal("p"))
	// Calls: c0 2, c1 2, c2 1. Succeeded: c0's first. A fallback: c1's
	// second. Given up: c0's second, c1's first, c2's. Unsent: c1's first.
	Expect(run.LogicalRequests).To(Equal(int64(5)))
	Expect(run.Succeeded).To(Equal(int64(1)))
	Expect(run.Fallbacks).To(Equal(int64(1)))
	Expect(run.GaveUp).To(Equal(int64(3)))
	Expect(run.Unsent).To(Equal(int64(1)))
	// 5 Records; reached: c0's calls 1 and 2, c1's call 2, so of the 5 - 1
	// sent calls one (c2's) left no Record.
	Expect(run.Attempts).To(Equal(int64(5)))
	Expect(run.Unreached).To(Equal(int64(1)))
	// The last call ended at 5 s.
	Expect(run.Duration).To(Equal(5 * s))
	// healthy lasts its 2 s; outage ends with its third request (2.7 s),
	// since a later phase was seen; recovered runs to the end; the spike
	// is a fault phase of no length at 1.5 s.
	Expect(run.Phases).To(Equal([]analysis.Phase{
		{Name: "healthy", Policy: "p", Start: 0, End: 2 * s},
		{Name: "outage", Policy: "p", Start: 2 * s, End: 2700 * time.Millisecond, Fault: true},
		{Name: "recovered", Policy: "p", Start: 2700 * time.Millisecond, End: 5 * s},
		{Name: "spike", Policy: "p", Start: 1500 * time.Millisecond, End: 1500 * time.Millisecond, Fault: true},
	}))
	// c1's breaker: open 1-2 s, then from 2.5 s until 6.5 s, still open
	// when the run ends, so cut at 5 s.
	Expect(run.BreakerOpen).To(Equal([]analysis.Interval{{Start: s, End: 2 * s}, {Start: 2500 * time.Millisecond, End: 5 * s}}))
}

var _ = Describe("the run ledger", func() {
	It("counts calls, breaker spans, phases, unsent and unreached requests from the policies' events and the Records", func() {
		l := scenarios.NewLedger(parse(ledgerScenario), "p", 3)
		for _, e := range ledgerEvents {
			l.Event(e.client, e.event)
		}
		l.ClientDone(1, at(6500*time.Millisecond))
		logLedgerRecords(l)
		expectLedgerRun(l.PolicyRun())
	})

	It("counts the same from the calls' final steps, its breaker observer taking only the breaker's events", func() {
		l := scenarios.NewLedger(parse(ledgerScenario), "p", 3)
		for _, e := range ledgerEvents {
			l.BreakerObserver(e.client).Observe(e.event) // call events are ignored: the steps tell them
			switch e.event.Kind {
			case resilience.EventSuccess:
				l.CallEnded(e.event.At.Sub(scenarios.SimEpoch), resilience.ActionSucceed, e.event.Attempt)
			case resilience.EventGaveUp:
				if e.client == 1 && e.event.Attempt == 1 {
					continue // the fallback's step comes instead
				}
				l.CallEnded(e.event.At.Sub(scenarios.SimEpoch), resilience.ActionGiveUp, e.event.Attempt)
			case resilience.EventFallback:
				l.CallEnded(e.event.At.Sub(scenarios.SimEpoch), resilience.ActionFallback, e.event.Attempt)
			}
		}
		l.ClientDone(1, at(6500*time.Millisecond))
		logLedgerRecords(l)
		expectLedgerRun(l.PolicyRun())
	})

	It("ends the span of a breaker whose open period ended before its client was done where the period ended", func() {
		s := parse(ledgerScenario)
		l := scenarios.NewLedger(s, "p", 2)
		// Client 0's breaker (1 failure trips it, open 1 s) trips at 1 s,
		// so it is open until 2 s; its last call ended at 1.5 s, but the
		// client is done (and asks its breaker) only at 2.5 s. Client 1's
		// call ends at 3 s, the end of the run.
		cfg := s.Policies[0].Config.Breaker
		b, err := breaker.New(breaker.Settings{Failures: cfg.Failures, Open: cfg.Open}, func(ch breaker.Change) {
			l.Event(0, resilience.Event{Kind: resilience.EventBreaker, At: ch.At, Change: ch})
		})
		Expect(err).NotTo(HaveOccurred())
		ticket, err := b.Allow(at(time.Second))
		Expect(err).NotTo(HaveOccurred())
		b.Report(at(time.Second), ticket, breaker.Failure)
		l.Event(0, callEvent(resilience.EventGaveUp, 1500*time.Millisecond, 1))
		l.Event(1, callEvent(resilience.EventSuccess, 3*time.Second, 1))
		// Asking performs the half-open transition that came due at 2 s,
		// which ends the span; OpenUntil is then zero, and adds nothing: the
		// span is 1-2 s, not 1-2.5 s.
		until := b.OpenUntil(at(2500 * time.Millisecond))
		Expect(until.IsZero()).To(BeTrue())
		l.ClientDone(0, until)
		Expect(l.PolicyRun().BreakerOpen).To(Equal([]analysis.Interval{{Start: time.Second, End: 2 * time.Second}}))
	})
})

// ledgerBothEngines trips each client's breaker on the script's two 503s
// (per client, so the outcomes do not depend on timing), and keeps it open
// for the rest of the run; a static fallback answers what fails.
const ledgerBothEngines = `
seed: 3
server:
  per: client
  phases:
    - {name: failing, requests: 2, fault: {status: 503}}
    - {name: healthy}
clients: {count: 20, requests: 3, think: 10ms, time_scale: 0.5}
policies:
  - name: trip
    retry: {max_retries: 3, base: 10ms, cap: 50ms}
    breaker: {failures: 2, open: 10m}
    fallback: {static: {status: 200}}
  - name: retry
    retry: {max_retries: 3, base: 10ms, cap: 50ms}
`

var _ = Describe("the run ledger in both engines", func() {
	It("reports the same calls, attempts, unsent, unreached, breaker spans and phases in sim and live", func() {
		sim, live := bothEngines(parse(ledgerBothEngines))
		// Per client, trip: call 1 fails twice, which trips the breaker, so
		// its retry is refused and the fallback answers; calls 2 and 3 are
		// refused before any attempt (unsent) and answered too. retry: call 1
		// succeeds at its third attempt, calls 2 and 3 at their first.
		want := map[string]scenarios.PolicyRun{
			"trip":  {LogicalRequests: 60, Fallbacks: 60, Unsent: 40, Attempts: 40},
			"retry": {LogicalRequests: 60, Succeeded: 60, Attempts: 100},
		}
		for i, name := range []string{"trip", "retry"} {
			for _, out := range []*scenarios.AnalyzedRun{sim, live} {
				got := out.Run.Policies[i]
				Expect(got.Name).To(Equal(name))
				w := want[name]
				Expect([]int64{got.LogicalRequests, got.Succeeded, got.Fallbacks, got.GaveUp, got.Unsent, got.Unreached, got.Attempts}).
					To(Equal([]int64{w.LogicalRequests, w.Succeeded, w.Fallbacks, w.GaveUp, w.Unsent, w.Unreached, w.Attempts}), "%s, %s engine", name, out.Run.Engine)
				// Per client: no shared timeline.
				Expect(got.Phases).To(BeEmpty())
				// The breakers stay open to the end of the run: their spans
				// merge into one that ends there.
				if name == "trip" {
					Expect(got.BreakerOpen).To(HaveLen(1))
					Expect(got.BreakerOpen[0].End).To(Equal(got.Duration))
				} else {
					Expect(got.BreakerOpen).To(BeEmpty())
				}
			}
		}
	})
})
