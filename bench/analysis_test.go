package bench

import (
	"bytes"
	"testing"

	"github.com/chaos-harness/chaos/analysis"
	"github.com/chaos-harness/chaos/record"
)

const fleetClients = 10_000

// BenchmarkAnalysis feeds 1M and 10M generated Records to an Accumulator
// and finishes it, reporting Records per second (of wall and CPU time) and the peak heap (sampled
// every 2^18 Records and after Finish). gen is the generator alone, to be
// read as its share of the time; 1M-jsonl reads the same Records from
// arrivals.jsonl in memory, the path of `chaos analyze`.
func BenchmarkAnalysis(b *testing.B) {
	b.Run("gen-1M", func(b *testing.B) { benchAnalysis(b, 1_000_000, false) })
	b.Run("1M", func(b *testing.B) { benchAnalysis(b, 1_000_000, true) })
	b.Run("10M", func(b *testing.B) { benchAnalysis(b, 10_000_000, true) })
	b.Run("1M-jsonl", benchAnalysisJSONL)
}

func benchAnalysis(b *testing.B, n int, analyse bool) {
	peak := newHeapPeak()
	cpu := cpuTime()
	for b.Loop() {
		f := newFleetLog(fleetClients)
		acc, err := analysis.New(analysis.Options{})
		if err != nil {
			b.Fatal(err)
		}
		for i := range n {
			rec := f.record(i)
			if analyse {
				if err := acc.Add(rec); err != nil {
					b.Fatal(err)
				}
			}
			if i&(1<<18-1) == 0 {
				peak.sample()
			}
		}
		if analyse {
			if _, err := acc.Finish(); err != nil {
				b.Fatal(err)
			}
		}
	}
	b.ReportMetric(float64(n)*float64(b.N)/b.Elapsed().Seconds(), "records/s")
	b.ReportMetric(float64(n)*float64(b.N)/(cpuTime()-cpu).Seconds(), "records/cpu-s")
	peak.report(b, float64(n), "record")
}

func benchAnalysisJSONL(b *testing.B) {
	const n = 1_000_000
	f := newFleetLog(fleetClients)
	var log bytes.Buffer
	batch := make([]record.Record, 0, 4096)
	for i := range n {
		if batch = append(batch, f.record(i)); len(batch) == cap(batch) || i == n-1 {
			if err := record.WriteAll(&log, batch); err != nil {
				b.Fatal(err)
			}
			batch = batch[:0]
		}
	}
	b.SetBytes(int64(log.Len()))
	peak := newHeapPeak()
	cpu := cpuTime()
	for b.Loop() {
		acc, err := analysis.New(analysis.Options{})
		if err != nil {
			b.Fatal(err)
		}
		read := 0
		err = record.Read(bytes.NewReader(log.Bytes()), func(rec record.Record) error {
			if read++; read&(1<<18-1) == 0 {
				peak.sample()
			}
			return acc.Add(rec)
		})
		if err != nil {
			b.Fatal(err)
		}
		if _, err := acc.Finish(); err != nil {
			b.Fatal(err)
		}
	}
	b.ReportMetric(float64(n)*float64(b.N)/b.Elapsed().Seconds(), "records/s")
	b.ReportMetric(float64(n)*float64(b.N)/(cpuTime()-cpu).Seconds(), "records/cpu-s")
	peak.report(b, n, "record")
}
