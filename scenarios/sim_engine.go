package scenarios

import (
	"context"
	"math/rand/v2"
	"net/http"
	"time"

	"github.com/chaos-harness/chaos/analysis"
	"github.com/chaos-harness/chaos/faultserver"
	"github.com/chaos-harness/chaos/record"
	"github.com/chaos-harness/chaos/resilience"
)

// simEpoch is the wall-clock instant virtual time 0 stands for. Policies take
// time.Time; any fixed instant on a whole second makes runs reproducible.
var simEpoch = time.Date(2000, time.January, 1, 0, 0, 0, 0, time.UTC)

// Stream tags: each random purpose of a run has a stream of its own, derived
// from the seed, so changing one (say, the policy's jitter) never shifts the
// others (the start times, the network).
const (
	streamStarts uint64 = 0x7374617274 // "start"
	streamPolicy uint64 = 0x706f6c6963 // "polic"
)

// simulator runs one policy's fleet against a fresh compiled script in
// virtual time.
type simulator struct {
	s        *Scenario
	policy   Policy
	cfg      resilience.Config
	seed     uint64
	script   *faultserver.Script
	fleet    *faultserver.NumberedClients // the clients' decision state, by number
	stateful bool                         // the server has state that changes when a request ends
	rowPath  bool                         // the fleet writes the versioned row: each attempt reads it first
	net      *hops
	queue    eventQueue
	clients  []simClient
	// policies are the clients' own policies, by client, when they do not
	// share one (shared) and are not open-loop calls (openFleet keeps
	// those); a client holds none itself, as most fleets share one.
	policies []*resilience.Policy
	// versions are the row version each client's last read returned, when
	// the server has a row (server.row); nil otherwise.
	versions []uint64
	calls    callPool
	records  *recordBuffer
	names    recordNames // the strings of pending Records
	decided  decisionNames
	ids      clientNames // the clients' keys and first request ids, by number
	sink     func(*record.Record) error
	scratch  record.Record // the Record handed to the sink
	times    timeSlab      // what the scratch's SentMs and ReceivedMs point to
	err      error         // the first failure (the sink's, or a policy refused): stops the run
	ledger   *runLedger    // the run's bookkeeping, fed by the policies' steps and events and the Records
	header   http.Header
	method   string
	path     string
	callKey  string // the calls' RequestMeta.Key: method and path
	// fleetKey is the fleet's calls' RequestMeta.Key: callKey when their
	// policy has a stale fallback (the one reader of a key in the
	// simulator), else empty, so that their Calls keep none.
	fleetKey string
	requests int32
	think    time.Duration
	req      faultserver.RequestInfo // reused for every decision, and for every Record flushed
	// recordPlan holds the route, phase and kind of the Record being flushed.
	recordPlan faultserver.Plan
	// shared is the one policy every client uses when the policy keeps no
	// state across calls (no breaker, rate limit, budget or fallback cache):
	// a client's own copy would behave identically, so one is built, not
	// 100,000.
	shared *resilience.Policy
	now    time.Duration

	// Open-loop clients and queueing servers (issue 14).
	open     openFleet       // the open-loop clients, when clients.open is set
	finish   bool            // the server finishes abandoned work (service.abandoned: finish)
	detached detachedTickets // the tickets of abandoned work the server goes on with

	// Layers (issue 14): the layers below the server, when server.downstream is set.
	layers *simLayers
	// grpc says the clients speak gRPC (server.protocol: grpc, sim_grpc.go).
	grpc bool
	// replaceBefore is when the clients stop replacing late answers
	// (replace.go); zero: never.
	replaceBefore time.Time
	// hedges holds the attempts of a policy that hedges (sim_hedge.go); nil
	// for one that does not.
	hedges *simHedges
	// warmth sums what warm read, so that the reads are not optimised away.
	warmth uint64
}

