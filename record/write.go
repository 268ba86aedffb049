package record

import (
	"bufio"
	"bytes"
	"fmt"
	"io"
	"sync"
	"time"
)

// WriteAll writes records as JSON lines.
func WriteAll(w io.Writer, records []Record) error {
	bw := bufio.NewWriter(w)
	var line []byte
	for i := range records {
		var err error
		if line, err = AppendJSON(line[:0], &records[i]); err != nil {
			return err
		}
		if _, err := bw.Write(line); err != nil {
			return err
		}
	}
	return bw.Flush()
}

// Defaults of WriterOptions.
const (
	DefaultWriterBuffer = 64 << 10    // bytes of whole lines gathered before a write
	DefaultFlushEvery   = time.Second // the longest a line waits to be written
)

// WriterOptions configures a Writer; the zero value is the default.
type WriterOptions struct {
	// Buffer is how many bytes of whole lines are gathered before they are
	// handed to the writer in one Write; 0 is DefaultWriterBuffer.
	Buffer int
	// FlushEvery is the longest a line waits in the buffer; 0 is
	// DefaultFlushEvery.
	FlushEvery time.Duration
	// SyncEvery, when positive, also syncs the writer to storage that often,
	// when it can be synced (an *os.File).
	SyncEvery time.Duration
	// SyncEachLine writes and syncs every line as it is added.
	SyncEachLine bool
	// OnError, when set, is called once with the error that stopped the log.
	OnError func(error)
}

// Writer streams Records to a writer as JSON lines (arrivals.jsonl), so that
// whatever stops the process (a crash, a kill, a full disk) the writer holds
// whole lines and no gap:
//
//   - every Write it makes is a run of whole lines, so a crash between
//     writes leaves whole lines, and a torn write at most one partial last
//     line (which Reader skips as cut short);
//   - a line waits at most FlushEvery before it is written;
//   - after the first failed write nothing more is written, so the output is
//     a prefix of the log with no silent gap; every Record not written is
//     counted as dropped, and the error is returned by every later Write.
//
// Close writes the rest, syncs, and stops the background flushing. A Writer
// is safe for concurrent use.
type Writer struct {
	mu      sync.Mutex
	w       io.Writer
	syncer  syncer // w, when it can be synced to storage
	opts    WriterOptions
	buf     []byte // whole lines not yet written
	pending int64  // lines in buf
	written int64  // lines the writer accepted
	dropped int64  // lines lost to err
	err     error

	stop      chan struct{}
	stopped   chan struct{}
	closeOnce sync.Once
}

// syncer is a writer that can commit what it was given to storage, as
// (*os.File).Sync does with fsync.
type syncer interface{ Sync() error }

// NewWriter streams to w, which it never closes.
func NewWriter(w io.Writer, opts WriterOptions) *Writer {
	if opts.Buffer <= 0 {
		opts.Buffer = DefaultWriterBuffer
	}
	if opts.FlushEvery <= 0 {
		opts.FlushEvery = DefaultFlushEvery
	}
	lw := &Writer{w: w, opts: opts, stop: make(chan struct{}), stopped: make(chan struct{})}
	lw.syncer, _ = w.(syncer)
	go lw.flushEvery()
	return lw
}

// Write adds a Record, writing when the buffer is full. After the log has
// failed it counts the Record dropped and returns the error.
func (lw *Writer) Write(rec *Record) error {
	lw.mu.Lock()
	if lw.err != nil {
		lw.dropped++
		err := lw.err
		lw.mu.Unlock()
		return err
	}
	var failed error
	var err error
	if lw.buf, err = AppendJSON(lw.buf, rec); err != nil { // a time that is not a number
		failed = lw.fail(fmt.Errorf("encoding a Record: %w", err), lw.pending+1)
	} else if lw.pending++; lw.opts.SyncEachLine {
		failed = lw.writeAndSync()
	} else if len(lw.buf) >= lw.opts.Buffer {
		failed = lw.writeOut()
	}
	err = lw.err
	lw.mu.Unlock()
	lw.report(failed)
	return err
}

