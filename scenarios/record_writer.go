package scenarios

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"sync"
	"time"

	"github.com/chaos-harness/chaos/faultserver"
)

// RecordWriter writes Records as JSON lines (arrivals.jsonl) for Options.Sink.
// It buffers whole lines and hands w only whole lines, within a second of
// their being written, so whatever stops the process (a crash, a kill, a
// full disk) leaves the log a prefix of what was written: complete lines,
// then at most one line cut short, which `chaos analyze` skips with a
// warning. Close it to write the rest and stop its flushing.
type RecordWriter struct {
	mu    sync.Mutex
	w     io.Writer
	buf   []byte
	line  bytes.Buffer
	enc   *json.Encoder
	lines int64
	err   error
	stop  chan struct{}
	done  chan struct{}
	once  sync.Once
}

const (
	recordBufferSize = 1 << 20     // bytes kept before a write
	recordFlushEvery = time.Second // the longest a line waits to be written
)

// NewRecordWriter returns a RecordWriter onto w.
func NewRecordWriter(w io.Writer) *RecordWriter {
	rw := &RecordWriter{w: w, buf: make([]byte, 0, recordBufferSize), stop: make(chan struct{}), done: make(chan struct{})}
	rw.enc = json.NewEncoder(&rw.line)
	go rw.flushEvery(recordFlushEvery)
	return rw
}

// Write adds one Record: it is the Sink of a run. After a write error every
// call returns that error.
func (rw *RecordWriter) Write(r *faultserver.Record) error {
	rw.mu.Lock()
	defer rw.mu.Unlock()
	if rw.err != nil {
		return rw.err
	}
	rw.line.Reset()
	if err := rw.enc.Encode(r); err != nil {
		return fmt.Errorf("encoding record %d: %w", rw.lines+1, err)
	}
	if len(rw.buf)+rw.line.Len() > cap(rw.buf) {
		if err := rw.flush(); err != nil {
			return err
		}
	}
	rw.buf = append(rw.buf, rw.line.Bytes()...) // a line longer than the buffer grows it
	rw.lines++
	return nil
}

// Flush hands every buffered line to w.
func (rw *RecordWriter) Flush() error {
	rw.mu.Lock()
	defer rw.mu.Unlock()
	return rw.flush()
}

// Close flushes and stops the background flushing; it does not close w.
func (rw *RecordWriter) Close() error {
	rw.once.Do(func() { close(rw.stop) })
	<-rw.done
	return rw.Flush()
}

// Lines is the number of Records written.
func (rw *RecordWriter) Lines() int64 {
	rw.mu.Lock()
	defer rw.mu.Unlock()
	return rw.lines
}

func (rw *RecordWriter) flush() error {
	if rw.err != nil || len(rw.buf) == 0 {
		return rw.err
	}
	_, err := rw.w.Write(rw.buf)
	rw.buf = rw.buf[:0]
	if err != nil {
		rw.err = fmt.Errorf("writing the records: %w", err)
	}
	return rw.err
}

func (rw *RecordWriter) flushEvery(d time.Duration) {
	defer close(rw.done)
	t := time.NewTicker(d)
	defer t.Stop()
	for {
		select {
		case <-rw.stop:
			return
		case <-t.C:
			_ = rw.Flush() // a failure is kept and returned by the next Write
		}
	}
}
