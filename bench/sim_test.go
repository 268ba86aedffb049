package bench

import (
	"context"
	"strconv"
	"strings"
	"testing"

	"github.com/chaos-harness/chaos/record"
	"github.com/chaos-harness/chaos/scenarios"
)

// simFleet is CLIENTS clients started together (so all are alive at once)
// against a server that answers 503 to 20% of requests, each making one
// logical request with up to 3 full-jitter retries.
const simFleet = `
name: bench-sim
seed: 1
server:
  phases:
    - mix: [{weight: 80}, {weight: 20, fault: {status: 503}}]
clients: {count: CLIENTS, start: together, timeout: 1s}
policies:
  - {name: retry, retry: {max_retries: 3, base: 10ms, cap: 1s, jitter: full}}
`

// simSizes are the fleet sizes; growth per client must stay flat.
var simSizes = []int{1_000, 100_000, 1_000_000}

// BenchmarkSim runs the sim engine on fleets of each size and reports
// simulated attempts per second (of wall time and of CPU time) and peak
// heap per client. Records go to a
// sink that counts them and samples the heap every 2^16 Records.
func BenchmarkSim(b *testing.B) {
	for _, n := range simSizes {
		b.Run(strconv.Itoa(n), func(b *testing.B) {
			src := []byte(strings.ReplaceAll(simFleet, "CLIENTS", strconv.Itoa(n)))
			s, err := scenarios.Parse("bench-sim.yaml", src)
			if err != nil {
				b.Fatal(err)
			}
			peak := newHeapPeak()
			records := 0
			opts := scenarios.Options{Sink: func(*record.Record) error {
				if records++; records&(1<<16-1) == 0 {
					peak.sample()
				}
				return nil
			}}
			var attempts int64
			b.ReportAllocs()
			cpu := cpuTime()
			for b.Loop() {
				run, err := s.Run(context.Background(), opts)
				if err != nil {
					b.Fatal(err)
				}
				attempts += run.Policies[0].Attempts
			}
			b.ReportMetric(float64(attempts)/b.Elapsed().Seconds(), "attempts/s")
			b.ReportMetric(float64(attempts)/(cpuTime()-cpu).Seconds(), "attempts/cpu-s")
			peak.report(b, float64(n), "client")
		})
	}
}
