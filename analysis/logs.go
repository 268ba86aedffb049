package analysis

import (
	"bufio"
	"bytes"
	"container/heap"
	"encoding/json"
	"errors"
	"fmt"
	"io"

	"github.com/chaos-harness/chaos/faultserver"
)

// LogSource is one arrival log (JSON lines of Records) to read.
type LogSource struct {
	Name string // for messages: the file name
	R    io.Reader
}

// MergeLogs reads the logs and calls fn with their Records merged by arrival
// time (t_ms; ties in the order of sources), reading each log as a stream. A
// line that is not a Record is an error naming the log and line, and so is an
// error from fn. A last line cut short, with no newline (the writer crashed
// mid-write), is skipped with a warning instead.
func MergeLogs(sources []LogSource, fn func(faultserver.Record) error, warn func(string)) error {
	h := make(logHeap, 0, len(sources))
	for i, src := range sources {
		lr := &logReader{src: src, order: i, r: bufio.NewReaderSize(src.R, 64*1024), warn: warn}
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
		if err := fn(lr.rec); err != nil {
			return fmt.Errorf("%s:%d: %w", lr.src.Name, lr.line, err)
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

// logReader yields one log's Records with their line numbers.
type logReader struct {
	src   LogSource
	order int
	r     *bufio.Reader
	warn  func(string)
	line  int
	rec   faultserver.Record
	buf   []byte
	fast  fastDecoder
}

// next reads the next Record; false at the end of the log.
func (lr *logReader) next() (bool, error) {
	for {
		line, complete, err := lr.readLine()
		if err != nil {
			return false, fmt.Errorf("%s:%d: %w", lr.src.Name, lr.line+1, err)
		}
		if line == nil {
			return false, nil
		}
		lr.line++
		line = bytes.TrimSpace(line)
		if len(line) == 0 {
			continue
		}
		lr.rec = faultserver.Record{}
		perr := lr.decode(line)
		if perr == nil {
			return true, nil
		}
		if !complete {
			if lr.warn != nil {
				lr.warn(fmt.Sprintf("%s:%d: skipped a last line cut short with no newline (%v)", lr.src.Name, lr.line, perr))
			}
			return false, nil
		}
		return false, fmt.Errorf("%s:%d: %w", lr.src.Name, lr.line, perr)
	}
}

// readLine returns the next line without its newline, whether it ended in a
// newline, and nil at the end of the input. Lines may be of any length.
func (lr *logReader) readLine() (line []byte, complete bool, err error) {
	lr.buf = lr.buf[:0]
	for {
		chunk, err := lr.r.ReadSlice('\n')
		lr.buf = append(lr.buf, chunk...)
		switch {
		case err == nil:
			return lr.buf[:len(lr.buf)-1], true, nil
		case errors.Is(err, bufio.ErrBufferFull):
			continue
		case errors.Is(err, io.EOF):
			if len(lr.buf) == 0 {
				return nil, false, nil
			}
			return lr.buf, false, nil
		default:
			return nil, false, err
		}
	}
}

// decode parses one line into lr.rec. It must be a JSON object with a t_ms,
// so a stray line of some other JSON is not taken for an attempt at time
// zero. The fast decoder takes the common lines; encoding/json the rest.
func (lr *logReader) decode(line []byte) error {
	if line[0] != '{' {
		return errors.New("not a Record: want a JSON object")
	}
	ok, hasTime := lr.fast.decode(line, &lr.rec)
	if !ok {
		lr.rec = faultserver.Record{}
		if err := json.Unmarshal(line, &lr.rec); err != nil {
			return fmt.Errorf("not a Record: %w", err)
		}
		hasTime = hasTimeField(line)
	}
	if !hasTime {
		return errors.New(`not a Record: no "t_ms" field`)
	}
	return nil
}

// hasTimeField reports whether a JSON object that encoding/json decoded has
// a t_ms that is not null, matched as encoding/json matches it (so a "t_ms"
// inside a string does not count).
func hasTimeField(line []byte) bool {
	var probe struct {
		TMs *json.RawMessage `json:"t_ms"`
	}
	return json.Unmarshal(line, &probe) == nil && probe.TMs != nil
}

// logHeap orders logs by their next Record's arrival time.
type logHeap []*logReader

func (h logHeap) Len() int { return len(h) }
func (h logHeap) Less(i, j int) bool {
	if h[i].rec.TMs != h[j].rec.TMs {
		return h[i].rec.TMs < h[j].rec.TMs
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
