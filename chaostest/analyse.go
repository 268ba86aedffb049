package chaostest

import (
	"cmp"
	"errors"
	"fmt"
	"slices"
	"strings"

	"github.com/chaos-harness/chaos/analysis"
	"github.com/chaos-harness/chaos/faultserver"
)

// fleet is the policy name the pooled Records are analysed under.
const fleet = analysis.DefaultPolicyName

// analyse runs package analysis over records pooled into one fleet, in the
// order they were accepted.
func analyse(records []faultserver.Record) (analysis.Result, error) {
	acc, err := analysis.New(analysis.Options{})
	if err != nil {
		return analysis.Result{}, err
	}
	for i, rec := range byArrival(records) {
		rec.Policy = ""
		if err := acc.Add(rec); err != nil {
			return analysis.Result{}, fmt.Errorf("record %d: %w", i+1, err)
		}
	}
	return acc.Finish()
}

// fleetStats are the fleet's statistics and the analysis's notes, which say
// why a figure is unknown.
type fleetStats struct {
	analysis.PolicyResult
	notes []string
}

// policyOf analyses records and returns the fleet's statistics.
func policyOf(records []faultserver.Record) (fleetStats, error) {
	res, err := analyse(records)
	if err != nil {
		return fleetStats{}, err
	}
	p, ok := res.Policy(fleet)
	if !ok {
		return fleetStats{}, errors.New("analysis returned no statistics for the records")
	}
	return fleetStats{PolicyResult: *p, notes: res.Notes}, nil
}

// unknown is the error of a matcher whose figure the records cannot tell
// (null in result.json): the assertion is inconclusive, so it fails, with
// the analysis's notes saying why.
func (s fleetStats) unknown(metric string) error {
	return fmt.Errorf("chaostest: inconclusive: the records cannot tell %s (null in result.json): %s", metric, strings.Join(s.notes, "; "))
}

// byArrival returns a copy of records sorted by acceptance time.
func byArrival(records []faultserver.Record) []faultserver.Record {
	out := slices.Clone(records)
	slices.SortStableFunc(out, func(a, b faultserver.Record) int { return cmp.Compare(a.TMs, b.TMs) })
	return out
}

// identified reports whether any record says which logical request and
// attempt it is, so retries can be told from new requests.
func identified(records []faultserver.Record) bool {
	return slices.ContainsFunc(records, func(r faultserver.Record) bool { return r.Request != "" || r.Attempt > 0 })
}

// errNoIdentity is the error of a matcher about retries given records that
// cannot tell a retry from a new request.
var errNoIdentity = errors.New("the records carry neither X-Chaos-Request nor X-Chaos-Attempt, so a retry cannot be told from a new request; send the X-Chaos-* headers (DESIGN.md, \"Client identity on the wire\")")
