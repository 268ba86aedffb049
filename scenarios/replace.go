package scenarios

import (
	"fmt"
	"strconv"
	"time"

	"github.com/chaos-harness/chaos/resilience"
)

// replaceBefore is when the fleet's clients stop replacing late answers
// (policies[].replace; resilience.WithReplaceUntil, in both engines, whose
// clocks read simEpoch at the scenario's start): an open-loop client replaces only while it offers
// requests, until clients.open.duration, as the client of Brooker's
// omission model does until his run stops; a replacement is a request the
// client offers anew, not a retry of a call it still waits for. Zero (no
// bound but replace.max) for a closed-loop fleet.
func replaceBefore(s *Scenario) time.Time {
	if o := s.Clients.Open; o != nil {
		return simEpoch.Add(o.Duration)
	}
	return time.Time{}
}

// checkReplacePolicies refuses a policy whose replace.slower_than is not
// below the clients' attempt timeout: an attempt that slow times out, so no
// answer would ever be late. (A policy's own timeout.attempt is checked by
// resilience's Problems.)
func checkReplacePolicies(s *Scenario, p *problems) {
	t := s.Clients.AttemptTimeout()
	for i, pol := range s.Policies {
		if r := pol.Config.Replace; r != nil && t > 0 && r.SlowerThan >= t {
			p.addValidation(fmt.Sprintf("policies[%d].replace.slower_than", i),
				"%v is not below clients.timeout %v: an attempt that slow times out, so no answer is ever late", r.SlowerThan, t)
		}
	}
}

// replaceText describes a replace section with its default filled in, for
// the report's policy table.
func replaceText(r resilience.ReplaceConfig) string {
	return "slower_than: " + shortDuration(r.SlowerThan) + ", max: " + strconv.Itoa(orDefault(r.Max, resilience.DefaultReplaceMax))
}
