package bench

import (
	"runtime"
	"runtime/metrics"
	"testing"
)

// heapPeak tracks the heap's high-water marks above a baseline without
// stopping the world: live is the heap marked live by the latest GC (the
// memory the work truly holds), heap is all heap objects, garbage included
// (what the process needed at GOGC=100).
type heapPeak struct {
	samples          []metrics.Sample
	baseLive, base   uint64
	peakLive, peakHp uint64
}

func newHeapPeak() *heapPeak {
	runtime.GC()
	h := &heapPeak{samples: []metrics.Sample{{Name: "/gc/heap/live:bytes"}, {Name: "/memory/classes/heap/objects:bytes"}}}
	h.baseLive, h.base = h.read()
	return h
}

func (h *heapPeak) read() (live, heap uint64) {
	metrics.Read(h.samples)
	return h.samples[0].Value.Uint64(), h.samples[1].Value.Uint64()
}

// sample records the current values.
func (h *heapPeak) sample() {
	live, heap := h.read()
	h.peakLive = max(h.peakLive, live-min(live, h.baseLive))
	h.peakHp = max(h.peakHp, heap-min(heap, h.base))
}

// report adds the peaks per unit (a client, a Record) and in MB.
func (h *heapPeak) report(b *testing.B, units float64, unit string) {
	h.sample()
	b.ReportMetric(float64(h.peakLive)/units, "live-B/"+unit)
	b.ReportMetric(float64(h.peakHp)/units, "heap-B/"+unit)
	b.ReportMetric(float64(h.peakLive)/(1<<20), "peak-live-MB")
	b.ReportMetric(float64(h.peakHp)/(1<<20), "peak-heap-MB")
}
