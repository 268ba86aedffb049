package scenarios

import (
	"strconv"
	"time"

	"github.com/chaos-harness/chaos/analysis"
	"github.com/chaos-harness/chaos/faultserver"
)

// phaseTracker reconstructs the timeline of the server's top-level phases in
// one run. Phases that end by duration have exact, scheduled boundaries;
// phases that end by a request count end with the arrival of their last
// request, which only the run can tell, so the tracker watches decisions.
type phaseTracker struct {
	phases  []faultserver.PhaseSpec
	names   []string
	index   map[string]int
	last    []time.Duration // the last arrival decided in each phase
	reached int             // the highest phase index seen decided, plus one
	global  bool
	// seen and seenAt are the phase last observed and its index: a run's
	// arrivals come in long runs of one phase, so most skip the map.
	seen   string
	seenAt int
}

func newPhaseTracker(spec *faultserver.Spec) phaseTracker {
	t := phaseTracker{phases: spec.Phases, index: map[string]int{}, global: spec.Per != faultserver.PerClient}
	for i, p := range spec.Phases {
		name := p.Name
		if name == "" {
			name = "phase" + strconv.Itoa(i+1) // faultserver's default name
		}
		t.names = append(t.names, name)
		if _, dup := t.index[name]; !dup {
			t.index[name] = i
		}
	}
	t.last = make([]time.Duration, len(spec.Phases))
	return t
}

// observe notes a decision of the top-level schedule (route "").
func (t *phaseTracker) observe(at time.Duration, route, phase string) {
	if route != "" || !t.global {
		return
	}
	if phase == faultserver.PhaseDefault {
		t.reached = len(t.phases) + 1
		return
	}
	i := t.seenAt
	if phase != t.seen || t.seen == "" {
		var ok bool
		if i, ok = t.index[phase]; !ok {
			return
		}
		t.seen, t.seenAt = phase, i
	}
	t.last[i] = max(t.last[i], at)
	t.reached = max(t.reached, i+1)
}

// spans returns the phases that began before runEnd, for one policy's run.
// Under per: client each client has its own timeline, so there is none to
// give, and the result is empty (not nil: analysis must not infer one).
func (t *phaseTracker) spans(policy string, runEnd time.Duration) []analysis.Phase {
	out := []analysis.Phase{}
	if !t.global {
		return out
	}
	var begin time.Duration
	for i, p := range t.phases {
		if begin >= runEnd {
			break
		}
		end := runEnd
		switch {
		case p.Requests > 0 && t.reached > i+1:
			// It ended with its last request (or its duration, if sooner).
			end = t.last[i]
			if p.Duration > 0 {
				end = min(end, begin+p.Duration)
			}
		case p.Requests == 0 && p.Duration > 0:
			end = min(begin+p.Duration, runEnd)
		}
		out = append(out, analysis.Phase{Name: t.names[i], Policy: policy, Start: begin, End: max(end, begin), Fault: injects(&p)})
		begin = max(end, begin)
	}
	return out
}

// injects reports whether a phase injects any fault (a delay included, since
// a slow phase is what a brownout is).
func injects(p *faultserver.PhaseSpec) bool {
	if p.Fault != nil {
		return true
	}
	for _, m := range p.Mix {
		if m.Fault != nil {
			return true
		}
	}
	return false
}
