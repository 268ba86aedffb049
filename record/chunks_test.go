package record_test

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"math/rand/v2"
	"os"
	"path/filepath"
	"reflect"
	"slices"
	"strings"
	"testing"

	. "github.com/onsi/ginkgo/v2"
	. "github.com/onsi/gomega"

	"github.com/chaos-harness/chaos/internal/logfile"
	"github.com/chaos-harness/chaos/record"
)

// readOutcome is everything a reader makes of a log: the Records with their
// lines, the header, and how the log ended.
type readOutcome struct {
	Records      []record.Record
	Lines        []int
	Header       *record.LogHeader
	Err          string
	CutShort     string
	CutShortLine int
}

// readSequential reads log line by line with Reader.Next: the reference.
func readSequential(r io.Reader) readOutcome {
	lr := record.NewReader(r, "a.jsonl")
	var o readOutcome
	for {
		ok, err := lr.Next()
		if err != nil {
			o.Err = err.Error()
			break
		}
		if !ok {
			if lr.CutShort() != nil {
				o.CutShort, o.CutShortLine = lr.CutShort().Error(), lr.Line()
			}
			break
		}
		o.Records = append(o.Records, *lr.Record())
		o.Lines = append(o.Lines, lr.Line())
	}
	o.Header = lr.Header()
	return o
}

// readChunked reads log with ReadChunks, handing every batch back.
func readChunked(r io.Reader, workers int) readOutcome {
	batches, release, stop := record.NewReader(r, "a.jsonl").ReadChunks(workers)
	defer stop()
	var o readOutcome
	for b := range batches {
		o.Records = append(o.Records, b.Records...)
		o.Lines = append(o.Lines, b.Lines...)
		o.Header = b.Header
		if b.Err != nil {
			o.Err = b.Err.Error()
		}
		if b.CutShort != nil {
			o.CutShort, o.CutShortLine = b.CutShort.Error(), b.CutShortLine
		}
		release(b)
	}
	return o
}

// mixedLog is a log with a header, blank and space-only lines, a CRLF line,
// lines the fast decoder takes and lines it leaves to encoding/json
// (escapes, unknown keys, nulls), and a line longer than most chunks.
func mixedLog(records int) string {
	var b strings.Builder
	b.WriteString(`{"chaos_log":1,"epoch_unix_ms":1700000000000,"server":"s","server_run":"r1"}` + "\n")
	for i := range records {
		switch i % 7 {
		case 0:
			fmt.Fprintf(&b, `{"t_ms":%d.25,"client":"c%d","request":"c%d/1","attempt":1,"method":"GET","path":"/","phase":"outage","fault":"status","status":503,"retry_after_ms":0,"latency_ms":0.5,"body_bytes":20,"policy":"full","outcome":"status","sent_ms":%d,"received_ms":%d.5}`+"\n", i, i, i, i, i)
		case 1:
			b.WriteString("\n   \n")
			fmt.Fprintf(&b, `{"t_ms":%d,"client":"c\u00e9\"%d","request":"r\\%d"}`+"\n", i, i, i)
		case 2:
			fmt.Fprintf(&b, `  { "t_ms" : %de0 , "client" : "c%d", "extra": [1, 2] }  `+"\r\n", i, i)
		case 3:
			fmt.Fprintf(&b, `{"t_ms":%d,"client":"%s","sent_ms":null}`+"\n", i, strings.Repeat("x", 300))
		default:
			fmt.Fprintf(&b, `{"t_ms":%d,"client":"c%d","attempt":%d,"conn":%d,"tls":true,"incomplete":false}`+"\n", i, i%5, i%3, i)
		}
	}
	return b.String()
}

// failingReader returns its bytes, then err.
type failingReader struct {
	r   io.Reader
	err error
}

func (f *failingReader) Read(p []byte) (int, error) {
	n, err := f.r.Read(p)
	if errors.Is(err, io.EOF) {
		return n, f.err
	}
	return n, err
}