// simulate runs the whole fleet with one policy.
func simulate(ctx context.Context, s *Scenario, pol Policy, seed uint64, sink func(*record.Record) error, prog *progress) (PolicyRun, error) {
	script, err := faultserver.Compile(&s.Server, seed)
	if err != nil {
		return PolicyRun{}, err
	}
	network, err := newHops(s.Clients.Network, seed)
	if err != nil {
		return PolicyRun{}, err
	}
	var starts []time.Duration
	var open openFleet
	if o := s.Clients.Open; o != nil {
		starts, open = newOpenFleet(o, s.Clients.ClientCount(), seed)
	} else {
		starts = fleetStarts(s.Clients, rand.New(rand.NewPCG(seed, streamStarts)))
	}
	sim := &simulator{
		open:     open,
		finish:   script.FinishesAbandoned(),
		s:        s,
		policy:   pol,
		cfg:      effectiveConfig(pol.Config, s.Clients),
		seed:     seed,
		script:   script,
		stateful: s.Server.Capacity != nil || s.Server.Service != nil || s.Server.Row != nil || s.Server.Queue != nil,
		net:      network,
		ledger:   newRunLedger(s, pol.Name, prog),
		header:   headerOf(s.Clients.Headers),
		method:   s.Clients.HTTPMethod(),
		path:     s.Clients.RequestPath(),
		requests: int32(s.Clients.RequestsPerClient()),
		think:    s.Clients.ThinkTime(),
	}
	if s.Downstream != nil {
		if sim.layers, err = newSimLayers(s, pol.Name, seed); err != nil {
			return PolicyRun{}, err
		}
	}
	sim.setupGRPC() // server.protocol: grpc: the calls are POSTs
	sim.replaceBefore = replaceBefore(s)
	sim.rowPath = writesRow(s, sim.method, sim.path)
	sim.callKey = sim.method + " " + sim.path
	if f := sim.cfg.Fallback; f != nil && f.Stale > 0 {
		sim.fleetKey = sim.callKey
	}
	sim.hedges = newSimHedges(sim.cfg, len(starts))
	// Build one policy up front: it checks the configuration the fleet runs
	// (the clients' timeout included), and serves every client when it keeps
	// no state across calls.
	opts := []resilience.Option{resilience.WithRand(rand.New(rand.NewPCG(seed, streamPolicy))), resilience.WithReplaceUntil(sim.replaceBefore)}
	if sim.hedges != nil {
		opts = append(opts, resilience.WithObserver(&breakerObserver{ledger: sim.ledger})) // its hedge counts
	}
	p, err := resilience.New(sim.cfg, opts...)
	if err != nil {
		return PolicyRun{}, err
	}
	if c := sim.cfg; c.Breaker == nil && c.RateLimit == nil && c.Budget == nil && c.Fallback == nil {
		sim.shared = p
	}
	sim.sink = sink
	sim.names = recordNames{""} // index 0, the zero value, is the empty string
	sim.records = newRecordBuffer(sim.flush)
	if err := sim.run(ctx, starts); err != nil {
		return PolicyRun{}, err
	}
	return sim.ledger.policyRun(), nil
}

// writesRow reports whether the fleet's requests are writes of the server's
// versioned row, so that each attempt reads the version first.
func writesRow(s *Scenario, method, path string) bool {
	if s.Server.Row == nil {
		return false
	}
	switch method {
	case http.MethodPut, http.MethodPost, http.MethodPatch:
	default:
		return false
	}
	// Ask the script itself whether the path is the row's, so the template
	// is matched exactly as the server matches it.
	probe, err := faultserver.Compile(&faultserver.Spec{Row: s.Server.Row}, 0)
	if err != nil {
		return false
	}
	return probe.IsRowPath(path)
}

func headerOf(m map[string]string) http.Header {
	if len(m) == 0 {
		return nil
	}
	h := http.Header{}
	for k, v := range m {
		h.Set(k, v)
	}
	return h
}

// run plays the fleet, its clients starting at starts, until every client
// is done.
func (sim *simulator) run(ctx context.Context, starts []time.Duration) error {
	sim.clients = make([]simClient, len(starts))
	if sim.open.owners != nil {
		sim.fleet = sim.script.NumberedClients(len(sim.open.owners))
		sim.ids = newClientNames(len(sim.open.owners))
		sim.open.ready(sim.clients)
	} else {
		sim.fleet = sim.script.NumberedClients(len(starts))
		sim.ids = newClientNames(len(starts))
	}
	if sim.shared == nil && sim.open.owners == nil {
		sim.policies = make([]*resilience.Policy, len(starts))
	}
	if sim.s.Server.Row != nil {
		sim.versions = make([]uint64, len(starts))
	}
	sim.queue.startAll(starts)
	sim.queue.warm = sim.warm
	for n := 0; sim.queue.Len() > 0; n++ {
		if n&4095 == 0 {
			if err := ctx.Err(); err != nil {
				return err
			}
			if sim.err != nil {
				return sim.err
			}
		}
		e := sim.queue.Pop()
		sim.now = e.at
		if e.kind == evFinish { // e.client is a detached ticket, not a client
			sim.detached.end(e.client, sim.now)
			continue
		}
		if e.kind >= evLayerStep { // e.client is a layer call, or a client waiting on one
			sim.layerEvent(e)
			continue
		}
		if e.kind >= evHedgeWake { // a hedging call's (sim_hedge.go)
			sim.hedgeEvent(e)
			continue
		}
		c := &sim.clients[e.client]
		switch e.kind {
		case evStart:
			sim.step(c, e.client)
		case evArrive:
			sim.arrive(c, e.client)
		case evRelease:
			sim.release(c, e.client)
		case evRespond:
			sim.respond(c, e.client)
		}
	}
	return sim.err
}

