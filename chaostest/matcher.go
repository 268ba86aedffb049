package chaostest

import (
	"errors"
	"fmt"
	"strings"

	"github.com/chaos-harness/chaos/record"
	"github.com/onsi/gomega/types"
)

// verdict is what a rule found in the records.
type verdict struct {
	ok       bool
	measured string // the measured value, with what it was measured over
	detail   string // the inner matcher's message or an explanation
	culprits string // the records that broke the rule (only when !ok)
}

// recordsMatcher is the Gomega matcher behind every matcher of this package:
// it takes the records from the actual value and hands them to judge.
type recordsMatcher struct {
	want string // "to have a success rate that satisfies the matcher"
	// needsIdentity: the rule is about retries, so it is inconclusive (an
	// error) where the records cannot be grouped into logical requests.
	needsIdentity bool
	judge         func(records []record.Record) (verdict, error)

	last    verdict
	records int
	clients int
}

var _ types.GomegaMatcher = (*recordsMatcher)(nil)

func (m *recordsMatcher) Match(actual any) (bool, error) {
	records, err := recordsOf(actual)
	if err != nil {
		return false, err
	}
	if m.needsIdentity {
		p, err := policyOf(records)
		if err != nil {
			return false, err
		}
		if p.Amplification == nil {
			return false, p.unknown("which attempts are retries")
		}
	}
	clients, _ := byClient(records)
	m.records, m.clients = len(records), len(clients)
	m.last, err = m.judge(records)
	if err != nil {
		return false, err
	}
	return m.last.ok, nil
}

func (m *recordsMatcher) FailureMessage(any) string {
	return m.message(m.want)
}

func (m *recordsMatcher) NegatedFailureMessage(any) string {
	return m.message("not " + m.want)
}

func (m *recordsMatcher) message(want string) string {
	var b strings.Builder
	fmt.Fprintf(&b, "Expected %d records from %d clients %s,\nbut measured %s.\n", m.records, m.clients, want, m.last.measured)
	if m.last.detail != "" {
		b.WriteString(strings.TrimRight(m.last.detail, "\n") + "\n")
	}
	if !m.last.ok && m.last.culprits != "" {
		b.WriteString(m.last.culprits)
	}
	return b.String()
}

// recordSource is anything that hands out its Records: *Server, and
// *faultserver.Server.
type recordSource interface {
	Records() []record.Record
}

// recordsOf takes the records from what a matcher was given.
func recordsOf(actual any) ([]record.Record, error) {
	var records []record.Record
	switch v := actual.(type) {
	case []record.Record:
		records = v
	case recordSource:
		records = v.Records()
	default:
		return nil, fmt.Errorf("chaostest matchers take a *chaostest.Server, a *faultserver.Server or []record.Record, not %T", actual)
	}
	if len(records) == 0 {
		return nil, errors.New("chaostest: there are no records: the client sent no request to the server")
	}
	return records, nil
}

// matchInner applies a caller's matcher (BeNumerically(">=", 0.99), say) to a
// measured value, and returns its message for the verdict.
func matchInner(inner types.GomegaMatcher, value any) (bool, string, error) {
	if inner == nil {
		return false, "", errors.New("chaostest: the matcher for the measured value is nil")
	}
	ok, err := inner.Match(value)
	if err != nil {
		return false, "", err
	}
	if ok {
		return true, inner.NegatedFailureMessage(value), nil
	}
	return false, inner.FailureMessage(value), nil
}
