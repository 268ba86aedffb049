package faultserver

import "time"

// phase is a compiled PhaseSpec.
type phase struct {
	name     string
	duration time.Duration // 0: no time limit
	requests int           // 0: no count limit
	fault    *action       // nil: the response (when mix is empty)
	mix      []mixEntry
	total    float64 // sum of the mix weights
}

type mixEntry struct {
	upTo   float64 // cumulative weight up to and including this entry
	action *action // nil: the response
}

// pick returns the action of the phase, drawing from the mix with u uniform
// on [0, 1) when it has one.
func (p *phase) pick(u float64, response *action) *action {
	if len(p.mix) == 0 {
		if p.fault == nil {
			return response
		}
		return p.fault
	}
	x := u * p.total
	for i := range p.mix {
		if x < p.mix[i].upTo {
			if p.mix[i].action == nil {
				return response
			}
			return p.mix[i].action
		}
	}
	last := p.mix[len(p.mix)-1].action // rounding at the very top
	if last == nil {
		return response
	}
	return last
}

// phaseClock tracks where one schedule is: globally for a route, or for one
// client of a route.
//
// A phase begins when the previous one ends. A phase with a duration ends that
// long after it began (boundaries do not drift with request times); a phase
// with a request count ends with its last request, and the next begins at that
// request's arrival; a phase with both ends at whichever comes first.
//
// Its index is an int32 beside the flag, so that a clock is 24 bytes: a
// simulated fleet holds one per client (NumberedClients).
type phaseClock struct {
	begin   time.Duration // when the current phase began
	count   int           // requests decided in the current phase
	index   int32         // the current phase; len(phases) once all have ended
	started bool
}

// next advances the clock to the request arriving at now and counts it,
// returning the index of the phase that decides it (len(phases) for none).
// origin is where the first phase begins: 0 (server start) for a global
// clock, the client's first request for a per-client clock.
func (c *phaseClock) next(phases []phase, now, origin time.Duration) int {
	if !c.started {
		c.started, c.begin = true, origin
	}
	for int(c.index) < len(phases) {
		p := &phases[c.index]
		if p.duration > 0 && now >= c.begin+p.duration {
			c.index, c.begin, c.count = c.index+1, c.begin+p.duration, 0
			continue
		}
		break
	}
	i := int(c.index)
	if i < len(phases) {
		c.count++
		if p := &phases[i]; p.requests > 0 && c.count >= p.requests {
			// This request is the phase's last: the next phase begins now.
			c.index, c.begin, c.count = int32(i+1), max(now, c.begin), 0
		}
	}
	return i
}
