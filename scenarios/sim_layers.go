package scenarios

import (
	"context"
	"math/rand/v2"
	"net/http"
	"strconv"
	"time"

	"github.com/chaos-harness/chaos/faultserver"
	"github.com/chaos-harness/chaos/record"
	"github.com/chaos-harness/chaos/resilience"
)

// Layers in the simulator (issue 14): a server with a downstream calls the
// next layer, through that layer's one policy, for every request it serves,
// and answers by the call's outcome. Between layers there is no simulated
// network (the calls of one data centre); a layer's worker or capacity slot
// is freed when its own service time ends, not held while it waits on the
// layer below (an asynchronous server).

// streamLayer tags the random stream of a layer's policy (its jitter).
const streamLayer uint64 = 0x6c61796572 // "layer"

// Event kinds of the layers; e.client is a layer call's handle.
const (
	evLayerStep     eventKind = iota + 32 // a layer call starts, or its wait ends
	evLayerArrive                         // its attempt reaches the layer's server
	evLayerRelease                        // the layer's server is done with an admitted attempt
	evLayerRespond                        // the caller learns the attempt's outcome
	evLayerDeadline                       // the caller's client gives up on an attempt waiting on a layer call
	evTopDeadline                         // the same for an attempt of the fleet's (e.client is the client)
)

// simLayer is one layer below the server the fleet calls.
type simLayer struct {
	depth      int32 // 1 for the layer the fleet's server calls
	script     *faultserver.Script
	fleet      *faultserver.NumberedClients // its one client: the layer above
	policy     *resilience.Policy
	finish     bool  // its server finishes abandoned work
	stateful   bool  // its server has state that changes when a request ends
	failStatus int32 // what the layer above answers when a call to this one gave up
	caller     string
	calls      int32 // calls begun
	next       *simLayer
}

// layerCall is a call from a layer's server to the layer below, and the
// attempt it has in flight.
type layerCall struct {
	layer     *simLayer
	call      resilience.Call
	attempt   simAttempt
	attemptNo int32
	number    int32 // the call's number in its layer, from 1
	slot      slotRef
	// The attempt above that waits on the call: a client's (parent.depth
	// 0, parent.id the client) or a layer call's.
	parent  layerParent
	waiting bool // the attempt above still waits on the call's outcome
	aborted bool // the caller left and its server cancels the work
	// What the attempt above answers once the call succeeded, and the way
	// back to its client.
	status    int32
	bodyBytes uint32
	back      time.Duration
}

type layerParent struct{ depth, id int32 }

// simLayers holds a run's layers and their calls in progress.
type simLayers struct {
	top *simLayer
	// waiting holds, by waiting attempt, the handle of the call it waits
	// on, while its deadline is to come.
	waiting map[layerParent]int32
	calls   []*layerCall // by handle
	free    []int32
}

// newSimLayers builds the layers of s below its server for the fleet
// policy named fleet.
func newSimLayers(s *Scenario, fleet string, seed uint64) (*simLayers, error) {
	out := &simLayers{waiting: map[layerParent]int32{}}
	var above *simLayer
	for d, depth := s.Downstream, int32(1); d != nil; d, depth = d.Next, depth+1 {
		script, err := faultserver.Compile(&d.Server, seed^uint64(depth)*streamLayer)
		if err != nil {
			return nil, err
		}
		p, err := resilience.New(d.PolicyOf(fleet), resilience.WithRand(rand.New(rand.NewPCG(seed^streamLayer, uint64(depth)))))
		if err != nil {
			return nil, err
		}
		l := &simLayer{depth: depth, script: script, fleet: script.NumberedClients(1), policy: p,
			finish: script.FinishesAbandoned(), failStatus: int32(d.FailStatus), caller: layerName(int(depth) - 1),
			stateful: d.Server.Capacity != nil || d.Server.Service != nil || d.Server.Row != nil || d.Server.Queue != nil}
		if above == nil {
			out.top = l
		} else {
			above.next = l
		}
		above = l
	}
	return out, nil
}

func (ls *simLayers) take() (*layerCall, int32) {
	if n := len(ls.free); n > 0 {
		h := ls.free[n-1]
		ls.free = ls.free[:n-1]
		return ls.calls[h], h
	}
	ls.calls = append(ls.calls, &layerCall{})
	return ls.calls[len(ls.calls)-1], int32(len(ls.calls) - 1)
}

func (ls *simLayers) put(h int32) {
	*ls.calls[h] = layerCall{}
	ls.free = append(ls.free, h)
}

// served reports whether a plan is one a server serves itself, and so calls
// its downstream for: no fault, or only a delay.
func served(d *faultserver.Plan) bool {
	return d.Kind == record.FaultNone || d.Kind == record.FaultDelay
}

