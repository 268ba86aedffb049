package faultserver

import (
	"math/rand/v2"
	"time"

	"github.com/chaos-harness/chaos/record"
)

// Faults before the request (tls_stall, tls_bad_cert, tls_close,
// accept_stall) happen to a connection before any request exists on it, so
// they are decided per connection, at accept time, from the top-level
// phases (routes need a request's path): the phase in force when the
// connection is accepted (a time phase by the script's clock, a count phase
// where its count stands) picks the fault, a mix drawing with a random
// stream of the connection's number. A connection that draws a fault before
// the request counts as an arrival of its phase, as a request does, and is
// logged as a Record with no request fields; one that draws anything else
// goes on to its requests, which are decided as usual. A request never
// meets one: its connection is past the handshake, so where its phase or
// mix draws a fault before the request, it is answered as the response
// would answer it, with fault none (Plan.pastHandshake). The simulator has
// no connections: each attempt stands for a new one, and meets the fault
// as a new connection would (the kinds' playouts). Scripts with no such kind in their top-level phases and response
// decide nothing at accept time, so their decisions are exactly as before.

// connStreamSalt keeps the connections' random stream apart from the
// requests'.
const connStreamSalt = 0x636f6e6e2d616363 // "conn-acc"

// hasPreRequest reports whether a route's response or phases can draw a
// fault before the request.
func (r *route) hasPreRequest() bool {
	pre := func(a *action) bool { return a != nil && a.action != nil && a.action.preRequest }
	if pre(r.response) {
		return true
	}
	for i := range r.phases {
		p := &r.phases[i]
		if pre(p.fault) {
			return true
		}
		for _, m := range p.mix {
			if pre(m.action) {
				return true
			}
		}
	}
	return false
}

// decideConnection decides the connection numbered conn, accepted at
// elapsed (since the script began): a plan of a fault before the request
// and true, or false for a connection that goes on to its requests.
func (s *Script) decideConnection(elapsed time.Duration, conn uint64) (Plan, bool) {
	if !s.preRequest {
		return Plan{}, false
	}
	r := s.top
	r.mu.Lock()
	defer r.mu.Unlock()
	clock := r.global // a copy: kept only if the connection draws a fault
	i := clock.next(r.phases, elapsed, 0)
	d := Plan{Phase: PhaseDefault}
	a := r.response
	if i < len(r.phases) {
		p := &r.phases[i]
		d.Phase = p.name
		rng := rand.New(rand.NewPCG(s.seed^connStreamSalt, conn))
		a = p.pick(rng.Float64(), r.response)
	}
	if a.action == nil || !a.action.preRequest {
		return Plan{}, false
	}
	r.global = clock
	d.fill(a)
	return d, true
}

// pastHandshake turns the plan of a request that drew a fault before the
// request into the answer it gets on a connection past the handshake: the
// response (which the fault's compiled action carries, as every fault
// without a status does), fault none.
func (d *Plan) pastHandshake() {
	if d.action == nil || !d.action.preRequest {
		return
	}
	d.Kind, d.action, d.Param, d.walk, d.holding = record.FaultNone, nil, 0, nil, false
}
