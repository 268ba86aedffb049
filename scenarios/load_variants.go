package scenarios

import (
	"fmt"
	"math"
	"slices"
)

// Variants of a scenario's offered load, for sweeps over it (`chaos tune
// --vary load=... --vary trigger=on,off`): the load a fleet offers, and the
// trigger that may tip a server into a metastable failure (in the sense of
// Bronson et al., "Metastable Failures in Distributed Systems", HotOS 2021:
// a trigger, such as a load surge, pushes the system into a bad state that a
// sustaining effect, such as retries, keeps it in after the trigger is gone).

// WithLoad returns a copy of s whose offered load is factor times s's: an
// open-loop fleet's every rate step (its surges too) times factor; a
// closed-loop fleet's client count (and its spike's) times factor, rounded
// to the nearest client. The factor must be positive and finite, and a
// closed-loop fleet must keep at least one client.
func (s *Scenario) WithLoad(factor float64) (*Scenario, error) {
	if !(factor > 0) || math.IsInf(factor, 0) {
		return nil, fmt.Errorf("load %v: must be a positive factor of the offered load", factor)
	}
	out := s.shallowClients()
	c := &out.Clients
	if c.Open != nil {
		for i := range c.Open.Rate {
			c.Open.Rate[i].Rate *= factor
		}
		return out, nil
	}
	count := int(math.Round(float64(c.ClientCount()) * factor))
	if count < 1 {
		return nil, fmt.Errorf("load %v: %d clients times %v is less than one client", factor, c.ClientCount(), factor)
	}
	c.Count = count
	if c.Spike != nil {
		c.Spike.Count = min(int(math.Round(float64(c.Spike.Count)*factor)), count)
	}
	return out, nil
}

// WithoutTrigger returns a copy of s without its load trigger: an open-loop
// schedule held at its first rate for the whole duration (no surge), and no
// clients.spike. It is an error when s has neither, since there is then
// nothing to remove.
func (s *Scenario) WithoutTrigger() (*Scenario, error) {
	if !s.HasLoadTrigger() {
		return nil, fmt.Errorf("trigger off: scenario %s has no load trigger to remove (an open-loop rate schedule that rises above its first rate, or clients.spike)", s.Name)
	}
	out := s.shallowClients()
	c := &out.Clients
	c.Spike = nil
	if c.Open != nil {
		c.Open.Rate = c.Open.Rate[:1]
		c.Open.Shape = ""
	}
	return out, nil
}

// HasLoadTrigger says whether s's load has a trigger WithoutTrigger removes:
// an open-loop rate that rises above its first step, or clients.spike.
func (s *Scenario) HasLoadTrigger() bool {
	c := s.Clients
	if c.Spike != nil {
		return true
	}
	if c.Open == nil {
		return false
	}
	return slices.ContainsFunc(c.Open.Rate[1:], func(st RateStep) bool { return st.Rate > c.Open.Rate[0].Rate })
}

// shallowClients copies s with its own copies of the client sections a
// variant changes, so s itself is never modified.
func (s *Scenario) shallowClients() *Scenario {
	out := *s
	if s.Clients.Open != nil {
		open := *s.Clients.Open
		open.Rate = slices.Clone(open.Rate)
		out.Clients.Open = &open
	}
	if s.Clients.Spike != nil {
		spike := *s.Clients.Spike
		out.Clients.Spike = &spike
	}
	return &out
}
