package scenarios

import (
	"net/http"
	"time"

	"github.com/chaos-harness/chaos/faultserver"
	"github.com/chaos-harness/chaos/resilience"
)

// Hedged requests in the simulator (policies[].hedge, issue 14). The step
// driver (resilience/hedge.go) decides everything: when a hedge is due, what
// the breaker, budget and rate limit allow, which answer settles a round.
// The simulator plays what the live engine's Transport plays, in virtual
// time:
//
//   - Every attempt of a hedging call is a flight of its own (hedgeFlight),
//     with its own events, so several are in flight at once; a call that
//     does not hedge keeps the one attempt of its simCall, untouched.
//   - An ActionSend's HedgeAfter, and an ActionAwait's Wait, wake the call
//     (evHedgeWake) to ask the driver again; each answer is reported with
//     ReportAttempt; once the driver has no attempt in flight (the round is
//     settled, or failed whole), the flights still out are the round's
//     losers, and the client cancels them at that instant.
//   - A cancelled loser is what the server sees of a client that closes its
//     connection: under service.abandoned: cancel the server stops the work
//     then and frees its slot (the playout is replayed with the cancellation
//     as the client's deadline); under finish it goes on to the end of its
//     hold. A loser still on its way is accepted with its client already
//     gone. A queue schedules a request when it arrives, from the attempt's
//     own deadline (as the live queue does from X-Chaos-Timeout), so a
//     cancelled loser keeps its place in that schedule.
//   - A loser's Record is the server's side as above, with the outcome of a
//     cancelled attempt (resilience.ClassCanceled: "error", as for a layer
//     call its caller cancelled) and received_ms the cancellation, as the
//     live engine logs its losers; it is never taken for the call's answer.
//   - A write of server.row: each flight reads the row and writes with the
//     version its own read returned; a flight cancelled in its read never
//     writes, and has no Record (the reads are not attempts).
//
// Attempt numbers (X-Chaos-Attempt) are the driver's: a hedge takes the
// next number, as in the live engine.

// Event kinds of hedging calls (between the fleet's and the layers').
const (
	evHedgeWake    eventKind = iota + 16 // a hedging call asks its driver again; e.client is the client
	evHedgeArrive                        // a flight reaches the server; e.client is the flight
	evHedgeRelease                       // the server is done with an admitted flight
	evHedgeRespond                       // the client learns a flight's outcome
)

// simHedges holds the flights of a run whose policy hedges.
type simHedges struct {
	flights []hedgeFlight // by handle
	free    []int32
	calls   []hedgeCall // by client slot
}

// hedgeCall is what a client's hedging call has out.
type hedgeCall struct {
	flights []int32       // the flights the driver still waits for, in sending order
	wakeAt  time.Duration // the wake that counts; 0 for none (a wake is never at 0: delay is above 0)
}

// hedgeFlight is one attempt of a hedging call, from its send until both
// its client and the server are done with it.
type hedgeFlight struct {
	attempt   simAttempt
	plan      faultserver.Plan // the server's decision, replayed if the attempt is cancelled in service
	lostAt    time.Duration    // when its client cancelled it
	client    int32
	logical   int32
	attemptNo int32
	events    int32  // its events still in the queue
	version   uint64 // the row version its read returned (a write of server.row)
	arrived   bool
	lost      bool // its call cancelled it (a loser)
	done      bool // its Record is complete and the driver has what it needs
}

// newSimHedges is the hedging state of a run of n client slots with cfg,
// or nil when cfg does not hedge.
func newSimHedges(cfg resilience.Config, n int) *simHedges {
	if cfg.Hedge == nil {
		return nil
	}
	return &simHedges{calls: make([]hedgeCall, n)}
}

func (hs *simHedges) take() int32 {
	if n := len(hs.free); n > 0 {
		h := hs.free[n-1]
		hs.free = hs.free[:n-1]
		return h
	}
	hs.flights = append(hs.flights, hedgeFlight{})
	return int32(len(hs.flights) - 1)
}

// release frees flight h once nobody needs it: its Record complete and no
// event of it left in the queue.
func (hs *simHedges) release(h int32) {
	f := &hs.flights[h]
	if !f.done || f.events > 0 {
		return
	}
	*f = hedgeFlight{}
	hs.free = append(hs.free, h)
}

// hedgeEvent handles an event of a hedging call.
func (sim *simulator) hedgeEvent(e event) {
	switch e.kind {
	case evHedgeWake:
		hc := &sim.hedges.calls[e.client]
		if hc.wakeAt != sim.now || len(hc.flights) == 0 {
			return // superseded, or the round is over
		}
		hc.wakeAt = 0
		sim.hedgeStep(&sim.clients[e.client], e.client)
	case evHedgeArrive:
		sim.flightArrive(e.client)
	case evHedgeRelease:
		sim.flightRelease(e.client)
	case evHedgeRespond:
		sim.flightRespond(e.client)
	}
}

