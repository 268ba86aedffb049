package faultserver_test

import (
	"bytes"
	"fmt"
	"os"
	"runtime"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"time"

	. "github.com/onsi/ginkgo/v2"
	. "github.com/onsi/gomega"

	"github.com/chaos-harness/chaos/faultserver"
	"github.com/chaos-harness/chaos/record"
)

// chunkWriter records every Write it is given, and fails with ENOSPC once it
// holds capacity bytes, keeping the part of the failing write that fitted (a
// torn write, as a full disk gives). capacity < 0 means no limit.
type chunkWriter struct {
	mu       sync.Mutex
	capacity int
	data     bytes.Buffer
	writes   [][]byte
}

func (w *chunkWriter) Write(p []byte) (int, error) {
	w.mu.Lock()
	defer w.mu.Unlock()
	w.writes = append(w.writes, append([]byte(nil), p...))
	if w.capacity >= 0 && w.data.Len()+len(p) > w.capacity {
		n := w.capacity - w.data.Len()
		w.data.Write(p[:n])
		return n, syscall.ENOSPC
	}
	return w.data.Write(p)
}

func (w *chunkWriter) bytes() []byte {
	w.mu.Lock()
	defer w.mu.Unlock()
	return append([]byte(nil), w.data.Bytes()...)
}

// rec is a Record with a given index and a path of some length.
func rec(i, pathLen int) record.Record {
	return record.Record{TMs: float64(i), Client: "c" + strconv.Itoa(i%50), Request: "r" + strconv.Itoa(i),
		Attempt: 1, Method: "GET", Path: "/" + strings.Repeat("p", pathLen), Phase: "p", Fault: "none", Status: 200}
}

// wholeLines splits a log into its complete lines and what follows the last
// newline (a partial line, or nothing).
func wholeLines(b []byte) (lines []string, partial string) {
	i := bytes.LastIndexByte(b, '\n')
	if i < 0 {
		return nil, string(b)
	}
	return strings.Split(string(b[:i]), "\n"), string(b[i+1:])
}

