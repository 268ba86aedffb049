package faultserver

import (
	"bufio"
	"encoding/json"
	"io"
	"sync"
	"time"
)

// DefaultLogLimit is how many Records a server keeps in memory unless told
// otherwise; the JSONL stream (Options.Log) keeps every one.
const DefaultLogLimit = 100_000

// logFlushInterval is how often the JSONL stream is flushed while serving, so
// a reader following the file sees records promptly.
const logFlushInterval = 200 * time.Millisecond

// logBlock is how many Records are allocated at a time: the ring grows by
// blocks, so it never copies what it holds.
const logBlock = 1024

// arrivalLog holds the last limit Records in memory, in the order requests
// completed, and streams every Record as a JSON line. Offsets count Records
// since the server started: a Record's offset never changes.
type arrivalLog struct {
	mu     sync.Mutex
	blocks [][]Record // the ring: slot i is blocks[i/logBlock][i%logBlock]
	slots  int        // slots allocated so far, up to limit
	limit  int
	total  int64 // Records ever added: the offset of the next one

	out     *bufio.Writer
	enc     *json.Encoder
	err     error // the first write error of the stream
	stop    chan struct{}
	stopped chan struct{}
}

func newArrivalLog(limit int, w io.Writer) *arrivalLog {
	if limit <= 0 {
		limit = DefaultLogLimit
	}
	l := &arrivalLog{limit: limit}
	if w != nil {
		l.out = bufio.NewWriterSize(w, 64<<10)
		l.enc = json.NewEncoder(l.out)
		l.stop, l.stopped = make(chan struct{}), make(chan struct{})
		go l.flushEvery(logFlushInterval)
	}
	return l
}

// slot returns the ring slot of an offset.
func (l *arrivalLog) slot(offset int64) *Record {
	i := int(offset % int64(l.limit))
	return &l.blocks[i/logBlock][i%logBlock]
}

func (l *arrivalLog) add(rec Record) {
	l.mu.Lock()
	defer l.mu.Unlock()
	if l.slots < l.limit && int64(l.slots) == l.total {
		n := min(logBlock, l.limit-l.slots)
		l.blocks = append(l.blocks, make([]Record, n))
		l.slots += n
	}
	*l.slot(l.total) = rec
	l.total++
	if l.enc != nil && l.err == nil {
		l.err = l.enc.Encode(&rec)
	}
}

// kept is the number of Records held in memory.
func (l *arrivalLog) kept() int64 { return min(l.total, int64(l.limit)) }

// since returns up to limit (0: all) kept Records from offset on, the offset
// of the first returned (later than offset when older ones are no longer
// kept) and the offset to ask for next.
func (l *arrivalLog) since(offset int64, limit int) (recs []Record, first, next int64) {
	l.mu.Lock()
	defer l.mu.Unlock()
	first = min(l.total, max(offset, l.total-l.kept()))
	n := int(l.total - first)
	if limit > 0 && n > limit {
		n = limit
	}
	recs = make([]Record, n)
	for i := range recs {
		recs[i] = *l.slot(first + int64(i))
	}
	return recs, first, first + int64(n)
}

func (l *arrivalLog) flushEvery(d time.Duration) {
	defer close(l.stopped)
	t := time.NewTicker(d)
	defer t.Stop()
	for {
		select {
		case <-t.C:
			l.flush()
		case <-l.stop:
			return
		}
	}
}

func (l *arrivalLog) flush() {
	l.mu.Lock()
	defer l.mu.Unlock()
	if l.out != nil && l.err == nil {
		l.err = l.out.Flush()
	}
}

// close flushes the stream and stops the flusher; it returns the first error
// the stream met.
func (l *arrivalLog) close() error {
	if l.stop != nil {
		close(l.stop)
		<-l.stopped
		l.stop = nil
	}
	l.flush()
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.err
}
