package scenarios

import (
	"time"

	"github.com/chaos-harness/chaos/faultserver"
	"github.com/chaos-harness/chaos/resilience"
)

// openFleet is the simulator's open-loop fleet. Each logical request of an
// open-loop client is a simClient of its own (a call slot), started at its
// arrival time, so calls of one client overlap exactly as the events of
// different clients do; the slots of a client share its key, its decision
// state at the server (its number in the fleet) and its one policy, kept
// here.
type openFleet struct {
	slots  []openSlot
	owners []openOwner // by client number
}

// openOwner is one open-loop client: the policy its calls share and what
// the ledger keeps of its breaker.
type openOwner struct {
	policy *resilience.Policy // built with its first call, dropped with its last
	ledger clientLedger
	left   int32 // calls not yet ended
}

// newOpenFleet draws the arrivals of every client of o and returns the start
// of each call slot, in time order, with the fleet.
func newOpenFleet(o *OpenLoop, clients int, seed uint64) ([]time.Duration, openFleet) {
	f := openFleet{slots: openSlots(o, clients, seed), owners: make([]openOwner, clients)}
	starts := make([]time.Duration, len(f.slots))
	for i, sl := range f.slots {
		starts[i] = sl.at
		f.owners[sl.client].left++
	}
	return starts, f
}

// ready gives each call slot its client and readies it to begin its
// logical request (whose id, c17/3, follows from the two numbers).
func (f *openFleet) ready(slots []simClient) {
	for i, sl := range f.slots {
		c := &slots[i]
		c.owner = sl.client + 1
		c.logical = sl.logical - 1 // step counts it in when it begins
	}
}

// policy is call slot c's client's policy, built with the client's first
// call; nil when the configuration is refused.
func (f *openFleet) policy(sim *simulator, c *simClient) *resilience.Policy {
	o := &f.owners[c.owner-1]
	if o.policy == nil {
		o.policy = sim.buildPolicy(c.owner-1, &o.ledger)
	}
	return o.policy
}

// callDone lets call slot c go once its logical request ended; with its
// client's last call, the client is done.
func (f *openFleet) callDone(sim *simulator, c *simClient) {
	o := &f.owners[c.owner-1]
	if o.left--; o.left > 0 || o.policy == nil {
		return
	}
	if b := o.policy.Breaker(); b != nil {
		sim.ledger.clientDone(&o.ledger, b.OpenUntil(simEpoch.Add(sim.now)))
	}
	o.policy = nil
}

// fleetNumber is the number the server's decision state knows client slot
// id by: its own, or for an open-loop call its client's.
func (sim *simulator) fleetNumber(c *simClient, id int32) int32 {
	if c.owner != 0 {
		return c.owner - 1
	}
	return id
}

// detachedTickets holds the tickets of abandoned work that the server goes
// on with (service.abandoned: finish) until their evFinish, by handle; the
// attempt they were for is over on the client's side.
type detachedTickets struct {
	tickets []faultserver.Ticket
	free    []int32
}

// add keeps t and returns its handle.
func (d *detachedTickets) add(t faultserver.Ticket) int32 {
	if n := len(d.free); n > 0 {
		h := d.free[n-1]
		d.free = d.free[:n-1]
		d.tickets[h] = t
		return h
	}
	d.tickets = append(d.tickets, t)
	return int32(len(d.tickets) - 1)
}

// end ends the ticket of handle h at now and frees the handle.
func (d *detachedTickets) end(h int32, now time.Duration) {
	d.tickets[h].End(now)
	d.tickets[h] = faultserver.Ticket{}
	d.free = append(d.free, h)
}
