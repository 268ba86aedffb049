package faultserver

import (
	"crypto/rand"
	"encoding/hex"
	"io"
	"sync"
	"time"

	"github.com/chaos-harness/chaos/record"
)

// DefaultLogLimit is how many Records a server keeps in memory unless told
// otherwise; the JSONL stream (Options.Log) keeps every one.
const DefaultLogLimit = 100_000

// DefaultLogMemory bounds the memory of the Records kept, unless told
// otherwise: Records with long paths or client keys are dropped from memory
// sooner, so the bound holds whatever clients send.
const DefaultLogMemory = 64 << 20

// logFlushInterval is how often the JSONL stream is flushed while serving, so
// a reader following the file sees records promptly.
const logFlushInterval = 200 * time.Millisecond

// logBlock is how many Records are allocated at a time: the ring grows by
// blocks, so it never copies what it holds.
const logBlock = 1024

// recordOverhead approximates the bytes of a Record beyond its strings.
const recordOverhead = 192

// Records for the stream wait in a queue that a goroutine of the log (the
// pump) hands to the writer: a request's Record is encoded, and the writer's
// occasional write to the file made, off the request's path. The pump
// gathers what arrives within pumpDelay of the first Record it is woken for;
// at maxPending Records waiting, the request that adds one hands the queue
// to the writer itself, so the queue stays bounded when the pump falls
// behind.
const (
	pumpDelay  = time.Millisecond
	maxPending = 4096
)

// arrivalLog holds the last Records in memory, in the order requests
// completed, bounded by count (limit) and by bytes (maxBytes), and streams
// every Record as a JSON line. Offsets count Records since the server
// started: a Record's offset never changes.
type arrivalLog struct {
	order    sync.Mutex        // serialises add, so memory and stream hold the same order
	mu       sync.Mutex        // guards the ring; never held while writing the stream
	blocks   [][]record.Record // the ring: slot i is blocks[i/logBlock][i%logBlock]
	slots    int               // slots allocated so far, up to limit
	limit    int
	maxBytes int64
	bytes    int64 // approximate bytes of the Records kept
	floor    int64 // offset of the oldest Record kept
	total    int64 // Records ever added: the offset of the next one

	stream *record.Writer // nil without Options.Log

	// The queue for the stream, unless each line is synced as it is added
	// (then add writes it itself, under order): pending is appended to under
	// mu, in the ring's order; drain swaps it with spare and writes it under
	// order.
	pending, spare []record.Record
	wake           chan struct{} // the pump's: a Record is pending; nil without a queue
	stop, stopped  chan struct{}
	closeOnce      sync.Once
}

// newArrivalLog builds the log; sync is Options.LogSync.
func newArrivalLog(limit int, maxBytes int64, w io.Writer, onError func(error), sync time.Duration) *arrivalLog {
	if limit <= 0 {
		limit = DefaultLogLimit
	}
	if maxBytes <= 0 {
		maxBytes = DefaultLogMemory
	}
	l := &arrivalLog{limit: limit, maxBytes: maxBytes}
	if w != nil {
		l.stream = record.NewWriter(w, record.WriterOptions{
			FlushEvery:   logFlushInterval,
			SyncEvery:    max(0, sync),
			SyncEachLine: sync == LogSyncEachLine,
			OnError:      onError,
		})
		if sync != LogSyncEachLine {
			l.wake, l.stop, l.stopped = make(chan struct{}, 1), make(chan struct{}), make(chan struct{})
			go l.pump()
		}
	}
	return l
}

// pump hands the pending Records to the stream, pumpDelay after it is
// woken, until close.
func (l *arrivalLog) pump() {
	defer close(l.stopped)
	for {
		select {
		case <-l.wake:
			select {
			case <-time.After(pumpDelay):
			case <-l.stop:
			}
			l.drain()
		case <-l.stop:
			l.drain()
			return
		}
	}
}

// drain writes the pending Records to the stream, in order.
func (l *arrivalLog) drain() {
	l.order.Lock()
	defer l.order.Unlock()
	l.mu.Lock()
	batch := l.pending
	l.pending, l.spare = l.spare[:0], nil
	l.mu.Unlock()
	for i := range batch {
		_ = l.stream.Write(&batch[i]) // a failure goes to onError once, and is in status
	}
	clear(batch) // hold no strings of Records written
	l.spare = batch[:0]
}

// recordBytes approximates the memory a kept Record holds.
func recordBytes(r *record.Record) int64 {
	return recordOverhead + int64(len(r.Client)+len(r.Request)+len(r.Method)+len(r.Path)+
		len(r.Route)+len(r.Phase)+len(r.Fault)+len(r.Policy)+len(r.Outcome))
}

// slot returns the ring slot of an offset.
func (l *arrivalLog) slot(offset int64) *record.Record {
	i := int(offset % int64(l.limit))
	return &l.blocks[i/logBlock][i%logBlock]
}

