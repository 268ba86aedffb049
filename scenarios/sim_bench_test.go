package scenarios_test

import (
	"context"
	"runtime"
	"strings"
	"testing"

	"github.com/chaos-harness/chaos/record"
	"github.com/chaos-harness/chaos/scenarios"
)

// benchFleet is 100,000 clients against a flaky server (20% 503s), retrying
// with full jitter: about 125,000 attempts per run.
const benchFleet = `
name: bench
seed: 1
server:
  phases:
    - mix: [{weight: 80}, {weight: 20, fault: {status: 503}}]
clients: {count: 100000, start: {spread: 10s}, timeout: 1s}
policies:
  - {name: retry, retry: {max_retries: 3, base: 10ms, cap: 1s, jitter: full}}
`

// BenchmarkSimAttempts measures simulated attempts per second (target: at
// least one million on one core), Records handed to a sink that drops them:
// 100,000 clients making one request each, and 10,000 clients making 20 each
// (where the per-client set-up weighs less).
func BenchmarkSimAttempts(b *testing.B) {
	b.Run("100000x1", func(b *testing.B) { benchmarkFleet(b, benchFleet) })
	b.Run("10000x20", func(b *testing.B) {
		benchmarkFleet(b, strings.Replace(benchFleet, "count: 100000,", "count: 10000, requests: 20, think: 100ms,", 1))
	})
}

// BenchmarkSimTogether starts 100,000 clients at once, so all of them are
// alive together; its B/client is what a simulated client costs.
func BenchmarkSimTogether(b *testing.B) {
	benchmarkFleet(b, strings.Replace(benchFleet, "{spread: 10s}", "together", 1))
}

// dropRecord is a sink that drops every Record, so that the Records are
// built as a run's would be, but not kept.
func dropRecord(*record.Record) error { return nil }

func benchmarkFleet(b *testing.B, src string) {
	s, err := scenarios.Parse("bench.yaml", []byte(src))
	if err != nil {
		b.Fatal(err)
	}
	b.ReportAllocs()
	var attempts int64
	var before runtime.MemStats
	runtime.ReadMemStats(&before)
	cpu0 := processCPU()
	for b.Loop() {
		run, err := s.Run(context.Background(), scenarios.Options{Sink: dropRecord})
		if err != nil {
			b.Fatal(err)
		}
		attempts += run.Policies[0].Attempts
	}
	b.ReportMetric(float64(attempts)/b.Elapsed().Seconds(), "attempts/s")
	if cpu := processCPU() - cpu0; cpu > 0 {
		b.ReportMetric(float64(attempts)/cpu.Seconds(), "attempts/cpu-s")
	}
	b.ReportMetric(float64(attempts)/float64(b.N), "attempts/op")
	var after runtime.MemStats
	runtime.ReadMemStats(&after)
	b.ReportMetric(float64(after.TotalAlloc-before.TotalAlloc)/float64(b.N)/float64(s.Clients.ClientCount()), "B/client")
}
