package chaostest

import (
	"fmt"

	"github.com/onsi/gomega/types"

	"github.com/chaos-harness/chaos/analysis"
	"github.com/chaos-harness/chaos/record"
)

// HaveSuccessRate applies m to the share of logical requests that succeeded
// (success_rate of result.json), as in
//
//	Expect(srv).To(HaveSuccessRate(BeNumerically(">=", 0.99)))
//
// A logical request succeeded when any of its attempts did. Without the
// X-Chaos-* headers every attempt counts as a logical request of its own.
func HaveSuccessRate(m types.GomegaMatcher) types.GomegaMatcher {
	return &recordsMatcher{
		want: "to have a success rate that satisfies the matcher",
		judge: func(records []record.Record) (verdict, error) {
			p, err := policyOf(records)
			if err != nil {
				return verdict{}, err
			}
			ok, detail, err := matchInner(m, p.SuccessRate)
			if err != nil {
				return verdict{}, err
			}
			v := verdict{
				ok:       ok,
				measured: fmt.Sprintf("success_rate %.4g (%d of %d logical requests succeeded)", p.SuccessRate, p.Succeeded, p.LogicalRequests),
				detail:   detail,
			}
			if !ok {
				v.culprits = describeGroups("logical requests that failed", failedRequests(records))
			}
			return v, nil
		},
	}
}

// failedRequests are the logical requests none of whose attempts succeeded
// (analysis.Succeeded decides each attempt).
func failedRequests(records []record.Record) []group {
	var out []group
	for _, l := range logicalRequests(records) {
		failed := true
		for _, r := range l.records {
			if analysis.Succeeded(r) {
				failed = false
				break
			}
		}
		if failed {
			out = append(out, group{label: l.label, records: l.records})
		}
	}
	return out
}
