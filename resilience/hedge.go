package resilience

import (
	"time"

	"github.com/chaos-harness/chaos/resilience/breaker"
)

// Hedging in the step driver. With a hedge section, an ActionSend carries
// HedgeAfter: when the attempt has not answered by then, the driver calls
// Next again, which sends a hedge (another ActionSend, Step.Hedge) while
// the first is still in flight, up to Max hedges per round. While attempts
// are in flight and nothing is due, Next returns ActionAwait: wait for an
// answer, or for Step.Wait (0: for an answer only). The driver reports each
// answer with ReportAttempt. The first success, or the first answer that is
// not retried (a 404, the caller's cancellation), settles the round; the
// attempts still in flight then lose, and the driver cancels them (their
// later answers are ignored). A transient failure waits for the rest of the
// round; when the whole round failed, retry decides as after one attempt.

// hedgeSettings is the hedge section, resolved.
type hedgeSettings struct {
	delay time.Duration
	max   int
}

// hedgeState is a Call's hedging: the round of attempts in flight.
type hedgeState struct {
	flights []flight
	sent    int           // hedges sent this round
	nextAt  time.Duration // when the next hedge is due, as Call.at
	first   int           // the round's first attempt
	// answered is the attempt whose answer ReportAttempt is reporting, so
	// the events of the answer name it rather than the latest attempt sent.
	answered int
}

// flight is an attempt in flight, with its breaker admission.
type flight struct {
	attempt int
	ticket  breaker.Ticket
}

// hedgeable says whether the request may be sent twice at once: as for a
// retry, it must be safe to repeat and its body re-readable.
func (c *Call) hedgeable() bool {
	return !c.has(bitOneShot) && (c.has(bitRepeatable) || c.p.retry.nonIdempotent)
}

// startRound makes the attempt just sent the first flight of a new round.
func (c *Call) startRound(now time.Time, step *Step) {
	h := &c.x.hedge
	h.flights = append(h.flights[:0], flight{attempt: int(c.attempt), ticket: c.innerT})
	c.innerT = breaker.Ticket{}
	h.first, h.sent = int(c.attempt), 0
	if !c.hedgeable() {
		h.sent = c.p.hedge.max // no hedge for this call
		return
	}
	h.nextAt = c.p.since(now) + c.p.hedge.delay
	step.HedgeAfter = c.p.hedge.delay
}

// nextHedge is Next while attempts are in flight: a hedge when one is due
// and admitted, else ActionAwait.
func (c *Call) nextHedge(now time.Time) Step {
	h, max := &c.x.hedge, c.p.hedge.max
	if h.sent < max && c.p.since(now) >= h.nextAt {
		if step, ok := c.sendHedge(now); ok {
			return step
		}
		h.sent = max // refused: no more hedges this round
	}
	var wait time.Duration
	if h.sent < max {
		wait = h.nextAt - c.p.since(now)
	}
	return Step{Action: ActionAwait, Attempt: int(c.attempt), Wait: wait}
}

// sendHedge sends a hedge if the deadline, the breaker and the rate limit
// (without waiting: a hedge is worth sending only now) admit it.
func (c *Call) sendHedge(now time.Time) (Step, bool) {
	p := c.p
	if c.pastDeadline(p.since(now)) {
		return Step{}, false
	}
	var ticket breaker.Ticket
	for i := 0; i < p.inner.n; i++ {
		switch p.inner.g[i] {
		case gateBreaker:
			t, err := p.breaker.Allow(now)
			if err != nil {
				return Step{}, false
			}
			ticket = t
		case gateLimiter:
			if _, ok := p.reserve(now, 0); !ok {
				p.recordBreaker(now, &ticket, AttemptOutcome{Kind: ClassCanceled})
				return Step{}, false
			}
		}
	}
	h := &c.x.hedge
	c.attempt++
	h.sent++
	h.nextAt = p.since(now) + p.hedge.delay
	h.flights = append(h.flights, flight{attempt: int(c.attempt), ticket: ticket})
	p.counters.attempts.Add(1)
	p.counters.hedges.Add(1)
	p.emit(Event{Kind: EventAttempt, At: now, Key: c.key(), Attempt: int(c.attempt)})
	p.emit(Event{Kind: EventHedge, At: now, Key: c.key(), Attempt: int(c.attempt)})
	step := Step{Action: ActionSend, Attempt: int(c.attempt), Timeout: c.attemptTimeout(now), Hedge: true}
	if h.sent < p.hedge.max {
		step.HedgeAfter = p.hedge.delay
	}
	return step, true
}

// ReportAttempt reports the outcome of attempt at now. Without hedging it
// is Report for the attempt in flight; with hedging, an answer of an attempt
// that is no longer in flight (a loser the driver cancelled) is ignored.
func (c *Call) ReportAttempt(now time.Time, attempt int, o AttemptOutcome) {
	if !c.hedging() {
		if attempt == int(c.attempt) {
			c.report(now, o)
		}
		return
	}
	h := &c.x.hedge
	i := -1
	for j, f := range h.flights {
		if f.attempt == attempt {
			i = j
			break
		}
	}
	if c.phase != phaseInFlight || i < 0 {
		return
	}
	f := h.flights[i]
	h.flights = append(h.flights[:i], h.flights[i+1:]...)
	o.resolve()
	p := c.p
	if o.Kind != ClassOK && o.Kind != ClassCanceled && len(h.flights) > 0 && p.transient(o) {
		// A transient failure while others of the round are in flight:
		// count it and wait for them.
		if p.adaptive != nil {
			p.adaptive.Update(now, p.throttle.Matches(o.Kind, o.Status))
		}
		p.recordBreaker(now, &f.ticket, o)
		if p.budget != nil {
			p.budget.OnFailure()
		}
		p.emit(Event{Kind: EventAttemptFailed, At: now, Key: c.key(), Attempt: attempt,
			Outcome: o.Kind, Status: o.Status, Err: o.Err})
		c.setLast(o)
		return
	}
	// This answer settles the round; the attempts still in flight lose.
	c.cancelFlights(now, o.Kind != ClassCanceled)
	if o.Kind == ClassOK && attempt != h.first {
		p.counters.hedgesWon.Add(1)
		p.emit(Event{Kind: EventHedgeWon, At: now, Key: c.key(), Attempt: attempt})
	}
	c.innerT = f.ticket
	h.answered = attempt
	c.report(now, o)
	h.answered = 0
}

// answered is the attempt whose answer report is taking: the one in flight,
// or with hedging the one ReportAttempt names.
func (c *Call) answered() int {
	if c.hedging() && c.x.hedge.answered != 0 {
		return c.x.hedge.answered
	}
	return int(c.attempt)
}

// cancelFlights releases the admissions of the attempts in flight, which the
// driver cancels; wasted counts them as hedging's waste.
func (c *Call) cancelFlights(now time.Time, wasted bool) {
	h := &c.x.hedge
	for i := range h.flights {
		f := &h.flights[i]
		c.p.recordBreaker(now, &f.ticket, AttemptOutcome{Kind: ClassCanceled})
		if wasted {
			c.p.counters.hedgesWasted.Add(1)
			c.p.emit(Event{Kind: EventHedgeWasted, At: now, Key: c.key(), Attempt: f.attempt})
		}
	}
	h.flights = h.flights[:0]
}

// InFlight returns the attempts in flight, for a hedging driver (at most
// one without hedging).
func (c *Call) InFlight() int {
	if c.hedging() {
		return len(c.x.hedge.flights)
	}
	if c.phase == phaseInFlight {
		return 1
	}
	return 0
}