// warm reads, ahead of time, the memory the client of a coming event will
// touch: its slot, its call in progress and its state in the server's
// script. A fleet in flight spreads over more memory than the processor's
// caches hold, and the clients come in random order, so each event would
// otherwise wait on a few cache misses one after another; read here for
// several events at once, the misses overlap. It changes nothing.
func (sim *simulator) warm(e *event) {
	if e.kind > evRespond {
		return
	}
	c := &sim.clients[e.client]
	v := uint64(c.logical)
	if c.call != 0 {
		k := sim.calls.get(c.call)
		v += uint64(k.attempt.slot) + uint64(k.call.Attempts())
	}
	sim.warmth += v + sim.fleet.Warm(int(sim.fleetNumber(c, e.client)))
}

// callOf is the client's call in progress, or a new one, its next logical
// request, begun at now; false when the client's policy could not be made
// (sim.err says why).
func (sim *simulator) callOf(c *simClient, id int32, now time.Time) (*simCall, bool) {
	if c.call != 0 {
		return sim.calls.get(c.call), true
	}
	p := sim.policyOf(c, id)
	if p == nil {
		return nil, false
	}
	k, h := sim.calls.take()
	c.call = h
	c.logical++
	k.call = p.Begin(now, resilience.RequestMeta{Method: sim.method, Key: sim.fleetKey, Idempotent: sim.grpc})
	return k, true
}

// step drives a client's policy at the current time until it has to wait for
// something: an attempt's outcome, a backoff, or its next logical request.
func (sim *simulator) step(c *simClient, id int32) {
	if sim.hedges != nil {
		sim.hedgeStep(c, id) // several attempts in flight (sim_hedge.go)
		return
	}
	now := simEpoch.Add(sim.now)
	k, ok := sim.callOf(c, id, now)
	if !ok {
		return
	}
	st := k.call.Next(now)
	switch st.Action {
	case resilience.ActionSend:
		k.attempt = simAttempt{sentAt: sim.now, reading: sim.rowPath}
		if st.Timeout > 0 {
			k.attempt.deadline = sim.now + st.Timeout
		}
		sim.send(c, id)
	case resilience.ActionWait:
		sim.queue.Push(sim.now+st.Wait, evStart, id)
	default:
		sim.ledger.callEnded(sim.now, st.Action, st.Attempt)
		sim.ledger.replacements(k.call.Replacements())
		sim.finishCall(c, id)
	}
}

// finishCall schedules a client's next logical request once one ended, or
// lets the client go.
func (sim *simulator) finishCall(c *simClient, id int32) {
	sim.calls.put(c.call)
	c.call = 0
	if c.owner != 0 {
		sim.open.callDone(sim, c)
		return
	}
	if c.logical < sim.requests {
		sim.queue.Push(sim.now+sim.think, evStart, id)
		return
	}
	if sim.shared != nil {
		return
	}
	if b := sim.policies[id].Breaker(); b != nil {
		sim.ledger.clientDone(&c.ledger, b.OpenUntil(simEpoch.Add(sim.now)))
	}
	sim.policies[id] = nil // done: free the client's policy
}

// policyOf is client id's policy: the shared one, or its own (its breaker,
// budget and limiter are its own), built on first use with a random stream
// derived from the seed and the client; nil when the configuration is
// refused (sim.err says why).
func (sim *simulator) policyOf(c *simClient, id int32) *resilience.Policy {
	if sim.shared != nil {
		return sim.shared
	}
	if c.owner != 0 {
		return sim.open.policy(sim, c)
	}
	p := sim.policies[id]
	if p == nil {
		p = sim.buildPolicy(id, &c.ledger)
		sim.policies[id] = p
	}
	return p
}

