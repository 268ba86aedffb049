package faultserver

import "time"

// Ticket is an admitted request's hold on its script, from Admit to End: its
// slot of the capacity model (or of the in-flight count the service time
// grows with) and its row operation. Commit and End may come in either order
// and each takes effect at most once, so a driver cannot leak a slot or free
// one twice, as with gobreaker's two-step breaker, whose Allow returns the
// done to call. A refused request's ticket holds nothing: its Commit and End
// do nothing. A Ticket must not be copied once in use; its zero value holds
// nothing.
//
// A Ticket is one pointer, to one of its script's four states (a simulated
// fleet holds a Ticket per attempt in flight): changing state is pointing
// to another.
type Ticket struct {
	st *ticketState // nil: refused
}

// ticketState is a Ticket's state; a Script holds one of each (tickets).
type ticketState struct {
	script    *Script
	held      bool // a slot is held until End
	committed bool // the row operation is done (or there was none to do)
}

// initTickets makes the states of the script's Tickets.
func (s *Script) initTickets() {
	for i := range s.tickets {
		s.tickets[i] = ticketState{script: s, held: i&1 != 0, committed: i&2 != 0}
	}
}

// ticket is a Ticket of s in the state held, committed.
func (s *Script) ticket(held, committed bool) Ticket {
	i := 0
	if held {
		i |= 1
	}
	if committed {
		i |= 2
	}
	return Ticket{st: &s.tickets[i]}
}

// Admit runs the capacity model for a request arriving at elapsed (time since
// the script began) and decides it. Over capacity it returns the overload
// decision and a ticket that holds nothing; otherwise the decision of
// Script.decideRequest (route, phase, mix, delay, service time) and a ticket
// that holds a slot until End. Without a capacity model every request is
// admitted (and counted in flight, for the service time).
func (s *Script) Admit(elapsed time.Duration, req *RequestInfo) (Plan, Ticket) {
	if !s.take(elapsed) {
		return s.overload, Ticket{}
	}
	return s.decideRequest(elapsed, req), s.ticket(true, false)
}

// Admit is Script.Admit for client number client of the fleet (0 ≤ client <
// n), whose key is req.ClientKey.
func (f *NumberedClients) Admit(elapsed time.Duration, client int, req *RequestInfo) (Plan, Ticket) {
	if !f.script.take(elapsed) {
		return f.script.overload, Ticket{}
	}
	return f.decide(elapsed, client, req), f.script.ticket(true, false)
}

// Admitted reports whether the ticket's request was admitted (and not
// refused by the capacity model).
func (t *Ticket) Admitted() bool { return t.st != nil }

// Commit performs the row operation of d, the ticket's decision, once its
// delay has ended: it sets d.Status (200, or 409 for a stale write, 428 for a
// write without a version) and d.Body (the row's version as JSON for a 200),
// and returns the row's version afterwards. Before or after End, it does this
// once: a later call, a refused request's, or a decision without a row
// operation changes nothing and returns 0.
func (t *Ticket) Commit(d *Plan, req *RequestInfo) uint64 {
	if t.st == nil || t.st.committed {
		return 0
	}
	s := t.st.script
	*t = s.ticket(t.st.held, true)
	return s.commit(d, req)
}

// End frees the ticket's slot: the request finished at elapsed. Calls after
// the first, and a refused request's, do nothing.
func (t *Ticket) End(elapsed time.Duration) {
	if t.st == nil || !t.st.held {
		return
	}
	s := t.st.script
	*t = s.ticket(false, t.st.committed)
	s.release(elapsed)
}
