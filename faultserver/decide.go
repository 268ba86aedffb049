package faultserver

import (
	"net/http"
	"strconv"
	"time"
)

// Bodies of the row's refusals, shared and read-only.
var (
	conflictBody     = []byte(defaultBody(http.StatusConflict))
	preconditionBody = []byte("Precondition Required: send If-Match with the version you read\n")
)

// take takes a slot for a request arriving at elapsed (time since the script
// began), or reports that the capacity model refuses it (see Admit).
func (s *Script) take(elapsed time.Duration) bool {
	if s.capacity != nil {
		if !s.capacity.Admit(elapsed) {
			return false
		}
	} else {
		s.inFlight.Add(1)
	}
	if s.queue != nil && !s.queue.admit(elapsed) {
		s.release(elapsed)
		return false
	}
	return true
}

// release frees the slot of an admitted request that finished at elapsed
// (see Ticket.End).
func (s *Script) release(elapsed time.Duration) {
	if s.capacity != nil {
		s.capacity.Release(elapsed)
		return
	}
	s.inFlight.Add(-1)
}

// InFlight is the number of admitted requests not yet released.
func (s *Script) InFlight() int {
	if s.capacity != nil {
		return s.capacity.InFlight()
	}
	return int(s.inFlight.Load())
}

// decideRequest decides an admitted request arriving at elapsed (time since
// the script began). It counts the request in its route's schedule (and its
// client's, under per: client), so each request is decided exactly once. It
// is safe for concurrent use and does not allocate once the client key has
// been seen.
func (s *Script) decideRequest(elapsed time.Duration, req *RequestInfo) Plan {
	r, _ := s.route(req)
	st := r.clients.get(req.ClientKey)
	st.mu.Lock()
	defer st.mu.Unlock()
	return s.decide(elapsed, r, &st.clientDecisions, &st.stream, req)
}

// route returns the route that decides req and its index: i for s.routes[i],
// len(s.routes) for the top level.
func (s *Script) route(req *RequestInfo) (*route, int) {
	for i, cand := range s.routes {
		if cand.matches(req) {
			return cand, i
		}
	}
	return s.top, len(s.routes)
}

// decide decides req, on route r, for the client whose decisions there are
// st; the caller holds st's lock, or is st's only user. rs is the random stream
// to draw with: it is seeded afresh for every request (from the route, the
// client and its count), so any stream no one else uses at the time draws
// the same numbers as st's own.
func (s *Script) decide(elapsed time.Duration, r *route, st *clientDecisions, rs *stream, req *RequestInfo) Plan {
	n := st.n
	st.n++
	if n == 0 {
		st.first = elapsed
	}
	var i int
	if r.perCli {
		i = st.clock.next(r.phases, elapsed, st.first)
	} else {
		i = r.globalPhase(elapsed)
	}
	rng := rs.seedFor(r.seed, st.hash, n)

	d := Plan{Route: r.name, Phase: PhaseDefault}
	a := r.response
	if i < len(r.phases) {
		p := &r.phases[i]
		d.Phase = p.name
		a = p.pick(rng.Float64(), r.response)
	}
	d.fill(a)
	if a.delay != nil {
		d.Delay = a.delay.draw(rng)
	}
	if a.served {
		d.Delay += s.service.draw(s.InFlight(), rng)
		if s.queue != nil {
			d.Delay += s.queue.schedule(elapsed, d.Delay, req.Deadline)
		}
		if s.row != nil && s.matchesRow(req.Path) {
			d.Row = rowOpFor(req.Method)
		}
	} else if s.queue != nil {
		s.queue.unreserve() // a fault is answered without a worker
	}
	return d
}

// IsRowPath reports whether path is the path of the script's versioned row
// (RowSpec.Path), matched as a request's path is.
func (s *Script) IsRowPath(path string) bool { return s.row != nil && s.matchesRow(path) }

func (s *Script) matchesRow(path string) bool {
	if s.rowRe != nil {
		return s.rowRe.MatchString(path)
	}
	return s.rowPath == path
}

// commit performs the decision's row operation (see Ticket.Commit).
func (s *Script) commit(d *Plan, req *RequestInfo) uint64 {
	var v uint64
	switch d.Row {
	case RowRead:
		d.Status = http.StatusOK
		v = s.row.Read()
	case RowWrite:
		v, d.Status = s.row.Write(req.Version)
		switch d.Status {
		case http.StatusConflict:
			d.Body = conflictBody
		case http.StatusPreconditionRequired:
			d.Body = preconditionBody
		}
	default:
		return 0
	}
	if d.Status == http.StatusOK {
		d.Body = []byte(`{"version":` + strconv.FormatUint(v, 10) + "}\n")
	}
	return v
}
