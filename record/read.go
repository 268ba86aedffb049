package record

import (
	"bufio"
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
)

// Reader reads one arrival log, a Record a line, as a stream: lines of any
// length, the common ones by a fast decoder and the rest by encoding/json,
// which is the reference for both values and errors. Every line must be a
// JSON object with a t_ms, so a stray line of some other JSON is not taken
// for an attempt at time zero; empty lines are skipped.
type Reader struct {
	name     string
	r        *bufio.Reader
	line     int
	rec      Record
	buf      []byte
	fast     fastDecoder
	cutShort error
}

// NewReader reads the log r; name (a file name, or "") prefixes its errors
// as "name:line: ..." ("line N: ..." without one).
func NewReader(r io.Reader, name string) *Reader {
	return &Reader{name: name, r: bufio.NewReaderSize(r, 64*1024)}
}

// Next reads the next Record, which Record then returns; false at the end
// of the log. A line that is not a Record is an error naming its line. A
// last line cut short, with no newline (its writer stopped mid-line), ends
// the log instead: Next returns false and CutShort says why.
func (lr *Reader) Next() (bool, error) {
	for {
		line, complete, err := lr.readLine()
		if err != nil {
			return false, lr.errorf(lr.line+1, err)
		}
		if line == nil {
			return false, nil
		}
		lr.line++
		line = bytes.TrimSpace(line)
		if len(line) == 0 {
			continue
		}
		lr.rec = Record{}
		perr := lr.decode(line)
		if perr == nil {
			return true, nil
		}
		if !complete {
			lr.cutShort = fmt.Errorf("a last line cut short with no newline (%v)", perr)
			return false, nil
		}
		return false, lr.errorf(lr.line, perr)
	}
}

// Record is the Record Next read; it is overwritten by the next call.
func (lr *Reader) Record() *Record { return &lr.rec }

// Line is the line number of the Record Next read, from 1.
func (lr *Reader) Line() int { return lr.line }

// CutShort is, once Next has returned false, why the log's last line (at
// Line) was not read: it was cut short with no newline. Nil when the log
// ended whole.
func (lr *Reader) CutShort() error { return lr.cutShort }

func (lr *Reader) errorf(line int, err error) error {
	if lr.name == "" {
		return fmt.Errorf("line %d: %w", line, err)
	}
	return fmt.Errorf("%s:%d: %w", lr.name, line, err)
}

// readLine returns the next line without its newline, whether it ended in a
// newline, and nil at the end of the input. Lines may be of any length.
func (lr *Reader) readLine() (line []byte, complete bool, err error) {
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

// decode parses one line into lr.rec.
func (lr *Reader) decode(line []byte) error {
	if line[0] != '{' {
		return errors.New("not a Record: want a JSON object")
	}
	ok, hasTime := lr.fast.decode(line, &lr.rec)
	if !ok {
		lr.rec = Record{}
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

// Read reads a whole log, calling fn with each Record in order; an error
// from fn stops it and is returned naming the line. Unlike a Reader it takes
// a last line cut short for the error it is.
func Read(r io.Reader, fn func(Record) error) error {
	lr := NewReader(r, "")
	for {
		ok, err := lr.Next()
		if err != nil {
			return err
		}
		if !ok {
			if lr.cutShort != nil {
				return lr.errorf(lr.line, lr.cutShort)
			}
			return nil
		}
		if err := fn(lr.rec); err != nil {
			return lr.errorf(lr.line, err)
		}
	}
}
