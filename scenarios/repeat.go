package scenarios

import (
	"time"

	"github.com/chaos-harness/chaos/analysis"
)

// SavedPolicyRun is a PolicyRun as a partial result of a sharded sweep keeps
// it (JSON), so that `chaos merge` analyses the run exactly as the process
// that ran it would have: every field but ExpectedDelay, a function of the
// policy that Restore makes again.
type SavedPolicyRun struct {
	Name            string              `json:"name"`
	Phases          []analysis.Phase    `json:"phases"`
	BreakerOpen     []analysis.Interval `json:"breaker_open"`
	LogicalRequests int64               `json:"logical_requests"`
	Succeeded       int64               `json:"succeeded"`
	Fallbacks       int64               `json:"fallbacks"`
	GaveUp          int64               `json:"gave_up"`
	Unsent          int64               `json:"unsent"`
	Unreached       int64               `json:"unreached"`
	Attempts        int64               `json:"attempts"`
	Duration        time.Duration       `json:"duration_ns"`
}

// Save is the run as a partial result keeps it.
func (p PolicyRun) Save() SavedPolicyRun {
	return SavedPolicyRun{Name: p.Name, Phases: p.Phases, BreakerOpen: p.BreakerOpen, LogicalRequests: p.LogicalRequests,
		Succeeded: p.Succeeded, Fallbacks: p.Fallbacks, GaveUp: p.GaveUp, Unsent: p.Unsent, Unreached: p.Unreached,
		Attempts: p.Attempts, Duration: p.Duration}
}

// Restore is the PolicyRun saved, run with pol: ExpectedDelay is made again
// from pol's backoff, as Run makes it.
func (s SavedPolicyRun) Restore(pol Policy) PolicyRun {
	return PolicyRun{Name: s.Name, Phases: s.Phases, BreakerOpen: s.BreakerOpen, ExpectedDelay: expectedDelay(pol.Config),
		LogicalRequests: s.LogicalRequests, Succeeded: s.Succeeded, Fallbacks: s.Fallbacks, GaveUp: s.GaveUp,
		Unsent: s.Unsent, Unreached: s.Unreached, Attempts: s.Attempts, Duration: s.Duration}
}
