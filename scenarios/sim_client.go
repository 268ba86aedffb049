package scenarios

import (
	"github.com/chaos-harness/chaos/resilience"
)

// simClient is one client of the simulated fleet. It holds only what a
// client keeps between logical requests (it exists for every client of the
// fleet from the start of the run, so its size is the fleet's memory); the
// logical request in progress is a simCall, taken from a pool while it runs.
//
// Its names (X-Chaos-Client c17, request ids c17/1 ...) are not kept here:
// they follow from its number (simulator.clientKey, clientNames).
//
// Nor are its policy (simulator.policyOf) and its row version
// (simulator.versions), which most fleets do not need one of per client.
type simClient struct {
	ledger  clientLedger // what the run's ledger keeps of it
	call    int32        // its simCall in progress: index+1 in simulator.calls; 0 for none
	logical int32        // logical requests begun
	hops    uint32       // network hops drawn so far
	owner   int32        // an open-loop call: its client's number+1 (openFleet); 0 for a closed-loop client
}

// simCall is a logical request in progress: the policy's call, and the
// attempt in flight (whose number is the call's Attempts).
type simCall struct {
	call    resilience.Call
	attempt simAttempt
}

// callPool holds the simCalls of the clients in a logical request, reused
// once they end, so memory follows the calls in progress, not the fleet. It
// allocates in blocks, never moving a call: a pointer to one stays valid.
type callPool struct {
	blocks [][]simCall
	used   int32   // calls handed out so far, ended or not
	free   []int32 // handles of ended calls
}

// callBlock is the number of calls per block (a power of two).
const callBlock = 1024

// take returns a call for a client to begin, and its handle (non-zero).
func (p *callPool) take() (*simCall, int32) {
	if n := len(p.free); n > 0 {
		h := p.free[n-1]
		p.free = p.free[:n-1]
		return p.get(h), h
	}
	if int(p.used) == len(p.blocks)*callBlock {
		p.blocks = append(p.blocks, make([]simCall, callBlock))
	}
	p.used++
	return p.get(p.used), p.used
}

// get returns the call of handle h.
func (p *callPool) get(h int32) *simCall {
	i := h - 1
	return &p.blocks[i/callBlock][i%callBlock]
}

// put returns the call of handle h to the pool.
func (p *callPool) put(h int32) {
	*p.get(h) = simCall{} // drops what its call points to
	p.free = append(p.free, h)
}
