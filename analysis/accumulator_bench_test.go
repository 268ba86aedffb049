package analysis_test

import (
	"bytes"
	"io"
	"math/rand/v2"
	"runtime"
	"strconv"
	"testing"

	"github.com/chaos-harness/chaos/analysis"
	"github.com/chaos-harness/chaos/record"
)

// fleet generates Records of 10,000 clients, each sending logical requests one
// after another with up to four attempts (a 503 with Retry-After, a reset, a
// 503, then success), over ten minutes at 10 million Records.
type fleet struct {
	rng     *rand.Rand
	clients []string
	seq     []int
	attempt []int
	request []string
}

func newFleet(n int) *fleet {
	f := &fleet{rng: rand.New(rand.NewPCG(1, 2)), clients: make([]string, n), seq: make([]int, n), attempt: make([]int, n), request: make([]string, n)}
	for i := range f.clients {
		f.clients[i] = "c" + strconv.Itoa(i)
	}
	return f
}

func (f *fleet) record(i int) record.Record {
	c := i % len(f.clients)
	if f.attempt[c] == 0 {
		f.seq[c]++
		f.request[c] = f.clients[c] + "/" + strconv.Itoa(f.seq[c])
	}
	f.attempt[c]++
	rec := record.Record{
		TMs: float64(i) * 0.06, Client: f.clients[c], Request: f.request[c], Attempt: f.attempt[c],
		Method: "GET", Path: "/api/orders", Phase: "healthy", Fault: "none", Status: 200, LatencyMs: f.rng.Float64() * 20,
	}
	if f.attempt[c] < 4 && f.rng.IntN(3) == 0 {
		switch f.attempt[c] {
		case 1:
			rec.Fault, rec.Status, rec.RetryAfterMs = "status", 503, 1000
		case 2:
			rec.Fault, rec.Status = "reset", 0
		default:
			rec.Fault, rec.Status = "status", 503
		}
		rec.Phase = "outage"
		return rec
	}
	f.attempt[c] = 0
	return rec
}

// BenchmarkAccumulator feeds b.N generated Records (run with
// -benchtime=10000000x for the 10-million-Record figure) and reports the rate
// and the peak live heap, sampled every 2^20 Records and after Finish.
func BenchmarkAccumulator(b *testing.B) {
	f := newFleet(10_000)
	acc, err := analysis.New(analysis.Options{})
	if err != nil {
		b.Fatal(err)
	}
	var ms runtime.MemStats
	runtime.GC()
	runtime.ReadMemStats(&ms)
	base, peak := ms.HeapAlloc, uint64(0)
	sample := func() {
		runtime.ReadMemStats(&ms)
		peak = max(peak, ms.HeapAlloc-min(base, ms.HeapAlloc))
	}
	b.ResetTimer()
	for i := range b.N {
		if err := acc.Add(f.record(i)); err != nil {
			b.Fatal(err)
		}
		if i&(1<<20-1) == 0 {
			sample()
		}
	}
	sample()
	res, err := acc.Finish()
	if err != nil {
		b.Fatal(err)
	}
	sample()
	b.StopTimer()
	b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "records/s")
	b.ReportMetric(float64(peak)/(1<<20), "peak-heap-MB")
	b.ReportMetric(float64(peak)/float64(res.Policies[0].LogicalRequests), "heap-B/request")
}

// BenchmarkMergeLogs decodes b.N JSON lines of Records (a generated log of
// 2^16 lines, read over and over) and reports the rate.
func BenchmarkMergeLogs(b *testing.B) {
	f := newFleet(10_000)
	var buf bytes.Buffer
	recs := make([]record.Record, 1<<16)
	for i := range recs {
		recs[i] = f.record(i)
	}
	if err := record.WriteAll(&buf, recs); err != nil {
		b.Fatal(err)
	}
	// b.N lines: the log over and over, then as many of its lines as remain.
	var parts []io.Reader
	for range b.N / len(recs) {
		parts = append(parts, bytes.NewReader(buf.Bytes()))
	}
	rest := buf.Bytes()
	for range len(recs) - b.N%len(recs) {
		rest = rest[:bytes.LastIndexByte(rest[:len(rest)-1], '\n')+1]
	}
	src := io.MultiReader(append(parts, bytes.NewReader(rest))...)
	count := 0
	b.ResetTimer()
	err := analysis.MergeLogs([]analysis.LogSource{{Name: "gen.jsonl", R: src}}, func(record.Record) error {
		count++
		return nil
	}, nil, nil)
	b.StopTimer()
	if err != nil {
		b.Fatal(err)
	}
	if count != b.N {
		b.Fatalf("decoded %d records, want %d", count, b.N)
	}
	b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "records/s")
}
