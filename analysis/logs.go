package analysis

import (
	"container/heap"
	"fmt"
	"io"
	"runtime"

	"github.com/chaos-harness/chaos/record"
)

// LogSource is one arrival log (JSON lines of Records) to read.
type LogSource struct {
	Name string // for messages: the file name
	R    io.Reader
}

// MergeLogs reads the logs and calls fn with their Records merged by arrival
// time (t_ms; ties in the order of sources), reading each log as a stream
// and decoding it in chunks on GOMAXPROCS goroutines of its own
// (record.Reader.ReadChunks), so that parsing runs beside the analysis. A line that is not a Record is an
// error naming the log and line, and so is an error from fn. A last line
// cut short, with no newline (the writer crashed mid-write), is skipped
// with a warning instead.
//
// Logs with a header line (record.LogHeader: chaos serve --log writes one)
// are put on one clock: each log's t_ms (and sent_ms, received_ms) are
// shifted by its epoch_unix_ms less the earliest of them, so t_ms counts from
// the earliest log's start; and logs of two runs of one server (one server,
// two server_run ids) have the client and request keys of every run but the
// earliest prefixed with "RUN/", so that their logical requests are not laid
// over each other. Logs without a header keep their t_ms (today's
// behaviour). note, when set, receives a sentence for result.json's notes
// saying what was done (and that a log has no header, beside others that do).
func MergeLogs(sources []LogSource, fn func(record.Record) error, warn, note func(string)) error {
	return MergeLogsWarm(sources, func(rec *record.Record) error { return fn(*rec) }, nil, warn, note)
}

// warmRun is how many Records of a log warm sees at a time: few enough
// that what it loads for them is still in the cache when fn gets to them.
const warmRun = 256 // analysis.warmMax

// MergeLogsWarm is MergeLogs with warm, when not nil, called with each run
// of warmRun or fewer Records of a log before fn sees the first of them,
// as they will come to fn (on the one clock): for Accumulator.Warm, which
// loads what fn will need of memory for them all at once. fn is handed
// each Record in place, not a copy (for Accumulator.AddRecord): it may
// change it, and must not keep the pointer.
func MergeLogsWarm(sources []LogSource, fn func(*record.Record) error, warm func([]record.Record), warn, note func(string)) error {
	h := make(logHeap, 0, len(sources))
	defer func() {
		for _, lr := range h {
			lr.stop()
		}
	}()
	var opened []*logReader
	for i, src := range sources {
		lr := &logReader{name: src.Name, order: i, warn: warn, warm: warm}
		lr.batches, lr.release, lr.stop = record.NewReader(src.R, src.Name).ReadChunks(runtime.GOMAXPROCS(0))
		ok, err := lr.next()
		if err != nil {
			lr.stop()
			return err
		}
		if ok {
			h = append(h, lr)
			opened = append(opened, lr)
		} else {
			lr.stop()
		}
	}
	oneClock(opened, note)
	for _, lr := range opened {
		lr.adjust()
	}
	heap.Init(&h)
	for len(h) > 0 {
		lr := h[0]
		if err := fn(lr.record()); err != nil {
			return fmt.Errorf("%s:%d: %w", lr.name, lr.line(), err)
		}
		ok, err := lr.next()
		if err != nil {
			return err
		}
		switch {
		case ok && len(h) > 1:
			heap.Fix(&h, 0)
		case !ok:
			heap.Pop(&h)
			lr.stop()
		}
	}
	return nil
}

// logReader is one log of a merge: the batch it is in and where.
type logReader struct {
	name    string
	order   int
	warn    func(string)
	warm    func([]record.Record)
	batches <-chan *record.Batch
	release func(*record.Batch)
	stop    func()
	batch   *record.Batch
	i       int

	// One clock (see oneClock): added to every time of the log's Records,
	// and put before their client and request keys.
	shiftMs float64
	prefix  string
}

func (lr *logReader) record() *record.Record { return &lr.batch.Records[lr.i] }
func (lr *logReader) line() int              { return lr.batch.Lines[lr.i] }

// next moves to the log's next Record; false at its end, after warning of
// a last line cut short.
func (lr *logReader) next() (bool, error) {
	if lr.batch != nil && lr.i+1 < len(lr.batch.Records) {
		lr.i++
		lr.warmAhead()
		return true, nil
	}
	for {
		if lr.batch != nil {
			b := lr.batch
			lr.batch = nil
			if b.Err != nil {
				return false, b.Err
			}
			if b.CutShort != nil && lr.warn != nil {
				lr.warn(fmt.Sprintf("%s:%d: skipped %v", lr.name, b.CutShortLine, b.CutShort))
			}
			lr.release(b)
		}
		b, ok := <-lr.batches
		if !ok {
			return false, nil
		}
		lr.batch, lr.i = b, 0
		if len(b.Records) > 0 {
			lr.adjust()
			lr.warmAhead()
			return true, nil
		}
	}
}

// warmAhead hands the next run of Records, from the current one on, to warm
// when the current one starts a run.
func (lr *logReader) warmAhead() {
	if lr.warm != nil && lr.i%warmRun == 0 {
		lr.warm(lr.batch.Records[lr.i:min(lr.i+warmRun, len(lr.batch.Records))])
	}
}

// logHeap orders logs by their next Record's arrival time.
type logHeap []*logReader

func (h logHeap) Len() int { return len(h) }
func (h logHeap) Less(i, j int) bool {
	if ti, tj := h[i].record().TMs, h[j].record().TMs; ti != tj {
		return ti < tj
	}
	return h[i].order < h[j].order
}
func (h logHeap) Swap(i, j int) { h[i], h[j] = h[j], h[i] }
func (h *logHeap) Push(x any)   { *h = append(*h, x.(*logReader)) }
func (h *logHeap) Pop() any {
	old := *h
	x := old[len(old)-1]
	*h = old[:len(old)-1]
	return x
}
