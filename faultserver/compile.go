package faultserver

import (
	"fmt"
	"regexp"
	"strconv"
	"sync/atomic"
)

// Phase names that are not a phase of the script.
const (
	PhaseDefault  = "default"  // no phase is in force
	PhaseCapacity = "capacity" // refused by the capacity model
)

// Script is a compiled Spec: the one decision core that the live server and
// the simulator both drive, with explicit elapsed time. It is safe for
// concurrent use.
type Script struct {
	tickets  [4]ticketState // what its Tickets point to (ticket.go)
	spec     *Spec
	seed     uint64
	routes   []*route // the spec's routes, in order
	top      *route   // the top-level schedule
	capacity *Capacity
	inFlight atomic.Int64 // admitted and not released, when there is no capacity model
	overload Plan
	service  serviceTime
	queue    *Queue
	row      *VersionedRow
	rowPath  string
	rowRe    *regexp.Regexp
	// phaseValues holds the X-Chaos-Phase value of every phase name a
	// decision of this script can carry, so that responses share them
	// (see responseHeader); read-only once compiled.
	phaseValues map[string][]string

	// Faults before the request (issue 15).
	// preRequest says the top-level schedule can draw a fault before the
	// request, so connections are decided at accept time (tlsdecide.go).
	preRequest bool
}

// Compile validates spec and compiles it with seed, which seeds every random
// stream. Problems are reported with their field paths (relative to the
// server section).
func Compile(spec *Spec, seed uint64) (*Script, error) {
	if spec == nil {
		spec = &Spec{}
	}
	if err := joinProblems(spec.Problems()); err != nil {
		return nil, err
	}
	s := &Script{spec: spec, seed: seed}
	s.initTickets()
	response := compileResponse(&spec.Response)
	s.top = compileRoute("", spec.Per == PerClient, response, spec.Phases, seed)
	for i := range spec.Routes {
		rs := &spec.Routes[i]
		resp := response
		if rs.Response != nil {
			resp = compileResponse(rs.Response)
		}
		per := rs.Per
		if per == "" {
			per = spec.Per
		}
		r := compileRoute(rs.label(), per == PerClient, resp, rs.Phases, seed)
		var err error
		if rs.Path != "" {
			r.literal, r.pattern, err = pathMatcher(rs.Path, false)
		} else {
			r.literal, r.pattern, err = pathMatcher(rs.PathPrefix, true)
		}
		if err != nil {
			return nil, fmt.Errorf("routes[%d]: %w", i, err)
		}
		r.methods = compileMethods(rs.Methods)
		r.headers = compileHeaders(rs.Headers)
		s.routes = append(s.routes, r)
	}
	s.phaseValues = s.phaseHeaderValues()
	s.preRequest = s.top.hasPreRequest()
	if c := spec.Capacity; c != nil {
		s.capacity = NewCapacity(*c)
		s.overload = Plan{Phase: PhaseCapacity}
		s.overload.fill(overloadAction(c))
	}
	if sv := spec.Service; sv != nil {
		s.service = compileService(sv)
	}
	if q := spec.Queue; q != nil {
		s.queue = NewQueue(*q, !s.service.finish)
		if s.capacity == nil { // a full queue refuses as the capacity model does
			s.overload = Plan{Phase: PhaseCapacity}
			s.overload.fill(overloadAction(&CapacitySpec{}))
		}
	}
	if rw := spec.Row; rw != nil {
		s.row = NewVersionedRow(rw.Version)
		var err error
		if s.rowPath, s.rowRe, err = pathMatcher(rw.Path, false); err != nil {
			return nil, fmt.Errorf("row.path: %w", err)
		}
	}
	return s, nil
}

func compileRoute(name string, perClient bool, response *action, specs []PhaseSpec, seed uint64) *route {
	r := &route{name: name, seed: routeSeed(seed, name), perCli: perClient, response: response}
	for i := range specs {
		ps := &specs[i]
		p := phase{name: ps.Name, duration: ps.Duration, requests: ps.Requests}
		if p.name == "" {
			p.name = "phase" + strconv.Itoa(i+1)
		}
		if ps.Fault != nil {
			p.fault = compileFault(ps.Fault, response)
		}
		for _, m := range ps.Mix {
			p.total += m.Weight
			e := mixEntry{upTo: p.total}
			if m.Fault != nil {
				e.action = compileFault(m.Fault, response)
			}
			p.mix = append(p.mix, e)
		}
		r.phases = append(r.phases, p)
	}
	return r
}

// phaseHeaderValues builds phaseValues: the names of the phases of every
// route, and those of the phases that are not the script's.
func (s *Script) phaseHeaderValues() map[string][]string {
	names := []string{PhaseDefault, PhaseCapacity, PhaseLimit}
	add := func(r *route) {
		for i := range r.phases {
			names = append(names, r.phases[i].name)
		}
	}
	add(s.top)
	for _, r := range s.routes {
		add(r)
	}
	return valuesOf(names...)
}

// Spec is the spec the script was compiled from; it must not be modified.
func (s *Script) Spec() *Spec { return s.spec }

// Seed is the seed the script was compiled with.
func (s *Script) Seed() uint64 { return s.seed }

// Fresh compiles the script's spec again with its seed: the same script with
// every phase, client, capacity and row state back at the start.
func (s *Script) Fresh() (*Script, error) { return Compile(s.spec, s.seed) }