// buildPolicy builds the policy of client number id, whose breaker spans go
// to ledger; nil when the configuration is refused (which stops the run).
func (sim *simulator) buildPolicy(id int32, ledger *clientLedger) *resilience.Policy {
	rng := rand.New(rand.NewPCG(sim.seed^streamPolicy, uint64(id)))
	opts := []resilience.Option{resilience.WithRand(rng), resilience.WithReplaceUntil(sim.replaceBefore)}
	if sim.cfg.Breaker != nil || sim.hedges != nil {
		opts = append(opts, resilience.WithObserver(&breakerObserver{ledger: sim.ledger, client: ledger}))
	}
	p, err := resilience.New(sim.cfg, opts...)
	if err != nil {
		sim.err = err // stops the run
		return nil
	}
	return p
}

// spikePhase marks a client spike on the timeline: it is the run's trigger, so
// it counts as a fault phase and recovery is measured from it.
func spikePhase(policy string, sp *Spike) analysis.Phase {
	return analysis.Phase{Name: "spike", Policy: policy, Start: sp.At, End: sp.At, Fault: true}
}

// flush logs a pending Record, its turn come, in the ledger and hands it to
// the sink: the Record's strings are put back from the numbers it kept.
func (sim *simulator) flush(p *pendingRecord) {
	if p.layer != 0 {
		sim.flushLayer(p)
		return
	}
	c := &sim.clients[p.client]
	route, phase := sim.names[p.route], sim.names[p.phase]
	sim.ledger.logged(&c.ledger, p.logical, p.accepted, route, phase)
	if sim.err != nil || sim.sink == nil {
		return
	}
	number := sim.fleetNumber(c, p.client) + 1
	request := sim.ids.request(number, p.logical)
	method := sim.method
	if p.rowRead {
		method = http.MethodGet
	}
	// The request and the plan as NewRecord reads them, in the simulator's
	// scratch values: arrive is done with them, and nothing is zeroed.
	req, d := &sim.req, &sim.recordPlan
	req.ClientKey, req.RequestID, req.Attempt, req.Method, req.Path, req.Conn = sim.ids.key(number), request, int(p.attempt), method, sim.path, 0
	d.Route, d.Phase, d.Kind = route, phase, sim.names[p.fault]
	out := faultserver.Delivery{Status: int(p.status), BodyBytes: int64(p.bodyBytes), Incomplete: p.incomplete,
		HasRetryAfter: p.retryAfter > 0, RetryAfter: p.retryAfter, StreamEvents: int(p.streamEvents)}
	rec := &sim.scratch
	*rec = faultserver.NewRecord(p.accepted, p.end, req, d, &out)
	rec.Policy, rec.Outcome = sim.policy.Name, sim.names[p.outcome]
	rec.GRPCCode = sim.names[p.grpcCode]
	rec.SentMs, rec.ReceivedMs = sim.times.pair(record.Millis(p.sent), record.Millis(p.received))
	sim.err = sim.sink(rec)
}

// versionOf is the row version client id's last read returned (0 when the
// server has no row).
func (sim *simulator) versionOf(id int32) uint64 {
	if sim.versions == nil {
		return 0
	}
	return sim.versions[id]
}

// clientKey is the X-Chaos-Client of client id (an open-loop call's: its client's).
func (sim *simulator) clientKey(c *simClient, id int32) string {
	return sim.ids.key(sim.fleetNumber(c, id) + 1)
}

// send puts a client's request on the network.
func (sim *simulator) send(c *simClient, id int32) {
	sim.queue.Push(sim.now+sim.net.draw(id, &c.hops), evArrive, id)
}

// arrive handles an attempt (or its row read) reaching the server.
func (sim *simulator) arrive(c *simClient, id int32) {
	k := sim.calls.get(c.call)
	a := &k.attempt
	a.arrivedAt = sim.now
	req := &sim.req
	// No RequestID: it decides nothing, and the Record gets it when flushed.
	*req = faultserver.RequestInfo{Method: sim.method, Path: sim.path, ClientKey: sim.clientKey(c, id),
		Attempt: k.call.Attempts(), Header: sim.header, Version: sim.versionOf(id), Deadline: a.deadline}
	if a.reading {
		req.Method, req.Version = http.MethodGet, 0
	}
	var d faultserver.Plan
	d, a.ticket = sim.fleet.Admit(sim.now, int(sim.fleetNumber(c, id)), req)
	a.row = d.Row
	if !a.reading {
		// The Record's turn is taken now; what faultserver.NewRecord takes
		// from the decision waits in the attempt until the outcome is
		// known (respond).
		a.slot = sim.records.reserve()
		a.decided = sim.decided.index(&sim.names, &d)
	}
	clientAt := a.performVirtual(&d, sim.net.draw(id, &c.hops), req.Method == http.MethodHead)
	if sim.grpc {
		sim.grpcPlan(a, &d) // its code and pushback (sim_grpc.go)
	}
	sim.holdTicket(a, &d, sim.finish, sim.stateful, evRelease, id)
	if sim.layers == nil || !sim.callDown(sim.layers.top, layerParent{0, id}, a, clientAt, &d, sim.finish) {
		sim.queue.Push(clientAt, evRespond, id)
	}
}

