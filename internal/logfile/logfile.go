// Package logfile creates and opens arrival-log files, compressed with
// zstd (github.com/klauspost/compress/zstd) when asked: a file whose name
// ends in .zst is written compressed, and any log that starts with zstd's
// magic number is read decompressed, whatever its name. Package record
// stays free of the dependency; this is where the commands open files.
package logfile

import (
	"bufio"
	"bytes"
	"errors"
	"fmt"
	"io"
	"os"
	"strings"

	"github.com/klauspost/compress/zstd"
)

// Ext is the name ending that asks for a compressed log.
const Ext = ".zst"

// zstdMagic starts every zstd frame (RFC 8878, section 3.1.1).
var zstdMagic = []byte{0x28, 0xb5, 0x2f, 0xfd}

// Compressed reports whether a log of this name is written compressed.
func Compressed(path string) bool { return strings.HasSuffix(path, Ext) }

// Writer is a log file being written: plain, or zstd-compressed. Each Write
// ends a compressed block, so the file holds what was written up to the
// last Write whatever then stops the process (at most that block is lost
// to a crash in the middle of it); Sync commits it to storage.
type Writer struct {
	f      *os.File
	z      *zstd.Encoder // nil for a plain file
	closed bool
}

// Create creates (or truncates) path for a log, compressed when its name
// ends in .zst.
func Create(path string) (*Writer, error) {
	f, err := os.Create(path)
	if err != nil {
		return nil, err
	}
	w := &Writer{f: f}
	if Compressed(path) {
		// The default level: 11x smaller logs for 14% more CPU on
		// `chaos compare` (docs/PERFORMANCE.md).
		if w.z, err = zstd.NewWriter(f, zstd.WithEncoderConcurrency(1)); err != nil {
			_ = f.Close()
			return nil, fmt.Errorf("%s: %w", path, err)
		}
	}
	return w, nil
}

// Name is the file's name.
func (w *Writer) Name() string { return w.f.Name() }

// Write writes p, as a compressed block ended at once when compressed.
func (w *Writer) Write(p []byte) (int, error) {
	if w.z == nil {
		return w.f.Write(p)
	}
	if _, err := w.z.Write(p); err != nil {
		return 0, err
	}
	if err := w.z.Flush(); err != nil {
		return 0, err
	}
	return len(p), nil
}

// Sync commits what was written to storage (fsync).
func (w *Writer) Sync() error { return w.f.Sync() }

// Close ends the compressed stream, then closes the file; a second Close
// does nothing.
func (w *Writer) Close() error {
	if w.closed {
		return nil
	}
	w.closed = true
	var err error
	if w.z != nil {
		err = w.z.Close()
	}
	return errors.Join(err, w.f.Close())
}

// Reader is a log file being read, decompressed when it is zstd.
type Reader struct {
	f        *os.File
	br       *bufio.Reader // f, with its first bytes looked at
	z        *zstd.Decoder // made for the first zstd stream, reused by Rewind
	r        io.Reader     // br, or z reading it
	zstd     bool          // the log is a zstd stream
	cutShort bool
}

// Open opens path for reading; a zstd stream is decompressed. It reads the
// file as a stream (a pipe will do), and only Rewind seeks.
func Open(path string) (*Reader, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	r := &Reader{f: f, br: bufio.NewReaderSize(f, 64<<10)}
	if err := r.start(); err != nil {
		_ = f.Close()
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	return r, nil
}

// start looks at the first bytes and reads on, decompressing a zstd stream.
func (r *Reader) start() error {
	r.r, r.zstd = r.br, false
	if head, _ := r.br.Peek(len(zstdMagic)); !bytes.Equal(head, zstdMagic) {
		return nil
	}
	if r.z == nil {
		z, err := zstd.NewReader(r.br, zstd.WithDecoderConcurrency(1))
		if err != nil {
			return err
		}
		r.z = z
	} else if err := r.z.Reset(r.br); err != nil {
		return err
	}
	r.r, r.zstd = r.z, true
	return nil
}

// Name is the file's name.
func (r *Reader) Name() string { return r.f.Name() }

// Compressed reports whether the file is a zstd stream.
func (r *Reader) Compressed() bool { return r.zstd }

// Read reads the log's bytes. A compressed stream cut short (its writer
// stopped in the middle of a block, or before ending the stream) ends the
// log where its last whole block ends: Read returns io.EOF there, and
// CutShort says so.
func (r *Reader) Read(p []byte) (int, error) {
	n, err := r.r.Read(p)
	if r.Compressed() && errors.Is(err, io.ErrUnexpectedEOF) {
		r.cutShort = true
		return n, io.EOF
	}
	return n, err
}

// CutShort reports whether a compressed log ended before its stream did.
func (r *Reader) CutShort() bool { return r.cutShort }

// Rewind starts reading the log again from its beginning; a log that
// cannot seek (a pipe) cannot.
func (r *Reader) Rewind() error {
	if _, err := r.f.Seek(0, io.SeekStart); err != nil {
		return err
	}
	r.cutShort = false
	r.br.Reset(r.f)
	return r.start()
}

// Close closes the file.
func (r *Reader) Close() error {
	if r.z != nil {
		r.z.Close()
	}
	return r.f.Close()
}
