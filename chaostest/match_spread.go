package chaostest

import (
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/chaos-harness/chaos/record"
	"github.com/onsi/gomega/types"
)

// SpreadRetries holds when the retries are spread out in time rather than
// arriving as a herd: for every retry number seen at least twice, the
// standard deviation of the arrival times of that retry across logical
// requests (retry_spread[].sd_ms of result.json) is at least minSd. A fleet
// that failed together and waits a fixed backoff comes back together, with a
// spread near zero; full jitter over [0, d] spreads it by about d/√12.
//
// It is an error when no retry number was seen twice: nothing to judge.
func SpreadRetries(minSd time.Duration) types.GomegaMatcher {
	minMs := float64(minSd) / float64(time.Millisecond)
	return &recordsMatcher{
		want:          fmt.Sprintf("to spread every retry's arrivals with a standard deviation of at least %s", minSd),
		needsIdentity: true,
		judge: func(records []record.Record) (verdict, error) {
			p, err := policyOf(records)
			if err != nil {
				return verdict{}, err
			}
			var seen, herds []string
			var herdRetries []int
			for _, s := range p.RetrySpread {
				if s.Count < 2 {
					continue
				}
				line := fmt.Sprintf("retry %d: %d arrivals, sd %s", s.Retry, s.Count, ms(s.SdMs))
				seen = append(seen, line)
				if s.SdMs < minMs {
					herds = append(herds, line)
					herdRetries = append(herdRetries, s.Retry)
				}
			}
			if len(seen) == 0 {
				return verdict{}, errors.New("chaostest: no retry number was seen twice, so there is no spread to judge")
			}
			v := verdict{ok: len(herds) == 0, measured: strings.Join(seen, "; ")}
			if !v.ok {
				v.detail = "arriving as a herd: " + strings.Join(herds, "; ")
				v.culprits = describeGroups("retries that arrived as a herd", retryArrivals(records, herdRetries))
			}
			return v, nil
		},
	}
}

// retryArrivals groups the arrivals of each given retry number (retry k is the
// (k+1)-th attempt of a logical request).
func retryArrivals(records []record.Record, retries []int) []group {
	out := make([]group, len(retries))
	for i, k := range retries {
		out[i].label = fmt.Sprintf("retry %d", k)
	}
	for _, l := range logicalRequests(records) {
		for i, k := range retries {
			if k < len(l.records) {
				out[i].records = append(out[i].records, l.records[k])
			}
		}
	}
	for i := range out {
		out[i].records = byArrival(out[i].records)
		out[i].why = fmt.Sprintf("%d arrivals from %s to %s", len(out[i].records),
			ms(out[i].records[0].TMs), ms(out[i].records[len(out[i].records)-1].TMs))
	}
	return out
}
