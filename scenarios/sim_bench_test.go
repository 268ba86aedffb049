package scenarios_test

import (
	"context"
	"runtime"
	"runtime/metrics"
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

// BenchmarkSimHerdEngine is the herd's simulation alone, its Records built
// and dropped: the engine's share of BenchmarkSimHerd.
func BenchmarkSimHerdEngine(b *testing.B) { benchmarkFleet(b, herdFleet) }

// BenchmarkSimTogether starts 100,000 clients at once, so all of them are
// alive together; its B/client is what a simulated client costs.
func BenchmarkSimTogether(b *testing.B) {
	benchmarkFleet(b, strings.Replace(benchFleet, "{spread: 10s}", "together", 1))
}

func benchmarkFleet(b *testing.B, src string) {
	s, err := scenarios.Parse("bench.yaml", []byte(src))
	if err != nil {
		b.Fatal(err)
	}
	b.ReportAllocs()
	var attempts int64
	var before runtime.MemStats
	runtime.ReadMemStats(&before)
	var peak liveHeapPeak
	n := 0
	sink := func(*record.Record) error {
		if n++; n&(1<<14-1) == 0 {
			peak.sample()
		}
		return nil
	}
	cpu0 := processCPU()
	for b.Loop() {
		peak.start()
		run, err := s.Run(context.Background(), scenarios.Options{Sink: sink})
		if err != nil {
			b.Fatal(err)
		}
		peak.sample()
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
	b.ReportMetric(float64(peak.live)/float64(s.Clients.ClientCount()), "live-B/client")
}

// herdFleet is issue 16's benchmark fleet (the lead's herd.yaml): 100,000
// clients started together against a 10 s outage, up to 8 full-jitter
// retries each, about 900,000 attempts per run.
const herdFleet = `
name: herd
seed: 1
server:
  phases:
    - {name: outage, duration: 10s, fault: {status: 503}}
    - {name: ok}
clients: {count: 100000, start: together, requests: 1, timeout: 5s}
policies:
  - name: full
    retry: {max_retries: 8, base: 100ms, cap: 5s, multiplier: 2, jitter: full}
`

// BenchmarkSimHerd is the work of `chaos run` on the herd without the
// report: the simulator, every Record encoded as arrivals.jsonl is (by a
// record.Writer, into a discarding file) and the streaming analysis, as
// RunAnalyzed runs them. It reports attempts per second of wall and of CPU
// time, and the peak live heap per client (the heap marked live by a
// collection, sampled every 2^14 Records, above the heap before the run).
func BenchmarkSimHerd(b *testing.B) {
	s, err := scenarios.Parse("herd.yaml", []byte(herdFleet))
	if err != nil {
		b.Fatal(err)
	}
	var peak liveHeapPeak
	b.ReportAllocs()
	var attempts int64
	cpu0 := processCPU()
	for b.Loop() {
		peak.start()
		w := record.NewWriter(discardFile{}, record.WriterOptions{Buffer: 1 << 20})
		n := 0
		opts := scenarios.Options{Sink: func(r *record.Record) error {
			if n++; n&(1<<14-1) == 0 {
				peak.sample()
			}
			return w.Write(r)
		}}
		out, err := s.RunAnalyzed(context.Background(), opts, "bench")
		if err != nil {
			b.Fatal(err)
		}
		if err := w.Close(); err != nil {
			b.Fatal(err)
		}
		peak.sample()
		attempts += out.Run.Policies[0].Attempts
	}
	b.ReportMetric(float64(attempts)/b.Elapsed().Seconds(), "attempts/s")
	if cpu := processCPU() - cpu0; cpu > 0 {
		b.ReportMetric(float64(attempts)/cpu.Seconds(), "attempts/cpu-s")
	}
	b.ReportMetric(float64(attempts)/float64(b.N), "attempts/op")
	b.ReportMetric(float64(peak.live)/float64(s.Clients.ClientCount()), "live-B/client")
}

// discardFile is an io.Writer that drops what it is given.
type discardFile struct{}

func (discardFile) Write(p []byte) (int, error) { return len(p), nil }

// liveHeapPeak is the largest live heap (as the latest collection marked
// it) seen above the live heap at start.
type liveHeapPeak struct {
	sample0 [1]metrics.Sample
	base    uint64
	live    uint64
}

func (h *liveHeapPeak) read() uint64 {
	h.sample0[0].Name = "/gc/heap/live:bytes"
	metrics.Read(h.sample0[:])
	return h.sample0[0].Value.Uint64()
}

func (h *liveHeapPeak) start() {
	runtime.GC()
	h.base = h.read()
}

func (h *liveHeapPeak) sample() {
	if v := h.read(); v > h.base {
		h.live = max(h.live, v-h.base)
	}
}
