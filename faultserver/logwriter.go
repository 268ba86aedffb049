package faultserver

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"sync"
)

// logChunk is how many bytes of whole lines are gathered before a write.
const logChunk = 64 << 10

// lineWriter streams Records to a writer as JSON lines, so that whatever
// happens the writer holds whole lines and no gap:
//
//   - every Write is a run of whole lines, so a crash between writes leaves
//     whole lines, and a torn write at most one partial last line;
//   - after the first failed write (a full disk) nothing more is written, so
//     the file is a prefix of the log with no silent gap; each Record not
//     written is counted as dropped and the error is reported at once.
type lineWriter struct {
	mu      sync.Mutex
	w       io.Writer
	syncer  syncer // w, when it can be synced to storage (an *os.File)
	perLine bool   // write and sync every line as it is added
	buf     bytes.Buffer
	enc     *json.Encoder
	pending int64 // lines in buf
	written int64 // lines the writer accepted
	dropped int64 // lines lost to err
	err     error
	onError func(error)
}

// syncer is a writer that can commit what it was given to storage, as
// (*os.File).Sync does with fsync.
type syncer interface{ Sync() error }

// newLineWriter streams to w; perLine writes and syncs every line at once
// (Options.LogSync = LogSyncEachLine).
func newLineWriter(w io.Writer, onError func(error), perLine bool) *lineWriter {
	lw := &lineWriter{w: w, onError: onError, perLine: perLine}
	lw.syncer, _ = w.(syncer)
	lw.enc = json.NewEncoder(&lw.buf)
	return lw
}

// add appends a Record, writing when a chunk is full.
func (lw *lineWriter) add(rec *Record) {
	lw.mu.Lock()
	if lw.err != nil {
		lw.dropped++
		lw.mu.Unlock()
		return
	}
	var failed error
	if err := lw.enc.Encode(rec); err != nil { // no Record field can fail; be safe
		failed = lw.fail(fmt.Errorf("encoding a Record: %w", err), lw.pending+1)
	} else if lw.pending++; lw.perLine {
		failed = lw.writeAndSync()
	} else if lw.buf.Len() >= logChunk {
		failed = lw.writeOut()
	}
	lw.mu.Unlock()
	lw.report(failed)
}

// flush writes the lines gathered so far.
func (lw *lineWriter) flush() {
	lw.mu.Lock()
	failed := lw.writeOut()
	lw.mu.Unlock()
	lw.report(failed)
}

// flushAndSync writes the lines gathered so far and syncs the writer to
// storage. The sync runs outside mu, so that requests logging meanwhile do
// not wait for the disk; what it commits includes every line written before
// it.
func (lw *lineWriter) flushAndSync() {
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
}

// writeAndSync is writeOut followed by a sync of the writer, when it has
// one. A failed sync stops the stream as a failed write does: the lines
// written may not be on storage. Called with mu held.
func (lw *lineWriter) writeAndSync() error {
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
func (lw *lineWriter) writeOut() error {
	if lw.err != nil || lw.buf.Len() == 0 {
		return nil
	}
	n, err := lw.w.Write(lw.buf.Bytes())
	if err == nil && n < lw.buf.Len() {
		err = io.ErrShortWrite
	}
	if err != nil {
		// The whole lines of a torn write are in the file: count them written.
		whole := int64(bytes.Count(lw.buf.Bytes()[:max(0, min(n, lw.buf.Len()))], []byte{'\n'}))
		lw.written += whole
		return lw.fail(err, lw.pending-whole)
	}
	lw.written += lw.pending
	lw.pending = 0
	lw.buf.Reset()
	return nil
}

// fail stops the stream after lost lines were not written.
func (lw *lineWriter) fail(err error, lost int64) error {
	lw.err = fmt.Errorf("the arrival log failed after %d Records: %w; it stops there, and later Records are counted as dropped", lw.written, err)
	lw.dropped += lost
	lw.pending = 0
	lw.buf = bytes.Buffer{}
	return lw.err
}

func (lw *lineWriter) report(err error) {
	if err != nil && lw.onError != nil {
		lw.onError(err)
	}
}

// status returns the lines written, the lines dropped and the first error.
func (lw *lineWriter) status() (written, dropped int64, err error) {
	lw.mu.Lock()
	defer lw.mu.Unlock()
	return lw.written, lw.dropped, lw.err
}