// callDown starts a call to layer below for attempt a (of parent), which
// its server has just played out by plan d; finish says whether that
// server finishes abandoned work. It reports whether a now waits on the
// call (its outcome is pushed when the call ends), or goes on as played.
func (sim *simulator) callDown(below *simLayer, parent layerParent, a *simAttempt, clientAt time.Duration, d *faultserver.Plan, finish bool) bool {
	if below == nil || a.reading || !served(d) {
		return false
	}
	lc, h := sim.layers.take()
	lc.layer, lc.parent = below, parent
	if a.outcome == resilience.ClassTimeout {
		// The client will not take this answer: it left during the hold,
		// or the answer would reach it after its deadline. A server that
		// saw it leave and cancels makes no call; otherwise the work (and
		// so the call) goes on to its end, for nobody.
		if a.abandoned && !finish {
			sim.layers.put(h)
			return false
		}
		sim.queue.Push(max(a.serverEnd, a.arrivedAt+d.Delay), evLayerStep, h)
		return false
	}
	lc.waiting = true
	lc.status, lc.bodyBytes, lc.back = a.status, a.bodyBytes, clientAt-a.serverEnd
	sim.queue.Push(a.serverEnd, evLayerStep, h)
	if a.deadline > 0 {
		// At the deadline, the client gives up unless the call answered.
		sim.layers.waiting[parent] = h
		kind := evLayerDeadline
		if parent.depth == 0 {
			kind = evTopDeadline
		}
		sim.queue.Push(a.deadline, kind, parent.id)
	}
	return true
}

// parentAttempt is the attempt that waits on a layer call.
func (sim *simulator) parentAttempt(p layerParent) *simAttempt {
	if p.depth == 0 {
		return &sim.calls.get(sim.clients[p.id].call).attempt
	}
	return &sim.layers.calls[p.id].attempt
}

// answerParent gives the attempt waiting on layer call lc its outcome, the
// call having ended at now (ok: it succeeded).
func (sim *simulator) answerParent(lc *layerCall, ok bool) {
	p := lc.parent
	a := sim.parentAttempt(p)
	a.serverEnd, a.status, a.bodyBytes, a.incomplete = sim.now, lc.status, lc.bodyBytes, false
	if !ok { // fail_status, with no body and no Retry-After
		a.status, a.bodyBytes, a.raKind, a.streamEvents = lc.layer.failStatus, 0, raNone, 0
	}
	clientAt := sim.now + lc.back
	a.outcome = resilience.ClassUnset
	if a.deadline > 0 && clientAt > a.deadline {
		clientAt, a.outcome = a.deadline, resilience.ClassTimeout
	}
	delete(sim.layers.waiting, p)
	kind := evLayerRespond
	if p.depth == 0 {
		kind = evRespond
	}
	sim.queue.Push(clientAt, kind, p.id)
}

// parentDeadline is an attempt's deadline while it waits on a layer call:
// if the call is still running the client gives up, and the server above,
// seeing it leave, cancels the call unless it finishes abandoned work.
func (sim *simulator) parentDeadline(p layerParent, finish bool) {
	below, found := sim.layers.waiting[p]
	if !found {
		return // the call answered first
	}
	a := sim.parentAttempt(p)
	if a.deadline != sim.now {
		return // an earlier attempt's deadline: the one waiting now has its own
	}
	delete(sim.layers.waiting, p)
	lc := sim.layers.calls[below]
	lc.waiting = false
	if !finish {
		lc.aborted = true
	}
	a.serverEnd, a.status, a.bodyBytes, a.abandoned = sim.now, 0, 0, true
	a.outcome = resilience.ClassTimeout // the client learns it now
	if p.depth == 0 {
		sim.respond(&sim.clients[p.id], p.id)
		return
	}
	sim.layerRespond(p.id)
}

// layerEvent handles an event of the layers.
func (sim *simulator) layerEvent(e event) {
	switch e.kind {
	case evLayerStep:
		sim.layerStep(e.client)
	case evLayerArrive:
		sim.layerArrive(e.client)
	case evLayerRelease:
		sim.layers.calls[e.client].attempt.ticket.End(sim.now)
	case evLayerRespond:
		sim.layerRespond(e.client)
	case evLayerDeadline:
		lc := sim.layers.calls[e.client]
		sim.parentDeadline(layerParent{lc.layer.depth, e.client}, lc.layer.finish)
	case evTopDeadline:
		sim.parentDeadline(layerParent{0, e.client}, sim.finish)
	}
}