var _ = Describe("the arrival log", func() {
	It("writes whole lines in every write, so a crash between writes leaves whole lines", func() {
		w := &chunkWriter{capacity: -1}
		log := faultserver.NewArrivalLog(100, 0, w, nil)
		for i := 0; i < 5000; i++ {
			log.Add(rec(i, i%300))
		}
		Expect(log.Close()).To(Succeed())
		Expect(len(w.writes)).To(BeNumerically(">", 5), "the log is written in many chunks")
		var all []byte
		for _, chunk := range w.writes {
			Expect(chunk[len(chunk)-1]).To(Equal(byte('\n')), "each write ends a line")
			all = append(all, chunk...)
			lines, partial := wholeLines(all) // the file, had the process died here
			Expect(partial).To(BeEmpty())
			for _, l := range lines {
				Expect(l).To(HavePrefix("{"))
				Expect(l).To(HaveSuffix("}"))
			}
		}
		n := 0
		Expect(record.Read(bytes.NewReader(all), func(r record.Record) error {
			Expect(r.Request).To(Equal("r" + strconv.Itoa(n)))
			n++
			return nil
		})).To(Succeed())
		Expect(n).To(Equal(5000))
	})

	It("stops at a full disk with a clear error, leaving a prefix of the log and at most one partial line", func() {
		w := &chunkWriter{capacity: 300_000}
		var reported []error
		log := faultserver.NewArrivalLog(100, 0, w, func(err error) { reported = append(reported, err) })
		for i := 0; i < 20_000; i++ {
			log.Add(rec(i, 40))
		}
		err := log.Close()
		Expect(err).To(MatchError(syscall.ENOSPC))
		Expect(err.Error()).To(ContainSubstring("writing the records: "))
		Expect(reported).To(HaveLen(1), "reported once, at the moment it happened")
		written, dropped, _ := log.Status()
		Expect(written+dropped).To(Equal(int64(20_000)), "every Record is either in the file or counted as dropped")
		Expect(dropped).To(BeNumerically(">", 0))

		lines, partial := wholeLines(w.bytes())
		Expect(int64(len(lines))).To(Equal(written), "the file holds exactly the Records written, in order")
		for i, l := range lines {
			Expect(l).To(ContainSubstring(`"request":"r` + strconv.Itoa(i) + `"`))
		}
		Expect(partial).NotTo(ContainSubstring("\n"))
	})

	It("reports a full disk (/dev/full) served to at once, in Stats and health, and from Close", func() {
		full, err := os.OpenFile("/dev/full", os.O_WRONLY, 0)
		if err != nil {
			Skip("no /dev/full here")
		}
		defer full.Close()
		reported := make(chan error, 1)
		srv, err := faultserver.NewStarted(&faultserver.Spec{}, faultserver.Options{Log: full, OnLogError: func(err error) { reported <- err }})
		Expect(err).NotTo(HaveOccurred())
		statuses(freshClient(5*time.Second), srv.URL()+"/", "a", 3)
		Eventually(reported, 5*time.Second).Should(Receive(MatchError(syscall.ENOSPC)), "the flusher meets the error within its interval")
		Expect(srv.Stats().LogError).To(ContainSubstring("no space left on device"))
		_, body, _ := adminDo("GET", srv.URL()+"/_chaos/health", "", "")
		Expect(body).To(ContainSubstring(`"status": "degraded"`))
		statuses(freshClient(5*time.Second), srv.URL()+"/", "a", 2)
		Eventually(func() int64 { return srv.Stats().LogDropped }).Should(Equal(int64(5)))
		Expect(srv.Close()).To(MatchError(syscall.ENOSPC))
		Expect(srv.Records()).To(HaveLen(5), "the Records in memory are all there")
	})

	It("keeps memory bounded by count and by bytes, however many Records pass through", func() {
		n := 500_000
		if v, err := strconv.Atoi(os.Getenv("CHAOS_LOG_RECORDS")); err == nil && v > 0 {
			n = v // the figure: CHAOS_LOG_RECORDS=10000000
		}
		const limit, maxBytes = 10_000, 4 << 20
		log := faultserver.NewArrivalLog(limit, maxBytes, nil, nil)
		heap := func() uint64 {
			runtime.GC()
			var m runtime.MemStats
			runtime.ReadMemStats(&m)
			return m.HeapAlloc
		}
		for i := 0; i < 2*limit; i++ {
			log.Add(rec(i, 20))
		}
		before := heap()
		for i := 2 * limit; i < n; i++ {
			log.Add(rec(i, 20))
		}
		after := heap()
		kept, bytes := log.Memory()
		Expect(kept).To(Equal(int64(limit)))
		Expect(bytes).To(BeNumerically("<=", maxBytes))
		Expect(after).To(BeNumerically("<", before+(8<<20)), "heap %d -> %d after %d Records", before, after, n)
		AddReportEntry("log memory", fmt.Sprintf("%d Records: heap %d -> %d bytes, %d kept", n, before, after, kept))

		// Long paths: the byte bound keeps fewer of them.
		for i := 0; i < 2000; i++ {
			log.Add(rec(n+i, 60_000))
		}
		kept, bytes = log.Memory()
		Expect(bytes).To(BeNumerically("<=", maxBytes))
		Expect(kept).To(BeNumerically("<", 100))
		recs, first, next := log.Since(0, 0)
		Expect(int64(len(recs))).To(Equal(kept))
		Expect(next - first).To(Equal(kept))
		Expect(recs[len(recs)-1].Request).To(Equal("r" + strconv.Itoa(n+1999)))
	})

	It("keeps the Records in memory readable while a write to the file is stuck", func() {
		slow := &blockingWriter{release: make(chan struct{})}
		log := faultserver.NewArrivalLog(100, 0, slow, nil)
		added := make(chan struct{})
		go func() {
			defer close(added)
			for i := 0; i < 2000; i++ { // enough for a chunk write, which blocks
				log.Add(rec(i, 100))
			}
		}()
		Eventually(slow.blocked.Load).Should(BeTrue())
		recs, _, next := log.Since(0, 0)
		Expect(recs).NotTo(BeEmpty())
		Expect(recs[len(recs)-1].Request).To(Equal("r" + strconv.Itoa(int(next)-1)))
		close(slow.release)
		Eventually(added).Should(BeClosed())
		Expect(log.Close()).To(Succeed())
	})
})

// blockingWriter blocks every Write until release is closed.
type blockingWriter struct {
	blocked atomic.Bool
	release chan struct{}
}

func (w *blockingWriter) Write(p []byte) (int, error) {
	w.blocked.Store(true)
	<-w.release
	return len(p), nil
}

var _ = Describe("the client table", func() {
	It("holds a bounded number of client keys, however many clients call", func() {
		DeferCleanup(faultserver.LimitClientKeys(4, 1<<20))
		s := compile("per: client\nphases: [{requests: 1, fault: {status: 503}}, {}]\n", 1)
		for i := 0; i < 5000; i++ {
			d := decide(s, 0, "client-"+strconv.Itoa(i), "GET", "/")
			Expect(d.Kind).To(BeElementOf(record.FaultStatus, record.FaultNone))
		}
		Expect(s.ClientKeys()).To(Equal(4 * 64))
		Expect(decide(s, 0, "client-1", "GET", "/").Kind).To(Equal(record.FaultNone), "a key it holds keeps its own phases")
	})

	It("bounds the bytes of the keys it holds", func() {
		DeferCleanup(faultserver.LimitClientKeys(1000, 1000))
		s := compile("{}\n", 1)
		for i := 0; i < 500; i++ {
			decide(s, 0, strconv.Itoa(i)+strings.Repeat("k", 400), "GET", "/")
		}
		Expect(s.ClientKeys()).To(BeNumerically("<=", 2*64))
	})
})
