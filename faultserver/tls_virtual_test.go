package faultserver_test

import (
	"time"

	. "github.com/onsi/ginkgo/v2"
	. "github.com/onsi/gomega"

	"github.com/chaos-harness/chaos/faultserver"
	"github.com/chaos-harness/chaos/record"
)

var _ = Describe("faults before the request and HTTP/2 faults in virtual time", func() {
	// play decides one request of a script whose only phase is fault and
	// plays it out at 10s for a client whose deadline is deadline.
	play := func(fault string, deadline time.Duration) (faultserver.Plan, faultserver.VirtualPlayout) {
		d := decide(compile("phases: [{fault: "+fault+"}]\n", 1), 0, "c1", "GET", "/")
		return d, faultserver.PlayVirtual(&d, 10*time.Second, deadline, false)
	}

	DescribeTable("end as the client on a new connection sees them",
		func(fault, kind string, deadline time.Duration, end time.Duration, left bool, ending faultserver.Ending, status int) {
			d, v := play(fault, deadline)
			Expect(d.Kind).To(Equal(kind))
			Expect(v.End).To(Equal(end))
			Expect(v.Left).To(Equal(left))
			Expect(v.Ending).To(Equal(ending))
			Expect(v.Status).To(Equal(status))
		},
		// A stall of 2s from 10s: closed at 12s, EOF; a client leaving at
		// 11s leaves then (its timeout).
		Entry("tls_stall", "{tls_stall: 2s}", record.FaultTLSStall, time.Duration(0), 12*time.Second, false, faultserver.EndClosed, 0),
		Entry("tls_stall past the deadline", "{tls_stall: 2s}", record.FaultTLSStall, 11*time.Second, 11*time.Second, true, faultserver.EndClosed, 0),
		Entry("accept_stall", "{accept_stall: 2s}", record.FaultAcceptStall, time.Duration(0), 12*time.Second, false, faultserver.EndClosed, 0),
		Entry("tls_close", "{tls_close: true}", record.FaultTLSClose, time.Duration(0), 10*time.Second, false, faultserver.EndClosed, 0),
		Entry("tls_bad_cert", "{tls_bad_cert: true}", record.FaultTLSBadCert, time.Duration(0), 10*time.Second, false, faultserver.EndBadCert, 0),
		Entry("rst_stream", "{rst_stream: CANCEL}", record.FaultRSTStream, time.Duration(0), 10*time.Second, false, faultserver.EndStreamReset, 0),
		Entry("a graceful goaway answers", "{goaway: true}", record.FaultGoAway, time.Duration(0), 10*time.Second, false, faultserver.EndResponse, 200),
		Entry("a goaway with a code does not", "{goaway: {code: CANCEL}}", record.FaultGoAway, time.Duration(0), 10*time.Second, false, faultserver.EndGoAway, 0),
	)
})
