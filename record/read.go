package record

import (
	"bufio"
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"sync"
)

// Reader reads one arrival log, a Record a line, as a stream: lines of any
// length, the common ones by a fast decoder and the rest by encoding/json,
// which is the reference for both values and errors. Every line must be a
// JSON object with a t_ms, so a stray line of some other JSON is not taken
// for an attempt at time zero; empty lines are skipped, and so is a header
// line (LogHeader) as the first line, which Header returns.
type Reader struct {
	name     string
	r        *bufio.Reader
	line     int
	rec      Record
	buf      []byte
	fast     fastDecoder
	cutShort error

	// The log's header line (one clock across servers); started is set
	// once a first line, a header or a Record, was read.
	header  *LogHeader
	started bool
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
			lr.started = true
			return true, nil
		}
		if h, ok, herr := parseHeader(line); ok && complete {
			switch {
			case herr != nil:
				return false, lr.errorf(lr.line, herr)
			case lr.started:
				return false, lr.errorf(lr.line, errLateHeader)
			}
			lr.header, lr.started = &h, true
			continue
		}
		if !complete {
			lr.cutShort = cutShortError(perr)
			return false, nil
		}
		return false, lr.errorf(lr.line, perr)
	}
}

// errLateHeader is a header line after a log's first line.
var errLateHeader = errors.New("a log header after the first line (two logs joined into one?): analyse each log as a file of its own")

// cutShortError says why a last line with no newline, which perr says is
// not a Record, was not read.
func cutShortError(perr error) error {
	return fmt.Errorf("a last line cut short with no newline (%v)", perr)
}

// Header is the log's header line, nil when its first line is a Record (a
// log written before headers, or by a writer that has none). It is known
// once Next has been called.
func (lr *Reader) Header() *LogHeader { return lr.header }

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
func (lr *Reader) decode(line []byte) error { return decodeLine(&lr.fast, line, &lr.rec) }

// decodeLine parses one line, not empty and trimmed of space, into the zero
// Record rec: by the fast decoder where it can, else by encoding/json.
func decodeLine(fast *fastDecoder, line []byte, rec *Record) error {
	if line[0] != '{' {
		return errors.New("not a Record: want a JSON object")
	}
	ok, hasTime := fast.decode(line, rec)
	if !ok {
		*rec = Record{}
		if err := json.Unmarshal(line, rec); err != nil {
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

// Batch is a run of Records a Reader read ahead, each with its line number.
// The last batch of a log carries why it ended, if not at its end: Err
// (a line that is not a Record, a read error) or CutShort (a last line cut
// short); its Records come before that.
type Batch struct {
	Records  []Record
	Lines    []int
	Err      error
	CutShort error
	// CutShortLine is the line CutShort is about.
	CutShortLine int
	// Header is the log's header line, as Reader.Header; nil without one.
	Header *LogHeader
}

// ReadAhead reads the rest of the log on a goroutine of its own, size
// Records a batch, so that decoding runs beside whatever consumes them.
// Batches come in order on the channel, which closes after the last; hand
// each back with release once done with it, so its memory is reused. stop
// ends the reading early (a consumer that gives up) and waits for the
// goroutine; it is safe to call after the channel has closed, and twice.
func (lr *Reader) ReadAhead(size int) (batches <-chan *Batch, release func(*Batch), stop func()) {
	const inFlight = 4 // batches decoded ahead of the consumer
	out := make(chan *Batch, inFlight)
	free := make(chan *Batch, inFlight+2)
	quit, done := make(chan struct{}), make(chan struct{})
	go func() {
		defer close(done)
		defer close(out)
		for {
			var b *Batch
			select {
			case b = <-free:
				b.Records, b.Lines = b.Records[:0], b.Lines[:0]
			default:
				b = &Batch{Records: make([]Record, 0, size), Lines: make([]int, 0, size)}
			}
			for len(b.Records) < size {
				ok, err := lr.Next()
				if err != nil || !ok {
					b.Err, b.CutShort, b.CutShortLine = err, lr.cutShort, lr.line
					break
				}
				b.Records = append(b.Records, lr.rec)
				b.Lines = append(b.Lines, lr.line)
			}
			b.Header = lr.header
			last := b.Err != nil || len(b.Records) < size
			select {
			case out <- b:
			case <-quit:
				return
			}
			if last {
				return
			}
		}
	}()
	var once sync.Once
	release = func(b *Batch) {
		select {
		case free <- b:
		default:
		}
	}
	stop = func() {
		once.Do(func() { close(quit) })
		<-done
	}
	return out, release, stop
}
