package record_test

import (
	"encoding/json"
	"io"
	"testing"

	"github.com/chaos-harness/chaos/record"
)

var benchRecord = record.Record{TMs: 1503.25, Client: "c17", Request: "c17/3", Attempt: 2, Method: "GET", Path: "/api/orders",
	Phase: "outage", Fault: record.FaultStatus, Status: 503, RetryAfterMs: 1000, LatencyMs: 0.4, BodyBytes: 20,
	Policy: "full", Outcome: record.OutcomeStatus}

// BenchmarkEncode sets AppendJSON against encoding/json's Encoder, the
// reference it matches byte for byte: compare the two in one run.
func BenchmarkEncode(b *testing.B) {
	b.Run("AppendJSON", func(b *testing.B) {
		b.ReportAllocs()
		var line []byte
		for b.Loop() {
			line, _ = record.AppendJSON(line[:0], &benchRecord)
		}
	})
	b.Run("encoding/json", func(b *testing.B) {
		b.ReportAllocs()
		enc := json.NewEncoder(io.Discard)
		for b.Loop() {
			_ = enc.Encode(&benchRecord)
		}
	})
}