// layerStep drives a layer call's policy until it has to wait.
func (sim *simulator) layerStep(h int32) {
	lc := sim.layers.calls[h]
	now := simEpoch.Add(sim.now)
	if lc.number == 0 {
		lc.layer.calls++
		lc.number = lc.layer.calls
		lc.call = lc.layer.policy.Begin(now, resilience.RequestMeta{Method: sim.method, Key: sim.callKey})
	}
	var st resilience.Step
	if lc.aborted {
		st = lc.call.Abort(now, context.Canceled)
	} else {
		st = lc.call.Next(now)
	}
	switch st.Action {
	case resilience.ActionSend:
		lc.attempt = simAttempt{sentAt: sim.now}
		if st.Timeout > 0 {
			lc.attempt.deadline = sim.now + st.Timeout
		}
		lc.attemptNo = int32(st.Attempt)
		sim.queue.Push(sim.now, evLayerArrive, h)
	case resilience.ActionWait:
		sim.queue.Push(sim.now+st.Wait, evLayerStep, h)
	default:
		if lc.waiting {
			sim.answerParent(lc, st.Action == resilience.ActionSucceed || st.Action == resilience.ActionFallback)
		}
		sim.layers.put(h)
	}
}

// layerArrive plays a layer call's attempt at the layer's server.
func (sim *simulator) layerArrive(h int32) {
	lc := sim.layers.calls[h]
	l, a := lc.layer, &lc.attempt
	a.arrivedAt = sim.now
	req := &sim.req
	*req = faultserver.RequestInfo{Method: sim.method, Path: sim.path, ClientKey: l.caller,
		Attempt: int(lc.attemptNo), Header: sim.header, Deadline: a.deadline}
	var d faultserver.Plan
	d, a.ticket = l.fleet.Admit(sim.now, 0, req)
	lc.slot = sim.records.add(&pendingRecord{accepted: sim.now, logical: lc.number, attempt: lc.attemptNo,
		route: sim.names.index(d.Route), phase: sim.names.index(d.Phase), fault: sim.names.index(d.Kind), layer: l.depth})
	clientAt := a.performVirtual(&d, 0, req.Method == http.MethodHead)
	sim.holdTicket(a, &d, l.finish, l.stateful, evLayerRelease, h)
	if !sim.callDown(l.next, layerParent{l.depth, h}, a, clientAt, &d, l.finish) {
		sim.queue.Push(clientAt, evLayerRespond, h)
	}
}

// layerRespond gives a layer call's attempt its outcome: its Record is
// complete, and the policy moves on.
func (sim *simulator) layerRespond(h int32) {
	lc := sim.layers.calls[h]
	a := &lc.attempt
	kind := a.resolvedOutcome()
	if lc.aborted {
		kind = resilience.ClassCanceled // the caller cancelled the call
	}
	rec := sim.records.at(lc.slot)
	rec.status, rec.end, rec.outcome = a.status, a.serverEnd, sim.names.index(kind.RecordOutcome())
	rec.bodyBytes, rec.incomplete, rec.streamEvents = a.bodyBytes, a.incomplete && a.status != 0, a.streamEvents
	rec.sent, rec.received = a.sentAt, sim.now
	sim.records.finish(lc.slot)
	if !lc.aborted {
		lc.call.Report(simEpoch.Add(sim.now), resilience.AttemptOutcome{Status: int(a.status), Kind: kind})
	}
	sim.layerStep(h)
}

// flushLayer hands a layer's pending Record to the sink: it is not the
// fleet's, so the run's ledger (the fleet's own figures) does not see it.
func (sim *simulator) flushLayer(p *pendingRecord) {
	if sim.err != nil || sim.sink == nil {
		return
	}
	caller := layerName(int(p.layer) - 1)
	req, d := &sim.req, &sim.recordPlan
	req.ClientKey, req.RequestID, req.Attempt, req.Method, req.Path, req.Conn = caller, caller+"/"+strconv.Itoa(int(p.logical)), int(p.attempt), sim.method, sim.path, 0
	d.Route, d.Phase, d.Kind = sim.names[p.route], sim.names[p.phase], sim.names[p.fault]
	out := faultserver.Delivery{Status: int(p.status), BodyBytes: int64(p.bodyBytes), Incomplete: p.incomplete,
		StreamEvents: int(p.streamEvents)}
	rec := &sim.scratch
	*rec = faultserver.NewRecord(p.accepted, p.end, req, d, &out)
	rec.Policy, rec.Outcome, rec.Layer = sim.policy.Name, sim.names[p.outcome], int(p.layer)
	rec.SentMs, rec.ReceivedMs = sim.times.pair(record.Millis(p.sent), record.Millis(p.received))
	sim.err = sim.sink(rec)
}