var _ = Describe("reading in parallel chunks", func() {
	// Chunk sizes from one byte (every line its own chunk, every boundary
	// inside a line) to more than the whole log (one chunk).
	sizes := []int{1, 2, 7, 64, 100, 333, 1 << 20}

	expectSame := func(log string) {
		GinkgoHelper()
		want := readSequential(strings.NewReader(log))
		for _, size := range sizes {
			restore := record.SetChunkSize(size)
			for _, workers := range []int{1, 2, 3} {
				got := readChunked(strings.NewReader(log), workers)
				Expect(got).To(Equal(want), "chunks of %d bytes, %d workers", size, workers)
			}
			restore()
		}
	}

	It("yields the Records, lines and header of the sequential reader, wherever the chunks end", func() {
		log := mixedLog(60)
		want := readSequential(strings.NewReader(log))
		Expect(want.Records).To(HaveLen(60), "the reference read them all")
		Expect(want.Header).NotTo(BeNil())
		Expect(want.Lines[len(want.Lines)-1]).To(Equal(61 + 2*9))
		expectSame(log)
	})

	It("cuts at a line's end as well as inside one", func() {
		line := `{"t_ms":1,"client":"c"}` + "\n" // 24 bytes
		log := strings.Repeat(line, 10)
		for _, size := range []int{len(line), len(line) - 1, len(line) + 1, 2 * len(line)} {
			restore := record.SetChunkSize(size)
			got := readChunked(strings.NewReader(log), 2)
			restore()
			Expect(got.Records).To(HaveLen(10), "chunks of %d bytes", size)
			Expect(got.Lines).To(Equal([]int{1, 2, 3, 4, 5, 6, 7, 8, 9, 10}))
		}
		expectSame(log)
	})

	It("ends at a last line cut short as the sequential reader does", func() {
		log := mixedLog(20) + `{"t_ms":99,"cli`
		want := readSequential(strings.NewReader(log))
		Expect(want.CutShort).To(HavePrefix("a last line cut short"))
		expectSame(log)
		expectSame(mixedLog(20) + `{"t_ms":99}`) // a whole Record with no newline is read
	})

	It("names the file and line of a bad line, after the Records before it", func() {
		for _, at := range []int{0, 1, 13, 39} {
			log := mixedLog(at) + "not json\n" + mixedLog(5)
			want := readSequential(strings.NewReader(log))
			Expect(want.Err).To(MatchRegexp(`^a\.jsonl:\d+: not a Record`))
			expectSame(log)
		}
	})

	It("refuses a header after the first line, and takes one after blank lines", func() {
		late := mixedLog(10) + `{"chaos_log":1,"epoch_unix_ms":5,"server_run":"r2"}` + "\n" + mixedLog(3)
		Expect(readSequential(strings.NewReader(late)).Err).To(ContainSubstring("a log header after the first line"))
		expectSame(late)
		expectSame("\n\n" + mixedLog(10))
		twice := `{"chaos_log":1,"epoch_unix_ms":5,"server_run":"r0"}` + "\n" + mixedLog(3)
		Expect(readSequential(strings.NewReader(twice)).Err).To(ContainSubstring("a log header after the first line"))
		expectSame(twice)
		expectSame(`{"chaos_log":2,"epoch_unix_ms":5}` + "\n" + mixedLog(3))
	})

	It("reports a read error at the line it cut, after the whole lines before it", func() {
		log := mixedLog(30) + `{"t_ms":1,"cl`
		boom := errors.New("disk on fire")
		want := readSequential(&failingReader{r: strings.NewReader(log), err: boom})
		Expect(want.Err).To(HaveSuffix("disk on fire"))
		for _, size := range sizes {
			restore := record.SetChunkSize(size)
			got := readChunked(&failingReader{r: strings.NewReader(log), err: boom}, 2)
			restore()
			Expect(got).To(Equal(want), "chunks of %d bytes", size)
		}
	})

	It("reads an empty log, and one of blank lines, as having no Records", func() {
		expectSame("")
		expectSame("\n \n\t\n")
	})

	It("reads a zstd-compressed log as its lines", func() {
		path := filepath.Join(GinkgoT().TempDir(), "arrivals.jsonl.zst")
		w, err := logfile.Create(path)
		Expect(err).NotTo(HaveOccurred())
		log := mixedLog(500)
		for part := range strings.SplitSeq(log, "\n\n") { // several compressed blocks
			_, err := w.Write([]byte(part + "\n\n"))
			Expect(err).NotTo(HaveOccurred())
		}
		Expect(w.Close()).To(Succeed())
		raw, err := os.ReadFile(path)
		Expect(err).NotTo(HaveOccurred())
		Expect(bytes.Contains(raw, []byte(`"client"`))).To(BeFalse(), "the file is compressed")

		want := readSequential(strings.NewReader(log + "\n\n"))
		Expect(want.Records).To(HaveLen(500))
		restore := record.SetChunkSize(4096)
		defer restore()
		r, err := logfile.Open(path)
		Expect(err).NotTo(HaveOccurred())
		defer r.Close()
		Expect(readChunked(r, 2)).To(Equal(want))
	})

	It("agrees with the sequential reader on 2,000 mangled logs", func() {
		rng := rand.New(rand.NewPCG(1, 2))
		base := []byte(mixedLog(12) + "not json\n" + `{"t_ms":1,"cl`)
		for i := range 2_000 {
			log := slices.Clone(base)
			for range rng.IntN(8) { // bytes changed, dropped or put in
				at := rng.IntN(len(log))
				switch rng.IntN(3) {
				case 0:
					log[at] = byte(rng.IntN(256))
				case 1:
					log = slices.Delete(log, at, at+1)
				default:
					log = slices.Insert(log, at, "\n{}\" :,"[rng.IntN(7)])
				}
			}
			log = log[:rng.IntN(len(log)+1)]
			size, workers := 1+rng.IntN(300), 1+rng.IntN(3)
			want := readSequential(bytes.NewReader(log))
			restore := record.SetChunkSize(size)
			got := readChunked(bytes.NewReader(log), workers)
			restore()
			Expect(got).To(Equal(want), "log %d, chunks of %d bytes, %d workers: %q", i, size, workers, log)
		}
	})

	It("stops early when the consumer gives up, and may be stopped twice", func() {
		restore := record.SetChunkSize(64)
		defer restore()
		batches, _, stop := record.NewReader(strings.NewReader(lines(10_000)), "a.jsonl").ReadChunks(2)
		Expect((<-batches).Records).NotTo(BeEmpty())
		stop()
		stop()
	})
})

