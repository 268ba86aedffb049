package bench

import (
	"bufio"
	"context"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"

	"github.com/chaos-harness/chaos/analysis"
	"github.com/chaos-harness/chaos/record"
	"github.com/chaos-harness/chaos/scenarios"
)

// herdFleet is issue 16's benchmark fleet, CLIENTS clients started together
// against a 10 s outage, each with one logical request and up to 8 retries:
// about 9 Records a client, in arrival order, each of a request far in
// memory from the one before.
const herdFleet = `
name: herd
seed: 1
server:
  phases:
    - {name: outage, duration: 10s, fault: {status: 503}}
    - {name: ok}
clients: {count: CLIENTS, start: together, requests: 1, timeout: 5s}
policies:
  - name: full
    retry: {max_retries: 8, base: 100ms, cap: 5s, multiplier: 2, jitter: full}
`

// BenchmarkAnalyzeFile analyses the arrivals.jsonl of a simulated herd of
// 100,000 clients (about 900,000 Records, 245 MB) from a file, up to
// Finish, the path of `chaos analyze` less the reports, and reports Records
// per second of wall and of CPU time. sequential is the path before issue
// 16: one goroutine decodes (Reader.ReadAhead) beside the analysis, which
// takes each Record by value; chunked is today's: the log decoded in chunks
// on GOMAXPROCS goroutines (Reader.ReadChunks, through MergeLogsWarm), and
// each run of Records warmed (Accumulator.Warm) before AddRecord takes
// them. Read the two as a ratio of one run.
func BenchmarkAnalyzeFile(b *testing.B) {
	path, n := herdLog(b, 100_000)
	b.Run("sequential", func(b *testing.B) {
		benchAnalyzeFile(b, path, n, func(f *os.File, acc *analysis.Accumulator) error {
			batches, release, stop := record.NewReader(f, path).ReadAhead(2048)
			defer stop()
			for batch := range batches {
				for _, rec := range batch.Records {
					if err := acc.Add(rec); err != nil {
						return err
					}
				}
				if batch.Err != nil {
					return batch.Err
				}
				release(batch)
			}
			return nil
		})
	})
	b.Run("chunked", func(b *testing.B) {
		benchAnalyzeFile(b, path, n, func(f *os.File, acc *analysis.Accumulator) error {
			return analysis.MergeLogsWarm([]analysis.LogSource{{Name: path, R: f}}, acc.AddRecord, acc.Warm, nil, nil)
		})
	})
}

func benchAnalyzeFile(b *testing.B, path string, n int, feed func(*os.File, *analysis.Accumulator) error) {
	cpu := cpuTime()
	for b.Loop() {
		f, err := os.Open(path)
		if err != nil {
			b.Fatal(err)
		}
		acc, err := analysis.New(analysis.Options{Engine: "log"})
		if err != nil {
			b.Fatal(err)
		}
		if err := feed(f, acc); err != nil {
			b.Fatal(err)
		}
		_ = f.Close()
		if acc.Records() != n {
			b.Fatalf("analysed %d Records, want %d", acc.Records(), n)
		}
		if _, err := acc.Finish(); err != nil {
			b.Fatal(err)
		}
	}
	b.ReportMetric(float64(n)*float64(b.N)/b.Elapsed().Seconds(), "records/s")
	b.ReportMetric(float64(n)*float64(b.N)/(cpuTime()-cpu).Seconds(), "records/cpu-s")
}

// herdLog writes the log of a simulated herd of clients into a temporary
// file, as `chaos run --engine sim` writes arrivals.jsonl, and returns its
// path and how many Records it has.
func herdLog(b *testing.B, clients int) (string, int) {
	b.Helper()
	s, err := scenarios.Parse("herd.yaml", []byte(strings.ReplaceAll(herdFleet, "CLIENTS", strconv.Itoa(clients))))
	if err != nil {
		b.Fatal(err)
	}
	path := filepath.Join(b.TempDir(), "arrivals.jsonl")
	file, err := os.Create(path)
	if err != nil {
		b.Fatal(err)
	}
	w := bufio.NewWriterSize(file, 1<<20)
	var line []byte
	n := 0
	_, err = s.Run(context.Background(), scenarios.Options{Sink: func(rec *record.Record) error {
		n++
		var err error
		if line, err = record.AppendJSON(line[:0], rec); err != nil {
			return err
		}
		_, err = w.Write(line)
		return err
	}})
	if err == nil {
		err = w.Flush()
	}
	if cerr := file.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		b.Fatal(err)
	}
	return path, n
}
