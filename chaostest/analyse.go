package chaostest

import (
	"cmp"
	"errors"
	"fmt"
	"slices"
	"strings"

	"github.com/chaos-harness/chaos/analysis"
	"github.com/chaos-harness/chaos/record"
)

// fleet is the policy name the pooled Records are analysed under.
const fleet = analysis.DefaultPolicyName

// analyse runs package analysis over records pooled into one fleet, as
// `chaos analyze` would (analysis.AnalyzeRecords, with its identity inference
// for clients that send no X-Chaos-* headers).
func analyse(records []record.Record) (analysis.Result, error) {
	return analysis.AnalyzeRecords(analysis.Options{}, pooled(records))
}

// pooled is a copy of records with no policy: one fleet.
func pooled(records []record.Record) []record.Record {
	out := slices.Clone(records)
	for i := range out {
		out[i].Policy = ""
	}
	return out
}

// fleetStats are the fleet's statistics and the analysis's notes, which say
// why a figure is unknown.
type fleetStats struct {
	analysis.PolicyResult
	notes []string
}

// policyOf analyses records and returns the fleet's statistics.
func policyOf(records []record.Record) (fleetStats, error) {
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
func byArrival(records []record.Record) []record.Record {
	out := slices.Clone(records)
	slices.SortStableFunc(out, func(a, b record.Record) int { return cmp.Compare(a.TMs, b.TMs) })
	return out
}
