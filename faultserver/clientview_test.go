package faultserver_test

import (
	"time"

	"github.com/chaos-harness/chaos/record"
	. "github.com/onsi/ginkgo/v2"
	. "github.com/onsi/gomega"
)

var _ = Describe("Decision.ClientView", func() {
	view := func(fault string, timeout time.Duration) []any {
		s := compile("phases: [{fault: "+fault+"}]\n", 1)
		d := decide(s, 0, "c", "GET", "/")
		outcome, after := d.ClientView(timeout)
		return []any{outcome, after}
	}

	DescribeTable("reads each kind as Go's client does",
		func(fault string, timeout time.Duration, outcome string, after time.Duration) {
			Expect(view(fault, timeout)).To(Equal([]any{outcome, after}))
		},
		Entry("delayed success", "{delay: 30ms}", time.Duration(0), record.OutcomeOK, 30*ms),
		Entry("delay past the timeout", "{delay: 30ms}", 10*ms, record.OutcomeTimeout, 10*ms),
		Entry("status", "{status: 503}", time.Second, record.OutcomeStatus, time.Duration(0)),
		Entry("hang outlasting the timeout", "{hang: 10s}", time.Second, record.OutcomeTimeout, time.Second),
		Entry("hang ending first: EOF", "{hang: 1s, delay: 1s}", 5*time.Second, record.OutcomeReset, 2*time.Second),
		Entry("reset", "{reset: true}", time.Second, record.OutcomeReset, time.Duration(0)),
		Entry("close", "{close: true}", time.Second, record.OutcomeReset, time.Duration(0)),
		Entry("truncate", "{truncate: 3}", time.Second, record.OutcomeReset, time.Duration(0)),
		Entry("malformed", "{malformed: true}", time.Second, record.OutcomeReset, time.Duration(0)),
		Entry("slow body: 2000 B at 1000 B/s", "{slow: 1000B/s, body_size: 2000}", time.Duration(0), record.OutcomeOK, 2*time.Second),
		Entry("slow body past the timeout", "{slow: 1000B/s, body_size: 2000}", time.Second, record.OutcomeTimeout, time.Second),
	)
})
