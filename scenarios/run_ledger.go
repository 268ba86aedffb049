package scenarios

import (
	"time"

	"github.com/chaos-harness/chaos/analysis"
	"github.com/chaos-harness/chaos/resilience"
	"github.com/chaos-harness/chaos/resilience/breaker"
)

// runLedger is one policy's run bookkeeping, the same for both engines: what
// the run counts beyond its Records, and what PolicyRun reports. The engines
// only drive the run; they feed the ledger what their clients' policies did
// and the Records the server logged, and read the PolicyRun from it.
//
//   - Calls: how each logical request ended (succeeded, gave up, answered by
//     a fallback; unsent when it ended before any attempt) and when the last
//     one did. The live engine feeds the policies' events (event); the
//     simulator, which drives each call step by step, hands over the final
//     step (callEnded), which says the same thing.
//   - Breakers: the spans in which each client's breaker was open, from the
//     policies' breaker events (event, or breakerObserver), including one
//     still open when its client is done (clientDone).
//   - Records: the attempts, the phase timeline, and which logical requests
//     reached the server's log, whence the unreached ones (logged).
//
// A ledger is used by one goroutine at a time: the live engine serializes its
// clients' events. What it keeps of each client is a clientLedger held by
// the engine's client, next to what the engine already touches. Nothing
// here allocates per attempt or per call, and the simulator reaches it
// through an interface (breakerObserver) only for the events of policies
// with a breaker, as it did before there was a ledger.
type runLedger struct {
	name     string
	spike    *Spike
	open     *OpenLoop // open-loop clients: their surges are the run's triggers
	progress *progress
	phases   phaseTracker
	breakers breakerSpans

	logical, succeeded, fallbacks, gaveUp, unsent int64
	end                                           time.Duration // when the last logical request ended

	attempts int64 // Records logged
	reached  int64 // logical requests with at least one Record

	hedges *analysis.Hedges // the policy's hedging, from its events; nil when it does not hedge

	replaced *int // late answers the policy replaced (replace:); nil when it does not replace
}

// clientLedger is what the ledger keeps of one client.
type clientLedger struct {
	openSince time.Duration // when its breaker last opened
	logged    int32         // the highest logical request of it with a Record
	open      bool          // its breaker is open
}

// newRunLedger is the ledger of one policy's run of s.
func newRunLedger(s *Scenario, policy string, prog *progress) *runLedger {
	l := &runLedger{name: policy, spike: s.Clients.Spike, open: s.Clients.Open, progress: prog, phases: newPhaseTracker(&s.Server)}
	if p, err := s.Policy(policy); err == nil && p.Config.Hedge != nil {
		l.hedges = &analysis.Hedges{}
	}
	if p, err := s.Policy(policy); err == nil && p.Config.Replace != nil {
		l.replaced = new(int)
	}
	return l
}

// event takes an event of client c's policy: a call's end, a fallback, a
// breaker transition; the rest tells the ledger nothing. A fallback's
// EventFallback follows the EventGaveUp of the failure it answers, so it
// moves that call from the given up to the fallbacks.
func (l *runLedger) event(c *clientLedger, e *resilience.Event) {
	switch e.Kind {
	case resilience.EventSuccess:
		l.callEnded(e.At.Sub(simEpoch), resilience.ActionSucceed, e.Attempt)
	case resilience.EventGaveUp:
		l.callEnded(e.At.Sub(simEpoch), resilience.ActionGiveUp, e.Attempt)
	case resilience.EventFallback:
		l.gaveUp--
		l.fallbacks++
	case resilience.EventBreaker:
		l.breakerChanged(c, e.Change)
	case resilience.EventHedge, resilience.EventHedgeWon, resilience.EventHedgeWasted:
		l.hedged(e.Kind)
	case resilience.EventReplace:
		l.replacements(1)
	}
}

// replacements counts n late answers replaced: an EventReplace each, or a
// call's Replacements as the simulator hands them over when it ends.
func (l *runLedger) replacements(n int) {
	if l.replaced != nil {
		*l.replaced += n
	}
}

