package record_test

import (
	"bytes"
	"strings"

	"github.com/chaos-harness/chaos/record"
	. "github.com/onsi/ginkgo/v2"
	. "github.com/onsi/gomega"
)

var _ = Describe("Record", func() {
	It("writes the JSON field names of the contract", func() {
		var buf bytes.Buffer
		rec := record.Record{TMs: 1503.25, Client: "c17", Request: "c17/3", Attempt: 2,
			Method: "GET", Path: "/api/orders", Phase: "outage", Fault: record.FaultStatus,
			Status: 503, RetryAfterMs: 1000, LatencyMs: 0.4, BodyBytes: 20}
		Expect(record.WriteAll(&buf, []record.Record{rec})).To(Succeed())
		Expect(buf.String()).To(MatchJSON(`{"t_ms": 1503.25, "client": "c17", "request": "c17/3",
			"attempt": 2, "method": "GET", "path": "/api/orders", "phase": "outage",
			"fault": "status", "status": 503, "retry_after_ms": 1000, "latency_ms": 0.4,
			"body_bytes": 20}`))
	})

	It("writes incomplete only for a response that did not reach its end", func() {
		var buf bytes.Buffer
		rec := record.Record{TMs: 1, Client: "a", Fault: record.FaultSlow, Status: 200,
			LatencyMs: 200, BodyBytes: 40, Incomplete: true}
		Expect(record.WriteAll(&buf, []record.Record{rec})).To(Succeed())
		Expect(buf.String()).To(ContainSubstring(`"latency_ms":200,"body_bytes":40,"incomplete":true`))
	})

	It("reads back what it wrote and names the line of a bad one", func() {
		in := `{"t_ms": 1, "client": "a", "fault": "none", "status": 200}` + "\n\n" +
			`{"t_ms": 2, "client": "b", "fault": "reset"}` + "\n" + `{"t_ms": "x"}` + "\n"
		var got []record.Record
		err := record.Read(strings.NewReader(in), func(r record.Record) error {
			got = append(got, r)
			return nil
		})
		Expect(err).To(MatchError(ContainSubstring("line 4")))
		Expect(got).To(HaveLen(2))
		Expect(got[1].Client).To(Equal("b"))
		Expect(got[1].Fault).To(Equal(record.FaultReset))
	})
})