// FuzzReadChunks reads arbitrary logs in chunks of any size, on one to
// three workers, and wants what the sequential reader makes of them: the
// same Records, lines, header and end.
func FuzzReadChunks(f *testing.F) {
	f.Add([]byte(mixedLog(12)), uint16(7), uint8(2))
	f.Add([]byte(mixedLog(5)+"not json\n"+mixedLog(2)), uint16(1), uint8(3))
	f.Add([]byte("\n\n"+mixedLog(3)+`{"t_ms":1,"cl`), uint16(40), uint8(1))
	f.Add([]byte(`{"chaos_log":1,"epoch_unix_ms":5,"server_run":"a"}`+"\n"+`{"chaos_log":1,"epoch_unix_ms":5,"server_run":"a"}`), uint16(3), uint8(2))
	f.Fuzz(func(t *testing.T, log []byte, size uint16, workers uint8) {
		want := readSequentialT(t, log)
		restore := record.SetChunkSize(1 + int(size)%512)
		defer restore()
		got := readChunkedT(t, log, 1+int(workers)%3)
		if !reflect.DeepEqual(got, want) {
			t.Fatalf("chunks of %d bytes: got\n%+v\nwant\n%+v", 1+int(size)%512, got, want)
		}
	})
}

// readSequentialT and readChunkedT are readSequential and readChunked
// outside a spec.
func readSequentialT(t *testing.T, log []byte) readOutcome {
	t.Helper()
	return readSequential(bytes.NewReader(log))
}

func readChunkedT(t *testing.T, log []byte, workers int) readOutcome {
	t.Helper()
	return readChunked(bytes.NewReader(log), workers)
}