// hedgeStep is step for a policy that hedges: it drives the client's call
// until it waits for an answer, a hedge's time, or a backoff.
func (sim *simulator) hedgeStep(c *simClient, id int32) {
	now := simEpoch.Add(sim.now)
	k, ok := sim.callOf(c, id, now)
	if !ok {
		return
	}
	hc := &sim.hedges.calls[id]
	st := k.call.Next(now)
	switch st.Action {
	case resilience.ActionSend:
		sim.sendFlight(c, id, hc, &st)
		if st.HedgeAfter > 0 {
			sim.wake(hc, id, sim.now+st.HedgeAfter)
		}
	case resilience.ActionAwait:
		if st.Wait > 0 {
			sim.wake(hc, id, sim.now+st.Wait)
		}
	case resilience.ActionWait:
		sim.queue.Push(sim.now+st.Wait, evStart, id)
	default:
		sim.ledger.callEnded(sim.now, st.Action, st.Attempt)
		sim.cancelFlights(hc)
		sim.finishCall(c, id)
	}
}

// wake has the call of client id ask its driver again at t; an earlier
// wake pending for another time no longer counts.
func (sim *simulator) wake(hc *hedgeCall, id int32, t time.Duration) {
	if hc.wakeAt == t {
		return
	}
	hc.wakeAt = t
	sim.queue.Push(t, evHedgeWake, id)
}

// sendFlight puts the attempt st asks for on the network.
func (sim *simulator) sendFlight(c *simClient, id int32, hc *hedgeCall, st *resilience.Step) {
	h := sim.hedges.take()
	f := &sim.hedges.flights[h]
	*f = hedgeFlight{client: id, logical: c.logical, attemptNo: int32(st.Attempt), events: 1}
	f.attempt.sentAt, f.attempt.reading = sim.now, sim.rowPath
	if st.Timeout > 0 {
		f.attempt.deadline = sim.now + st.Timeout
	}
	hc.flights = append(hc.flights, h)
	sim.queue.Push(sim.now+sim.net.draw(id, &c.hops), evHedgeArrive, h)
}

// flightArrive plays a flight at the server, as arrive does an attempt; a
// flight its client already cancelled arrives with its client gone.
func (sim *simulator) flightArrive(h int32) {
	f := &sim.hedges.flights[h]
	f.events--
	f.arrived = true
	c := &sim.clients[f.client]
	a := &f.attempt
	a.arrivedAt = sim.now
	if f.lost && (a.deadline == 0 || f.lostAt < a.deadline) {
		a.deadline = f.lostAt // before now: the server finds the client gone
	}
	req := &sim.req
	*req = faultserver.RequestInfo{Method: sim.method, Path: sim.path, ClientKey: sim.clientKey(c, f.client),
		Attempt: int(f.attemptNo), Header: sim.header, Version: f.version, Deadline: a.deadline}
	if a.reading {
		req.Method, req.Version = http.MethodGet, 0
	}
	var d faultserver.Plan
	d, a.ticket = sim.fleet.Admit(sim.now, int(sim.fleetNumber(c, f.client)), req)
	if !a.reading { // a read has a Record only if it fails (flightRespond)
		a.slot = sim.records.add(&pendingRecord{accepted: sim.now, client: f.client, logical: f.logical, attempt: f.attemptNo,
			route: sim.names.index(d.Route), phase: sim.names.index(d.Phase), fault: sim.names.index(d.Kind)})
	}
	var back time.Duration
	if !f.lost { // nobody waits for a lost flight's answer: no hop is drawn for it
		back = sim.net.draw(f.client, &c.hops)
	}
	head := req.Method == http.MethodHead
	clientAt := a.performVirtual(&d, back, head)
	if sim.grpc {
		sim.grpcPlan(a, &d)
	}
	f.plan, a.row = d, d.Row
	sim.holdTicket(a, &d, sim.finish, sim.stateful, evHedgeRelease, h)
	if a.ticket.Admitted() && sim.stateful {
		f.events++ // holdTicket scheduled its release
	}
	if f.lost {
		sim.finishLost(f)
		sim.hedges.release(h)
		return
	}
	f.events++
	sim.queue.Push(clientAt, evHedgeRespond, h)
}

// flightRelease ends the server's work on an admitted flight, as release
// does an attempt's: it commits the row operation when the client is still
// there, a write with the version its own read returned.
func (sim *simulator) flightRelease(h int32) {
	f := &sim.hedges.flights[h]
	f.events--
	a := &f.attempt
	if a.row != faultserver.RowNone && !a.abandoned {
		d := faultserver.Plan{Row: a.row}
		version := a.ticket.Commit(&d, &faultserver.RequestInfo{Version: f.version})
		if a.reading {
			f.version = version
		}
		a.status, a.bodyBytes = int32(d.Status), bodyCount(int64(len(d.Body)))
	}
	a.ticket.End(sim.now)
	sim.hedges.release(h)
}

