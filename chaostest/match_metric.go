package chaostest

import (
	"errors"
	"fmt"
	"strconv"
	"strings"

	"github.com/onsi/gomega/types"

	"github.com/chaos-harness/chaos/analysis"
	"github.com/chaos-harness/chaos/record"
)

// HaveMetric applies m to any number of the fleet's result, named by its
// metric path in result.json (analysis.Lookup), as in
//
//	Expect(srv).To(HaveMetric("retry_spread.1.sd_ms", BeNumerically(">", 500)))
//	Expect(srv).To(HaveMetric("completion_ms.p99", BeNumerically("<=", 2000)))
//	Expect(srv).To(HaveMetric("faults.reset", BeZero()))
//
// m receives a float64. A path that names no metric is an error, with the
// near path suggested. A metric the records cannot tell (a figure that is
// null, a retry number no request reached) is inconclusive: an error that
// says why, so neither To nor NotTo passes on it.
func HaveMetric(path string, m types.GomegaMatcher) types.GomegaMatcher {
	return &recordsMatcher{
		want: fmt.Sprintf("to have %s that satisfies the matcher", path),
		judge: func(records []record.Record) (verdict, error) {
			p, err := policyOf(records)
			if err != nil {
				return verdict{}, err
			}
			r, err := analysis.Lookup(&p.PolicyResult, path)
			if err != nil {
				return verdict{}, fmt.Errorf("chaostest: %w", err)
			}
			if !r.Known() {
				msg := fmt.Sprintf("chaostest: %s is inconclusive: %s", path, r.Unknown)
				if len(p.notes) > 0 {
					msg += "; the analysis notes: " + strings.Join(p.notes, "; ")
				}
				return verdict{}, errors.New(msg)
			}
			ok, detail, err := matchInner(m, r.Value)
			if err != nil {
				return verdict{}, err
			}
			return verdict{ok: ok, measured: path + " = " + strconv.FormatFloat(r.Value, 'g', 6, 64), detail: detail}, nil
		},
	}
}
