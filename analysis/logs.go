package analysis

import (
	"container/heap"
	"fmt"
	"io"

	"github.com/chaos-harness/chaos/record"
)

// LogSource is one arrival log (JSON lines of Records) to read.
type LogSource struct {
	Name string // for messages: the file name
	R    io.Reader
}

// MergeLogs reads the logs and calls fn with their Records merged by arrival
// time (t_ms; ties in the order of sources), reading each log as a stream
// (record.Reader). A line that is not a Record is an error naming the log
// and line, and so is an error from fn. A last line cut short, with no
// newline (the writer crashed mid-write), is skipped with a warning instead.
func MergeLogs(sources []LogSource, fn func(record.Record) error, warn func(string)) error {
	h := make(logHeap, 0, len(sources))
	for i, src := range sources {
		lr := &logReader{Reader: record.NewReader(src.R, src.Name), name: src.Name, order: i, warn: warn}
		ok, err := lr.next()
		if err != nil {
			return err
		}
		if ok {
			h = append(h, lr)
		}
	}
	heap.Init(&h)
	for len(h) > 0 {
		lr := h[0]
		if err := fn(*lr.Record()); err != nil {
			return fmt.Errorf("%s:%d: %w", lr.name, lr.Line(), err)
		}
		ok, err := lr.next()
		if err != nil {
			return err
		}
		if ok {
			heap.Fix(&h, 0)
		} else {
			heap.Pop(&h)
		}
	}
	return nil
}

// logReader is one log of a merge.
type logReader struct {
	*record.Reader
	name  string
	order int
	warn  func(string)
}

// next reads the log's next Record, warning of a last line cut short.
func (lr *logReader) next() (bool, error) {
	ok, err := lr.Next()
	if !ok && err == nil && lr.CutShort() != nil && lr.warn != nil {
		lr.warn(fmt.Sprintf("%s:%d: skipped %v", lr.name, lr.Line(), lr.CutShort()))
	}
	return ok, err
}

// logHeap orders logs by their next Record's arrival time.
type logHeap []*logReader

func (h logHeap) Len() int { return len(h) }
func (h logHeap) Less(i, j int) bool {
	if ti, tj := h[i].Record().TMs, h[j].Record().TMs; ti != tj {
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
