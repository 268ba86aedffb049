package record_test

import (
	"bytes"
	"encoding/json"
	"fmt"
	"math"
	"math/rand/v2"
	"testing"

	. "github.com/onsi/ginkgo/v2"
	. "github.com/onsi/gomega"

	"github.com/chaos-harness/chaos/record"
)

// reference is what encoding/json's Encoder writes for rec: the contract.
func reference(rec *record.Record) string {
	var buf bytes.Buffer
	Expect(json.NewEncoder(&buf).Encode(rec)).To(Succeed())
	return buf.String()
}

func ptr(f float64) *float64 { return &f }

var _ = Describe("AppendJSON", func() {
	DescribeTable("writes what encoding/json writes, byte for byte",
		func(rec record.Record) {
			got, err := record.AppendJSON(nil, &rec)
			Expect(err).NotTo(HaveOccurred())
			Expect(string(got)).To(Equal(reference(&rec)))
		},
		Entry("the zero Record", record.Record{}),
		Entry("a full one", record.Record{TMs: 1503.25, Client: "c17", Conn: 9, Request: "c17/3", Attempt: 2, Method: "GET",
			Path: "/api/orders", Route: "orders", Phase: "outage", Fault: record.FaultStatus, Status: 503, RetryAfterMs: 1000,
			LatencyMs: 0.4, BodyBytes: 20, Incomplete: true, Policy: "full", Outcome: record.OutcomeStatus,
			SentMs: ptr(1500.125), ReceivedMs: ptr(1504), GRPCCode: "UNAVAILABLE", Protocol: "HTTP/2.0", TLS: true}),
		Entry("a stream and an upstream's answer (issue 15)", record.Record{TMs: 2, Fault: record.FaultStream, Status: 200,
			BodyBytes: 120, Incomplete: true, StreamEvents: 5, UpstreamStatus: 201, IdempotencyKey: true, Method: "POST"}),
		Entry("negative stream and upstream numbers", record.Record{StreamEvents: -3, UpstreamStatus: -1}),
		Entry("an attempt at a downstream layer (issue 14)", record.Record{TMs: 4, Client: "layer0", Request: "layer0/2", Attempt: 3,
			Status: 503, Outcome: record.OutcomeStatus, Layer: 2}),
		Entry("a negative layer", record.Record{Layer: -1}),
		Entry("floats on both sides of the 'e' cutoffs", record.Record{TMs: 1e-7, RetryAfterMs: 1e21, LatencyMs: 999999999999999999999,
			SentMs: ptr(0.000001), ReceivedMs: ptr(-0.0)}),
		Entry("tiny and huge exponents", record.Record{TMs: 5e-324, RetryAfterMs: math.MaxFloat64, LatencyMs: 1.5e-10}),
		Entry("strings that need escapes", record.Record{Client: "a\"b\\c\n\r\t\b\f\x00\x1f\x7f", Path: "/<script>&amp;",
			Request: "\u2028\u2029 é 日本", Method: "bad\xffutf8\xc3", Phase: "\xed\xa0\x80"}),
		Entry("negative numbers", record.Record{Attempt: -1, Status: -5, BodyBytes: -7, TMs: -3.5}),
		Entry("a gRPC call", record.Record{TMs: 3, Client: "c1", Attempt: 2, Method: "POST", Path: "/pkg.Svc/Get",
			Fault: record.FaultStatus, Status: 503, RetryAfterMs: 250, GRPCCode: "UNAVAILABLE", SentMs: ptr(2)}),
	)

	// Times in whole nanoseconds take a path of their own (appendWholeNanos):
	// seeded values of every kind, against encoding/json.
	It("writes times in whole nanoseconds, and every other float, as encoding/json does", func() {
		rng := rand.New(rand.NewPCG(16, 1))
		limit := math.Ldexp(1, 32) // the fast path's bound, in ms
		edges := []float64{1e-6, -1e-6, 0.1 + 0.2, 9.9999995, 999999.9999995, limit, -limit,
			math.Nextafter(limit, 0), math.Nextafter(-limit, 0), limit - 1e-6, 1 - 1e-6, 0.5e-6, 1.5e-6, 123456789.000001}
		values := append([]float64{}, edges...)
		for range 60000 {
			ns := rng.Int64N(1 << 52) // up to 52 days, in ns: past the bound too
			values = append(values,
				float64(ns)/1e6,                        // a time as the harness writes it
				-float64(ns%1e9)/1e6,                   // negative
				float64(ns%100000)/1e6,                 // under 0.1 ms
				float64(ns)/1e6+1e-9,                   // a hair off a whole nanosecond
				math.Float64frombits(rng.Uint64()>>2),  // any positive finite double
				rng.Float64()*float64(rng.IntN(1e7)),   // any value below 1e7
				math.Round(rng.Float64()*1e4)/4,        // quarters
				float64(rng.Int64N(1<<40))/1e3,         // whole microseconds
				math.Nextafter(float64(ns)/1e6, 1e300), // the next float up
				float64(rng.Int64N(1<<62))/1e6,         // up to 2^42 ms: past the bound
			)
		}
		for i := 0; i < len(values); i += 4 {
			rec := record.Record{TMs: values[i]}
			if i+1 < len(values) {
				rec.LatencyMs = values[i+1]
			}
			if i+2 < len(values) {
				rec.RetryAfterMs = values[i+2]
			}
			if i+3 < len(values) {
				rec.SentMs = ptr(values[i+3])
			}
			got, err := record.AppendJSON(nil, &rec)
			Expect(err).NotTo(HaveOccurred())
			if want := reference(&rec); string(got) != want {
				Fail(fmt.Sprintf("values %v: got %s, want %s", values[i:min(i+4, len(values))], got, want))
			}
		}
	})

	It("refuses a time that is not a number, as encoding/json does, and leaves dst as it was", func() {
		rec := record.Record{LatencyMs: math.NaN()}
		got, err := record.AppendJSON([]byte("x"), &rec)
		Expect(err).To(MatchError(ContainSubstring("latency_ms")))
		Expect(string(got)).To(Equal("x"))
		_, err = record.AppendJSON(nil, &record.Record{SentMs: ptr(math.Inf(1))})
		Expect(err).To(MatchError(ContainSubstring("sent_ms")))
	})
})

// FuzzAppendJSON: for any strings and numbers, AppendJSON writes what
// encoding/json writes.
func FuzzAppendJSON(f *testing.F) {
	f.Add("c1", "/a<b>", "x\x00y", 1.5, 1e-7, int64(3), uint64(0), true)
	f.Add("\xff\u2028", "", "é", 1e21, -0.0, int64(-1), uint64(1<<63), false)
	f.Fuzz(func(t *testing.T, client, path, phase string, tms, lat float64, body int64, conn uint64, sent bool) {
		rec := record.Record{TMs: tms, Client: client, Path: path, Phase: phase, LatencyMs: lat, BodyBytes: body, Conn: conn, Policy: phase,
			StreamEvents: int(body), UpstreamStatus: int(conn % 600), IdempotencyKey: sent}
		if sent {
			rec.SentMs = &lat
		}
		got, err := record.AppendJSON(nil, &rec)
		var want bytes.Buffer
		werr := json.NewEncoder(&want).Encode(&rec)
		if (err != nil) != (werr != nil) {
			t.Fatalf("AppendJSON error %v, encoding/json %v", err, werr)
		}
		if err == nil && string(got) != want.String() {
			t.Fatalf("AppendJSON\n%s\nencoding/json\n%s", got, want.String())
		}
	})
}