// Flush writes the lines gathered so far.
func (lw *Writer) Flush() error {
	lw.mu.Lock()
	failed := lw.writeOut()
	err := lw.err
	lw.mu.Unlock()
	lw.report(failed)
	return err
}

// Sync writes the lines gathered so far and syncs the writer to storage,
// when it can be synced. The sync runs unlocked, so that Records added
// meanwhile do not wait for the disk; it commits every line written before
// it.
func (lw *Writer) Sync() error {
	lw.mu.Lock()
	failed := lw.writeOut()
	ok := failed == nil && lw.err == nil && lw.syncer != nil
	lw.mu.Unlock()
	if ok {
		if err := lw.syncer.Sync(); err != nil {
			lw.mu.Lock()
			if lw.err == nil {
				failed = lw.fail(fmt.Errorf("syncing to storage: %w", err), 0)
			}
			lw.mu.Unlock()
		}
	}
	lw.report(failed)
	lw.mu.Lock()
	defer lw.mu.Unlock()
	return lw.err
}

// Close stops the background flushing, then writes what is left and syncs
// it; it returns the first error the log met. Closing twice is harmless.
func (lw *Writer) Close() error {
	lw.closeOnce.Do(func() { close(lw.stop) })
	<-lw.stopped
	return lw.Sync()
}

// Status returns the Records written, those dropped, and the first error.
func (lw *Writer) Status() (written, dropped int64, err error) {
	lw.mu.Lock()
	defer lw.mu.Unlock()
	return lw.written, lw.dropped, lw.err
}

// Lines is how many Records were added and not dropped: written, or waiting
// in the buffer.
func (lw *Writer) Lines() int64 {
	lw.mu.Lock()
	defer lw.mu.Unlock()
	return lw.written + lw.pending
}

// writeAndSync is writeOut followed by a sync of the writer, when it has
// one. A failed sync stops the log as a failed write does: the lines
// written may not be on storage. Called with mu held.
func (lw *Writer) writeAndSync() error {
	if err := lw.writeOut(); err != nil || lw.err != nil || lw.syncer == nil {
		return err
	}
	if err := lw.syncer.Sync(); err != nil {
		return lw.fail(fmt.Errorf("syncing to storage: %w", err), 0)
	}
	return nil
}

// writeOut writes the buffer in one Write; it returns the error when this
// write is the one that failed. Called with mu held.
func (lw *Writer) writeOut() error {
	if lw.err != nil || len(lw.buf) == 0 {
		return nil
	}
	n, err := lw.w.Write(lw.buf)
	if err == nil && n < len(lw.buf) {
		err = io.ErrShortWrite
	}
	if err != nil {
		// The whole lines of a torn write are in the output: count them written.
		whole := int64(bytes.Count(lw.buf[:max(0, min(n, len(lw.buf)))], []byte{'\n'}))
		lw.written += whole
		return lw.fail(err, lw.pending-whole)
	}
	lw.written += lw.pending
	lw.pending = 0
	lw.buf = lw.buf[:0]
	return nil
}

// fail stops the log after lost lines were not written. Called with mu held.
func (lw *Writer) fail(err error, lost int64) error {
	lw.err = fmt.Errorf("writing the records: %w (the log stops after %d Records; later ones are counted as dropped)", err, lw.written)
	lw.dropped += lost
	lw.pending = 0
	lw.buf = nil
	return lw.err
}

func (lw *Writer) report(err error) {
	if err != nil && lw.opts.OnError != nil {
		lw.opts.OnError(err)
	}
}

// flushEvery flushes every FlushEvery, and also syncs every SyncEvery when
// that is positive, until Close.
func (lw *Writer) flushEvery() {
	defer close(lw.stopped)
	t := time.NewTicker(lw.opts.FlushEvery)
	defer t.Stop()
	var syncs <-chan time.Time
	if lw.opts.SyncEvery > 0 {
		st := time.NewTicker(lw.opts.SyncEvery)
		defer st.Stop()
		syncs = st.C
	}
	for {
		select {
		case <-t.C:
			_ = lw.Flush() // a failure is kept and returned by the next Write
		case <-syncs:
			_ = lw.Sync()
		case <-lw.stop:
			return
		}
	}
}
