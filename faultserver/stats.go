package faultserver

import (
	"strconv"
	"sync"

	"github.com/chaos-harness/chaos/record"
)

// Stats is what the server has done since it started: GET /_chaos/stats.
type Stats struct {
	// Requests is the number of completed requests.
	Requests int64 `json:"requests"`
	// InFlight is the number of requests being performed now; Hung those of
	// them held by a hang fault.
	InFlight int64 `json:"in_flight"`
	Hung     int64 `json:"hung"`
	// Held is the number of requests held now by a hang, a delay or a slow
	// body: what Limits.MaxHeld bounds.
	Held int64 `json:"held"`
	// LogDropped counts the Records that did not reach Options.Log because
	// it failed (LogError).
	LogDropped int64  `json:"log_dropped"`
	LogError   string `json:"log_error,omitempty"`
	// ElapsedMs is the time since the server started.
	ElapsedMs float64 `json:"elapsed_ms"`
	// Faults counts completed requests by fault kind, Statuses by the status
	// sent ("0" for none).
	Faults   map[string]int64 `json:"faults"`
	Statuses map[string]int64 `json:"statuses"`
	// Phases counts completed requests by route and phase, in order of first
	// appearance.
	Phases []PhaseStats `json:"phases"`
}

// PhaseStats counts the requests one phase of one route decided.
type PhaseStats struct {
	Route    string           `json:"route,omitempty"`
	Phase    string           `json:"phase"`
	Requests int64            `json:"requests"`
	Faults   map[string]int64 `json:"faults"`
}

// statsCounter accumulates Stats from completed Records.
type statsCounter struct {
	mu       sync.Mutex
	requests int64
	faults   map[string]int64
	statuses map[int]int64
	phases   []PhaseStats
	index    map[[2]string]int
}

func newStatsCounter() *statsCounter {
	return &statsCounter{faults: map[string]int64{}, statuses: map[int]int64{}, index: map[[2]string]int{}}
}

func (c *statsCounter) add(rec *record.Record) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.requests++
	c.faults[rec.Fault]++
	c.statuses[rec.Status]++
	key := [2]string{rec.Route, rec.Phase}
	i, ok := c.index[key]
	if !ok {
		i = len(c.phases)
		c.index[key] = i
		c.phases = append(c.phases, PhaseStats{Route: rec.Route, Phase: rec.Phase, Faults: map[string]int64{}})
	}
	c.phases[i].Requests++
	c.phases[i].Faults[rec.Fault]++
}

func (c *statsCounter) snapshot() Stats {
	c.mu.Lock()
	defer c.mu.Unlock()
	s := Stats{Requests: c.requests, Faults: map[string]int64{}, Statuses: map[string]int64{}}
	for k, v := range c.faults {
		s.Faults[k] = v
	}
	for k, v := range c.statuses {
		s.Statuses[strconv.Itoa(k)] = v
	}
	for _, p := range c.phases {
		cp := p
		cp.Faults = map[string]int64{}
		for k, v := range p.Faults {
			cp.Faults[k] = v
		}
		s.Phases = append(s.Phases, cp)
	}
	return s
}
