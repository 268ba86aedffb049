package chaostest

import (
	"cmp"
	"fmt"
	"slices"
	"strings"

	"github.com/chaos-harness/chaos/record"
	"github.com/onsi/gomega/types"
)

// HaveAmplification applies m to the load the client put on the server for
// the work it did: attempts per logical request (amplification of
// result.json), as in
//
//	Expect(srv).To(HaveAmplification(BeNumerically("<=", 2.5)))
func HaveAmplification(m types.GomegaMatcher) types.GomegaMatcher {
	return &recordsMatcher{
		want:          "to have an amplification that satisfies the matcher",
		needsIdentity: true,
		judge: func(records []record.Record) (verdict, error) {
			p, err := policyOf(records)
			if err != nil {
				return verdict{}, err
			}
			if p.Amplification == nil {
				return verdict{}, p.unknown("amplification")
			}
			ok, detail, err := matchInner(m, *p.Amplification)
			if err != nil {
				return verdict{}, err
			}
			v := verdict{
				ok:       ok,
				measured: fmt.Sprintf("amplification %.4g (%d attempts for %d logical requests)", *p.Amplification, p.Attempts, p.LogicalRequests),
				detail:   detail,
			}
			if !ok {
				v.culprits = describeGroups("logical requests with the most attempts", mostAttempts(records))
			}
			return v, nil
		},
	}
}

// mostAttempts lists the logical requests with more than one attempt, the
// most attempts first.
func mostAttempts(records []record.Record) []group {
	var out []group
	for _, l := range logicalRequests(records) {
		if len(l.records) > 1 {
			out = append(out, group{label: l.label, why: fmt.Sprintf("%d attempts", len(l.records)), records: l.records})
		}
	}
	slices.SortStableFunc(out, func(a, b group) int { return cmp.Compare(len(b.records), len(a.records)) })
	return out
}

// HaveAttemptsPerRequest applies m to the number of attempts of every logical
// request, as in
//
//	Expect(srv).To(HaveAttemptsPerRequest(BeNumerically("<=", 4)))
//
// It fails when any logical request's count fails m, and names them.
func HaveAttemptsPerRequest(m types.GomegaMatcher) types.GomegaMatcher {
	return &recordsMatcher{
		want:          "to make a number of attempts per logical request that satisfies the matcher",
		needsIdentity: true,
		judge: func(records []record.Record) (verdict, error) {
			p, err := policyOf(records)
			if err != nil {
				return verdict{}, err
			}
			var bad []int // attempt counts that fail m
			var detail string
			badRequests, histogram := 0, make([]string, 0, len(p.AttemptsPerRequest))
			for _, c := range p.AttemptsPerRequest {
				histogram = append(histogram, fmt.Sprintf("%d×%d", c.Requests, c.Attempts))
				ok, msg, err := matchInner(m, c.Attempts)
				if err != nil {
					return verdict{}, err
				}
				if !ok {
					if bad == nil {
						detail = msg
					}
					bad = append(bad, c.Attempts)
					badRequests += c.Requests
				}
			}
			v := verdict{
				ok: len(bad) == 0,
				measured: fmt.Sprintf("%d of %d logical requests outside the rule (requests×attempts: %s)",
					badRequests, p.LogicalRequests, strings.Join(histogram, ", ")),
				detail: detail,
			}
			if !v.ok {
				v.culprits = describeGroups("logical requests whose attempt count broke the rule", withAttempts(records, bad))
			}
			return v, nil
		},
	}
}

// withAttempts lists the logical requests that made one of counts attempts.
func withAttempts(records []record.Record, counts []int) []group {
	var out []group
	for _, l := range logicalRequests(records) {
		if slices.Contains(counts, len(l.records)) {
			out = append(out, group{label: l.label, why: fmt.Sprintf("%d attempts", len(l.records)), records: l.records})
		}
	}
	return out
}
