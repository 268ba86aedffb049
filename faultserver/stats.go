package faultserver

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

// stats sums the counts of the metrics' keys into Stats: every figure is a
// sum of the same counters, so a snapshot taken while requests complete is
// consistent (Requests is the sum of Faults, of Statuses and of Phases).
// Each request adds one to its key's counter (metrics.observe), without a
// lock; a key is listed once its first request is counted.
func (m *metrics) stats() Stats {
	s := Stats{Faults: map[string]int64{}, Statuses: map[string]int64{}}
	phase := map[[2]string]int{}
	for _, k := range m.entries() {
		n := k.requests()
		if n == 0 {
			continue // listed, not yet counted
		}
		s.Requests += n
		s.Faults[k.key.fault] += n
		s.Statuses[statusLabel(k.key.status)] += n
		at := [2]string{k.key.route, k.key.phase}
		i, ok := phase[at]
		if !ok {
			i = len(s.Phases)
			phase[at] = i
			s.Phases = append(s.Phases, PhaseStats{Route: k.key.route, Phase: k.key.phase, Faults: map[string]int64{}})
		}
		s.Phases[i].Requests += n
		s.Phases[i].Faults[k.key.fault] += n
	}
	return s
}
