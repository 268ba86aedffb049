package chaostest

import (
	"errors"
	"fmt"

	"github.com/chaos-harness/chaos/record"
	"github.com/onsi/gomega/types"
)

// HonourRetryAfter holds when no retry came before the Retry-After of the
// response it followed had elapsed (retry_after_violations of result.json is
// 0, timed from the end of that response, with analysis's default slack of
// 1 ms). It is an error when no retry followed a Retry-After at all: there is
// then nothing to judge, and the test would pass whatever the client does.
func HonourRetryAfter() types.GomegaMatcher {
	return &recordsMatcher{
		want:          "to honour Retry-After",
		needsIdentity: true,
		judge: func(records []record.Record) (verdict, error) {
			p, err := policyOf(records)
			if err != nil {
				return verdict{}, err
			}
			if p.RetryAfterRetries == nil || p.RetryAfterViolations == nil {
				return verdict{}, p.unknown("retry_after_violations")
			}
			if *p.RetryAfterRetries == 0 {
				return verdict{}, errors.New("chaostest: no retry followed a response with Retry-After, so there is nothing to judge: the server sent no Retry-After, or the client never retried after one")
			}
			v := verdict{
				ok: *p.RetryAfterViolations == 0,
				measured: fmt.Sprintf("retry_after_violations %d (%d of %d retries after a Retry-After came early)",
					*p.RetryAfterViolations, *p.RetryAfterViolations, *p.RetryAfterRetries),
			}
			if !v.ok {
				culprits, err := earlyRetries(records)
				if err != nil {
					return verdict{}, err
				}
				v.culprits = describeGroups("logical requests that retried before Retry-After elapsed", culprits)
			}
			return v, nil
		},
	}
}

// earlyRetries finds the logical requests with Retry-After violations by
// analysing each one alone, so the rule is analysis's and nowhere else.
func earlyRetries(records []record.Record) ([]group, error) {
	var out []group
	for _, l := range logicalRequests(records) {
		if !followsRetryAfter(l.records) {
			continue
		}
		p, err := policyOf(l.records)
		if err != nil {
			return nil, err
		}
		if v := p.RetryAfterViolations; v != nil && *v > 0 {
			out = append(out, group{label: l.label, why: fmt.Sprintf("%d early", *v), records: l.records})
		}
	}
	return out, nil
}

// followsRetryAfter reports whether some attempt came after a response with
// Retry-After: the only requests that can break the rule.
func followsRetryAfter(records []record.Record) bool {
	for _, r := range records[:len(records)-1] {
		if r.RetryAfterMs > 0 {
			return true
		}
	}
	return false
}
