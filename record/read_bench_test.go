package record_test

import (
	"bytes"
	"fmt"
	"math/rand/v2"
	"runtime"
	"testing"

	"github.com/chaos-harness/chaos/record"
)

// herdLines is a log of n lines as a simulated herd writes them: random
// clients, times with a few decimals, the client's times too.
func herdLines(n int) []byte {
	rng := rand.New(rand.NewPCG(1, 1))
	var log []byte
	for i := range n {
		c := rng.IntN(100_000)
		t := float64(rng.IntN(15_000_000)) / 1000
		rec := record.Record{TMs: t, Client: fmt.Sprintf("c%d", c), Request: fmt.Sprintf("c%d/1", c), Attempt: 1 + i%9,
			Method: "GET", Path: "/", Phase: "outage", Fault: record.FaultStatus, Status: 503, BodyBytes: 20,
			Policy: "full", Outcome: record.OutcomeStatus, SentMs: new(t), ReceivedMs: new(t + 0.25)}
		log, _ = record.AppendJSON(log, &rec)
	}
	return log
}

// BenchmarkRead reads a herd's log of 2^16 lines: Next line by line (one
// goroutine), and ReadChunks on GOMAXPROCS goroutines; records/s of each.
func BenchmarkRead(b *testing.B) {
	log := herdLines(1 << 16)
	b.Run("Next", func(b *testing.B) {
		b.SetBytes(int64(len(log)))
		for b.Loop() {
			lr := record.NewReader(bytes.NewReader(log), "")
			for {
				ok, err := lr.Next()
				if err != nil {
					b.Fatal(err)
				}
				if !ok {
					break
				}
			}
		}
		b.ReportMetric(float64(b.N<<16)/b.Elapsed().Seconds(), "records/s")
	})
	b.Run("ReadChunks", func(b *testing.B) {
		b.SetBytes(int64(len(log)))
		for b.Loop() {
			batches, release, stop := record.NewReader(bytes.NewReader(log), "").ReadChunks(runtime.GOMAXPROCS(0))
			for batch := range batches {
				release(batch)
			}
			stop()
		}
		b.ReportMetric(float64(b.N<<16)/b.Elapsed().Seconds(), "records/s")
	})
}
