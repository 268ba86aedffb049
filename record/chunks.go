package record

import (
	"bytes"
	"errors"
	"io"
	"sync"
)

// chunkSize is how many bytes of whole lines a worker decodes at a time:
// about a thousand Records of a simulated run's log. A variable for the
// specs, which cut logs into chunks of a few bytes.
var chunkSize = 256 << 10

// chunk is a run of whole lines of the log, cut at a newline, and what
// decoding it found.
type chunk struct {
	data      []byte // whole lines; the log's last one may have no newline
	firstLine int    // the number of data's first line
	endLine   int    // how many newlines the log has up to data's end
	readErr   error  // reading failed after data (not io.EOF): the log ends there

	batch *Batch
	bad   *badLine      // the first line that is not a Record; nil when none
	done  chan struct{} // closed once decoded
}

// badLine is a line decodeLine refused: a header, an error or a last line
// cut short, which only the sequence of the log can tell apart.
type badLine struct {
	line     []byte // trimmed of space
	n        int    // its number
	complete bool   // it ended in a newline
	err      error  // why decodeLine refused it
	rest     int    // the offset in the chunk's data of the line after it
}

// decodeLines decodes the lines of data from the offset off on, the first
// of them numbered n, appending their Records and lines to b, and stops at
// the first line that is not a Record. Empty lines are skipped, and counted.
func decodeLines(fast *fastDecoder, data []byte, off, n int, b *Batch) *badLine {
	for off < len(data) {
		end, next, complete := len(data), len(data), false
		if i := bytes.IndexByte(data[off:], '\n'); i >= 0 {
			end, next, complete = off+i, off+i+1, true
		}
		n++
		line := bytes.TrimSpace(data[off:end])
		off = next
		if len(line) == 0 {
			continue
		}
		b.Records = append(b.Records, Record{})
		if err := decodeLine(fast, line, &b.Records[len(b.Records)-1]); err != nil {
			b.Records = b.Records[:len(b.Records)-1]
			return &badLine{line: line, n: n, complete: complete, err: err, rest: off}
		}
		b.Lines = append(b.Lines, n)
	}
	return nil
}

// ReadChunks reads the rest of the log as ReadAhead does, with the same
// Batches, Records and errors, but decodes it on several goroutines: one
// reads the log (and so decompresses it, if it is a compressed stream) and
// cuts it into chunks of whole lines, workers decode the chunks (at least
// one), and the batches come out in the log's order, a chunk a batch.
// Use the Reader for nothing else afterwards. release and stop are as for
// ReadAhead.
func (lr *Reader) ReadChunks(workers int) (batches <-chan *Batch, release func(*Batch), stop func()) {
	workers, size := max(workers, 1), chunkSize
	inFlight := 2*workers + 2 // chunks read ahead of the consumer
	out := make(chan *Batch, 2)
	order := make(chan *chunk, inFlight)
	jobs := make(chan *chunk, workers)
	freeBatches := make(chan *Batch, inFlight+4)
	freeData := make(chan []byte, inFlight+2)
	quit := make(chan struct{})
	var quitOnce sync.Once
	halt := func() { quitOnce.Do(func() { close(quit) }) }
	var wg sync.WaitGroup

	wg.Go(func() { // the reader: the log, cut into chunks
		defer close(order)
		defer close(jobs)
		lr.cutChunks(size, order, jobs, freeData, quit)
	})
	for range workers {
		wg.Go(func() {
			var fast fastDecoder
			for c := range jobs {
				var b *Batch
				select {
				case b = <-freeBatches:
					b.Records, b.Lines = b.Records[:0], b.Lines[:0]
					*b = Batch{Records: b.Records, Lines: b.Lines}
				default:
					b = &Batch{}
				}
				c.batch = b
				c.bad = decodeLines(&fast, c.data, 0, c.firstLine, b)
				close(c.done)
			}
		})
	}
	wg.Go(func() { // the sequencer: the chunks in order, and how the log ends
		defer close(out)
		defer halt() // an end before the log's (a bad line) stops the reader and workers
		var fast fastDecoder
		started, header := lr.started, lr.header
		for c := range order {
			select {
			case <-c.done:
			case <-quit:
				return
			}
			b, bad := c.batch, c.bad
			ended := false
			for bad != nil && !ended {
				started = started || len(b.Records) > 0
				ended = true
				h, ok, herr := parseHeader(bad.line)
				switch {
				case ok && bad.complete && herr != nil:
					b.Err = lr.errorf(bad.n, herr)
				case ok && bad.complete && started:
					b.Err = lr.errorf(bad.n, errLateHeader)
				case ok && bad.complete:
					header, started, ended = &h, true, false
					bad = decodeLines(&fast, c.data, bad.rest, bad.n, b)
				case !bad.complete:
					b.CutShort, b.CutShortLine = cutShortError(bad.err), bad.n
				default:
					b.Err = lr.errorf(bad.n, bad.err)
				}
			}
			started = started || len(b.Records) > 0
			if !ended && c.readErr != nil {
				b.Err, ended = lr.errorf(c.endLine+1, c.readErr), true
			}
			b.Header = header
			select {
			case out <- b:
			case <-quit:
				return
			}
			select {
			case freeData <- c.data[:0]:
			default:
			}
			if ended {
				return
			}
		}
	})
	release = func(b *Batch) {
		select {
		case freeBatches <- b:
		default:
		}
	}
	stop = func() {
		halt()
		wg.Wait()
	}
	return out, release, stop
}

// cutChunks reads the log to its end (or a read error), cutting it after
// the last newline of every size bytes or so, and sends each chunk to
// the sequencer (order) and then to the workers (jobs), until quit.
func (lr *Reader) cutChunks(size int, order, jobs chan<- *chunk, freeData <-chan []byte, quit <-chan struct{}) {
	var carry []byte // a line begun in the chunk before
	line := lr.line
	for {
		var buf []byte
		select {
		case buf = <-freeData:
		default:
		}
		if want := max(size, 2*len(carry)); cap(buf) < want {
			buf = make([]byte, 0, want)
		}
		buf = append(buf[:0], carry...)
		var rerr error
		for len(buf) < cap(buf) && rerr == nil {
			n, err := lr.r.Read(buf[len(buf):cap(buf)])
			buf, rerr = buf[:len(buf)+n], err
		}
		end := len(buf) // at io.EOF, the whole rest: its last line may have no newline
		if rerr == nil || !errors.Is(rerr, io.EOF) {
			// Only whole lines: a read error loses the line it cut, as Next does.
			end = bytes.LastIndexByte(buf, '\n') + 1
			if end == 0 && rerr == nil {
				carry = buf // one line longer than the buffer: read on
				continue
			}
		}
		carry = append(carry[:0:0], buf[end:]...)
		c := &chunk{data: buf[:end], firstLine: line, done: make(chan struct{})}
		line += bytes.Count(c.data, []byte{'\n'})
		c.endLine = line
		if rerr != nil && !errors.Is(rerr, io.EOF) {
			c.readErr = rerr
		}
		for _, ch := range [...]chan<- *chunk{order, jobs} {
			select {
			case ch <- c:
			case <-quit:
				return
			}
		}
		if rerr != nil {
			return
		}
	}
}