// add keeps a copy of rec in the ring and queues one for the stream, in
// the same order. With each line synced as it is added, it streams the
// copy in the ring at once instead, before returning: the stream encodes
// the copy, not rec, as the encoder keeps its argument on the heap and rec
// stays on the caller's stack; the ring slot cannot change meanwhile, as
// only keep writes slots, under order.
func (l *arrivalLog) add(rec *record.Record) {
	if l.wake == nil {
		l.order.Lock()
		defer l.order.Unlock()
		l.mu.Lock()
		kept := l.keep(rec)
		l.mu.Unlock()
		if l.stream != nil {
			_ = l.stream.Write(kept) // a failure goes to onError once, and is in status
		}
		return
	}
	l.mu.Lock()
	l.keep(rec)
	first := len(l.pending) == 0
	l.pending = append(l.pending, *rec)
	full := len(l.pending) >= maxPending
	l.mu.Unlock()
	switch {
	case full:
		l.drain()
	case first:
		select {
		case l.wake <- struct{}{}:
		default: // the pump is awake already
		}
	}
}

// keep puts a copy of a Record in the ring, dropping the oldest from memory
// to stay within both bounds, and returns the copy. Called with mu held.
func (l *arrivalLog) keep(rec *record.Record) *record.Record {
	size := recordBytes(rec)
	if l.slots < l.limit && int64(l.slots) == l.total {
		n := min(logBlock, l.limit-l.slots)
		l.blocks = append(l.blocks, make([]record.Record, n))
		l.slots += n
	}
	if l.total-l.floor == int64(l.limit) {
		l.evict() // the slot about to be reused
	}
	for l.bytes+size > l.maxBytes && l.floor < l.total {
		l.evict()
	}
	kept := l.slot(l.total)
	*kept = *rec
	l.bytes += size
	l.total++
	return kept
}

// evict drops the oldest kept Record from memory.
func (l *arrivalLog) evict() {
	old := l.slot(l.floor)
	l.bytes -= recordBytes(old)
	*old = record.Record{}
	l.floor++
}

// since returns up to limit (0: all) kept Records from offset on, the offset
// of the first returned (later than offset when older ones are no longer
// kept) and the offset to ask for next.
func (l *arrivalLog) since(offset int64, limit int) (recs []record.Record, first, next int64) {
	l.mu.Lock()
	defer l.mu.Unlock()
	first = min(l.total, max(offset, l.floor))
	n := int(l.total - first)
	if limit > 0 && n > limit {
		n = limit
	}
	recs = make([]record.Record, n)
	for i := range recs {
		recs[i] = *l.slot(first + int64(i))
	}
	return recs, first, first + int64(n)
}

// window returns where a read of up to limit (0: all) Records from offset on
// begins (later than offset when older ones are no longer kept) and where it
// ends, without copying any: a reader then copies them a page at a time.
func (l *arrivalLog) window(offset int64, limit int) (first, end int64) {
	l.mu.Lock()
	defer l.mu.Unlock()
	first = min(l.total, max(offset, l.floor))
	end = l.total
	if limit > 0 && end-first > int64(limit) {
		end = first + int64(limit)
	}
	return first, end
}

// page appends to into the kept Records from offset up to end, at most
// cap(into) of them. It returns false when the Record at offset is no longer
// kept: the log dropped it from memory since window.
func (l *arrivalLog) page(offset, end int64, into []record.Record) ([]record.Record, bool) {
	l.mu.Lock()
	defer l.mu.Unlock()
	if offset < l.floor {
		return into, false
	}
	for at := offset; at < min(end, l.total) && len(into) < cap(into); at++ {
		into = append(into, *l.slot(at))
	}
	return into, true
}

// memory returns the Records kept and their approximate bytes.
func (l *arrivalLog) memory() (kept, bytes int64) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.total - l.floor, l.bytes
}

// status returns the Records written to the stream, those dropped from it,
// and the first error it met.
func (l *arrivalLog) status() (written, dropped int64, err error) {
	if l.stream == nil {
		return 0, 0, nil
	}
	return l.stream.Status()
}

// close flushes the stream (and syncs it, when it can be) and stops the
// flusher; it returns the first error the stream met.
func (l *arrivalLog) close() error {
	if l.stream == nil {
		return nil
	}
	if l.stop != nil {
		l.closeOnce.Do(func() { close(l.stop) })
		<-l.stopped // the pump has drained the queue
	}
	return l.stream.Close()
}

// header writes h as the stream's first line (Options.LogHeader); a
// failure to write it goes where a Record's would.
func (l *arrivalLog) header(h record.LogHeader) {
	if l.stream != nil {
		_ = l.stream.WriteHeader(h)
	}
}

// newRunID is a fresh id of a server run: 8 random bytes in hex.
func newRunID() string {
	b := make([]byte, 8)
	_, _ = rand.Read(b) // crypto/rand.Read never fails on the platforms Go supports
	return hex.EncodeToString(b)
}