// holdTicket ends an attempt's hold on its server's script when the server
// is done with it, or schedules its end: at release (an event for id) for
// a server with state, or detached for abandoned work the server finishes.
func (sim *simulator) holdTicket(a *simAttempt, d *faultserver.Plan, finish, stateful bool, release eventKind, id int32) {
	switch {
	case a.ticket.Admitted() && finish && a.abandoned:
		// The client left during the hold, and the server goes on with the
		// work until the hold is over: the ticket is detached from the
		// attempt, which the client no longer waits for.
		sim.queue.Push(max(a.serverEnd, a.arrivedAt+d.Delay), evFinish, sim.detached.add(a.ticket))
		a.ticket = faultserver.Ticket{}
	case a.ticket.Admitted() && stateful:
		sim.queue.Push(a.serverEnd, release, id)
	default:
		a.ticket.End(a.serverEnd)
	}
}

// release ends the server's work on an admitted request: it commits any row
// operation (when the client was still there) and frees its capacity slot.
func (sim *simulator) release(c *simClient, id int32) {
	a := &sim.calls.get(c.call).attempt
	if a.row != faultserver.RowNone && !a.abandoned {
		d := faultserver.Plan{Row: a.row}
		info := faultserver.RequestInfo{Version: sim.versionOf(id)}
		version := a.ticket.Commit(&d, &info)
		if a.reading {
			sim.versions[id] = version
		}
		a.status, a.bodyBytes = int32(d.Status), bodyCount(int64(len(d.Body)))
	}
	a.ticket.End(sim.now)
}

// clientSees is what the client reads of attempt a, whose outcome is kind:
// the status (over gRPC, what its status maps to), the outcome, and the
// Retry-After sent with the status line, rendered as the live server
// renders it, with the wait it asks for from then.
func (sim *simulator) clientSees(a *simAttempt, kind resilience.AttemptClass) (int32, resilience.AttemptClass, string, time.Duration) {
	var retryAfter string
	var wait time.Duration
	if a.raKind != raNone && a.status != 0 {
		retryAfter, wait = faultserver.RetryAfterHeader(a.retryAfter, a.raKind == raDate, simEpoch.Add(a.headerAt))
	}
	if sim.grpc {
		return sim.grpcSeen(a, kind)
	}
	return a.status, kind, retryAfter, wait
}

// respond delivers an attempt's outcome to its client: a row read goes on to
// its write; anything else completes the Record and moves the policy on.
func (sim *simulator) respond(c *simClient, id int32) {
	k := sim.calls.get(c.call)
	a := &k.attempt
	kind := a.resolvedOutcome()
	if a.reading && kind == resilience.ClassOK {
		a.reading = false
		sim.send(c, id)
		return
	}
	rec := pendingRecord{accepted: a.arrivedAt, client: id, logical: c.logical, attempt: int32(k.call.Attempts())}
	if a.reading {
		// The read itself failed: the attempt fails with it. It was never
		// logged as a write, so log it now as the attempt the server saw.
		a.slot = sim.records.reserve()
		rec.rowRead = true
	} else {
		n := sim.decided[a.decided]
		rec.route, rec.phase, rec.fault = n.route, n.phase, n.fault
	}
	seen, kind, retryAfter, wait := sim.clientSees(a, kind)
	rec.status, rec.end, rec.outcome = a.status, a.serverEnd, sim.names.index(kind.RecordOutcome())
	rec.retryAfter, rec.bodyBytes, rec.incomplete = wait, a.bodyBytes, a.incomplete && a.status != 0
	rec.streamEvents = a.streamEvents
	rec.grpcCode = a.grpcCode
	rec.sent, rec.received = a.sentAt, sim.now // now is when the client has its outcome
	sim.records.put(a.slot, &rec)
	k.call.Report(simEpoch.Add(sim.now), resilience.AttemptOutcome{Status: int(seen), Kind: kind, RetryAfter: retryAfter})
	sim.step(c, id)
}