// hedged counts a hedge sent, won or wasted.
func (l *runLedger) hedged(kind resilience.EventKind) {
	if l.hedges == nil {
		return
	}
	switch kind {
	case resilience.EventHedge:
		l.hedges.Sent++
	case resilience.EventHedgeWon:
		l.hedges.Won++
	default:
		l.hedges.Wasted++
	}
}

// callEnded counts a logical request that ended at `at` (scenario time) with
// the final action how, after this many attempts.
func (l *runLedger) callEnded(at time.Duration, how resilience.Action, attempts int) {
	l.logical++
	switch how {
	case resilience.ActionSucceed:
		l.succeeded++
	case resilience.ActionFallback:
		l.fallbacks++
	default:
		l.gaveUp++
	}
	if attempts == 0 {
		l.unsent++
	}
	l.end = max(l.end, at)
	l.progress.add(1)
}

// breakerObserver is the observer of a client's own policy for a driver that
// counts its calls itself (callEnded): it passes on the breaker transitions
// and the hedges (client is nil for a policy without a breaker).
type breakerObserver struct {
	ledger *runLedger
	client *clientLedger
}

// Observe takes an event of the client's policy.
func (o *breakerObserver) Observe(e resilience.Event) {
	switch e.Kind {
	case resilience.EventBreaker:
		o.ledger.breakerChanged(o.client, e.Change)
	case resilience.EventHedge, resilience.EventHedgeWon, resilience.EventHedgeWasted:
		o.ledger.hedged(e.Kind)
	}
}

// breakerChanged opens or closes a client's breaker span. A span ends at the
// transition out of open, whose At is the end of the open period even when
// the breaker noticed it later (resilience.BreakerChange).
func (l *runLedger) breakerChanged(c *clientLedger, ch breaker.Change) {
	switch {
	case ch.To == breaker.Open && !c.open:
		c.open, c.openSince = true, ch.At.Sub(simEpoch)
	case ch.From == breaker.Open && ch.To != breaker.Open && c.open:
		c.open = false
		l.breakers.add(c.openSince, ch.At.Sub(simEpoch))
	}
}

// clientDone closes the span of a client that has made its last request
// with its breaker still open: the span ends when the open period does,
// openUntil, which the engine asks the breaker for (Breaker.OpenUntil) just
// before. Asking performs a transition that came due since the breaker was
// last used, which the client's observer takes as the span's end; so when
// the breaker has no open period left (openUntil zero) the span is already
// closed, and nothing is added.
func (l *runLedger) clientDone(c *clientLedger, openUntil time.Time) {
	if !c.open {
		return
	}
	c.open = false
	if !openUntil.IsZero() {
		l.breakers.add(c.openSince, openUntil.Sub(simEpoch))
	}
}

// logged counts an attempt of client c's logical request that the server
// logged, accepted at `at` (scenario time) in the route and phase it names.
// A client's Records must come in the order of its logical requests, as the
// simulator's do in acceptance order; a logical request numbered 0 is never
// counted as reached.
func (l *runLedger) logged(c *clientLedger, logical int32, at time.Duration, route, phase string) {
	l.attempts++
	l.phases.observe(at, route, phase)
	if logical > c.logged {
		c.logged = logical
		l.reached++
	}
}

// policyRun is the PolicyRun of the run, once every call has ended and every
// Record is logged. The phases and breaker spans are cut where the last
// logical request ended.
func (l *runLedger) policyRun() PolicyRun {
	out := PolicyRun{Name: l.name, LogicalRequests: l.logical, Succeeded: l.succeeded, Fallbacks: l.fallbacks,
		GaveUp: l.gaveUp, Unsent: l.unsent, Unreached: l.logical - l.unsent - l.reached,
		Attempts: l.attempts, Duration: l.end}
	out.Phases = l.phases.spans(l.name, l.end)
	if sp := l.spike; sp != nil && sp.At <= l.end {
		out.Phases = append(out.Phases, spikePhase(l.name, sp))
	}
	if l.open != nil {
		out.Phases = append(out.Phases, l.open.surgePhases(l.name, l.end)...)
	}
	out.BreakerOpen = l.breakers.spans(l.end)
	out.Hedges = l.hedges
	out.Replacements = l.replaced
	return out
}
