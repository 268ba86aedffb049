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

// arrivalLog holds the last limit Records in memory, in the order requests
// completed, and streams every Record as a JSON line. Offsets count Records
// since the server started: a Record's offset never changes.
type arrivalLog struct {
	mu    sync.Mutex
	ring  []Record // ring[(head+i)%len] is the i-th oldest kept; grows up to limit
	head  int
	limit int
	total int64 // Records ever added: the offset of the next one

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

func (l *arrivalLog) add(rec Record) {
	l.mu.Lock()
	defer l.mu.Unlock()
	if len(l.ring) < l.limit {
		l.ring = append(l.ring, rec)
	} else {
		l.ring[l.head] = rec
		l.head = (l.head + 1) % l.limit
	}
	l.total++
	if l.enc != nil && l.err == nil {
		l.err = l.enc.Encode(&rec)
	}
}

// since returns up to limit (0: all) kept Records from offset on, the offset of the first
// returned (later than offset when older ones are no longer kept) and the
// offset to ask for next.
func (l *arrivalLog) since(offset int64, limit int) (recs []Record, first, next int64) {
	l.mu.Lock()
	defer l.mu.Unlock()
	oldest := l.total - int64(len(l.ring))
	first = min(l.total, max(offset, oldest))
	n := int(l.total - first)
	if limit > 0 && n > limit {
		n = limit
	}
	recs = make([]Record, n)
	for i := range recs {
		recs[i] = l.ring[(l.head+int(first-oldest)+i)%len(l.ring)]
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