// flightRespond gives the driver a flight's outcome, as respond does an
// attempt's; a lost flight's answer reaches nobody.
func (sim *simulator) flightRespond(h int32) {
	f := &sim.hedges.flights[h]
	f.events--
	if f.lost {
		sim.hedges.release(h)
		return
	}
	id, attemptNo := f.client, int(f.attemptNo)
	c := &sim.clients[id]
	a := &f.attempt
	kind := a.resolvedOutcome()
	if a.reading && kind == resilience.ClassOK {
		// The read before a row write: the write goes out now.
		a.reading, f.arrived = false, false
		f.events++
		sim.queue.Push(sim.now+sim.net.draw(id, &c.hops), evHedgeArrive, h)
		return
	}
	if a.reading {
		// The read itself failed: the attempt fails with it, logged as
		// the GET the server saw.
		a.slot = sim.records.add(&pendingRecord{accepted: a.arrivedAt, client: id, logical: f.logical,
			attempt: f.attemptNo, rowRead: true})
	}
	seen, kind, retryAfter, wait := sim.clientSees(a, kind)
	sim.completeRecord(a, kind, wait, sim.now)
	f.done = true
	hc := &sim.hedges.calls[id]
	for i, fh := range hc.flights {
		if fh == h {
			hc.flights = append(hc.flights[:i], hc.flights[i+1:]...)
			break
		}
	}
	sim.hedges.release(h)
	k := sim.calls.get(c.call)
	k.call.ReportAttempt(simEpoch.Add(sim.now), attemptNo, resilience.AttemptOutcome{Status: int(seen), Kind: kind, RetryAfter: retryAfter})
	if k.call.InFlight() == 0 {
		sim.cancelFlights(hc) // the round is settled: the rest lose
	}
	sim.hedgeStep(c, id)
}

// completeRecord fills in an attempt's Record from what reached the wire,
// with the outcome kind, the Retry-After's wait and when the client had the
// outcome or gave up on it.
func (sim *simulator) completeRecord(a *simAttempt, kind resilience.AttemptClass, wait, received time.Duration) {
	rec := sim.records.at(a.slot)
	rec.status, rec.end, rec.outcome = a.status, a.serverEnd, sim.names.index(kind.RecordOutcome())
	rec.retryAfter, rec.bodyBytes, rec.incomplete = wait, a.bodyBytes, a.incomplete && a.status != 0
	rec.streamEvents = a.streamEvents
	rec.grpcCode = a.grpcCode
	rec.sent, rec.received = a.sentAt, received
	sim.records.finish(a.slot)
}

// cancelFlights cancels, now, every flight the call still has out.
func (sim *simulator) cancelFlights(hc *hedgeCall) {
	for _, h := range hc.flights {
		sim.cancelFlight(h)
	}
	hc.flights = hc.flights[:0]
	hc.wakeAt = 0
}

// cancelFlight cancels flight h now: the client closes its connection.
func (sim *simulator) cancelFlight(h int32) {
	f := &sim.hedges.flights[h]
	f.lost, f.lostAt = true, sim.now
	if !f.arrived {
		return // flightArrive plays it with its client gone
	}
	a := &f.attempt
	if a.serverEnd > sim.now {
		// The server is still at it: it sees the client leave now. The
		// playout with that as the client's deadline says what it had
		// sent by then, and when its handler ended.
		left := simAttempt{arrivedAt: a.arrivedAt, deadline: sim.now}
		left.performVirtual(&f.plan, 0, sim.method == http.MethodHead)
		if sim.grpc {
			sim.grpcPlan(&left, &f.plan)
		}
		a.serverEnd, a.status, a.bodyBytes, a.incomplete = left.serverEnd, left.status, left.bodyBytes, left.incomplete
		a.streamEvents, a.grpcCode, a.raKind, a.retryAfter = left.streamEvents, left.grpcCode, left.raKind, left.retryAfter
		a.headerAt, a.abandoned = left.headerAt, true
		if !sim.finish {
			a.ticket.End(sim.now) // the work stops: its slot is free now (its release then does nothing)
		}
	}
	sim.finishLost(f)
}

// finishLost completes the Record of a flight its client cancelled; a
// flight cancelled during the read before a row write has none (the live
// engine drops the reads, and its write was never sent).
func (sim *simulator) finishLost(f *hedgeFlight) {
	a := &f.attempt
	if a.reading {
		f.done = true
		return
	}
	var wait time.Duration
	switch {
	case a.status == 0 || a.raKind == raNone:
	case a.raKind == raMillis: // a gRPC pushback (sim_grpc.go)
		wait = a.retryAfter
	default:
		_, wait = faultserver.RetryAfterHeader(a.retryAfter, a.raKind == raDate, simEpoch.Add(a.headerAt))
	}
	sim.completeRecord(a, resilience.ClassCanceled, wait, f.lostAt)
	f.done = true
}
