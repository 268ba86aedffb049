package faultserver

import (
	"time"

	"github.com/chaos-harness/chaos/internal/hashmix"
)

// NumberedClients is the decision state of clients that the caller numbers
// 0 to n-1, such as the simulator's fleet. Its Admit decides exactly as
// Script.Admit does for the same client keys (the same random streams, the
// same per-client phases), but finds a client's state by its number instead
// of looking its key up in the script's table, in a row of states held by
// value: per request it does no hashing (after a client's first), no map
// access, no locking of a shared table and no pointer to follow. Numbered
// clients are not in the script's table, so a key should be decided through
// one or the other.
//
// NumberedClients is not safe for concurrent use.
type NumberedClients struct {
	script *Script
	size   int
	// states are [route index][client]; a route's row is made on its first
	// request. A client's state is new while its count is 0.
	states [][]clientDecisions
	// stream draws every decision: it is seeded afresh for each, so one
	// serves all the clients, and a decision reads no stream of its own
	// from another cache line.
	stream stream
}

// NumberedClients returns the state of n clients numbered 0 to n-1, all new
// to the script.
func (s *Script) NumberedClients(n int) *NumberedClients {
	f := &NumberedClients{script: s, size: n, states: make([][]clientDecisions, len(s.routes)+1)}
	f.stream.init()
	return f
}

// decide decides an admitted request of client number client (0 ≤ client <
// n), whose key is req.ClientKey, arriving at elapsed; see Admit.
func (f *NumberedClients) decide(elapsed time.Duration, client int, req *RequestInfo) Plan {
	r, ri := f.script.route(req)
	row := f.states[ri]
	if row == nil {
		row = make([]clientDecisions, f.size)
		f.states[ri] = row
	}
	st := &row[client]
	if st.n == 0 { // its first request on the route
		st.hash = hashmix.String(req.ClientKey)
	}
	return f.script.decide(elapsed, r, st, &f.stream, req) // the states are f's alone: no lock
}

// Warm returns the requests client number client has made, over all routes.
// It reads each of the client's decision states to count them: a caller
// that knows which clients come next calls it ahead of their requests, so
// that their states are in the processor's cache, fetched side by side,
// when the requests are decided. It changes nothing.
func (f *NumberedClients) Warm(client int) uint64 {
	var v uint64
	for _, row := range f.states {
		if row != nil {
			v += row[client].n
		}
	}
	return v
}
