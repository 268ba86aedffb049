package faultserver_test

import (
	"bytes"
	"net/http"
	"net/http/httptest"
	"runtime"
	"strconv"
	"unsafe"

	. "github.com/onsi/ginkgo/v2"
	. "github.com/onsi/gomega"

	"github.com/chaos-harness/chaos/faultserver"
	"github.com/chaos-harness/chaos/record"
)

// sinkWriter is a ResponseWriter that keeps only the status and counts the
// body's bytes and lines, so that serving into it allocates nothing of its
// own.
type sinkWriter struct {
	header       http.Header
	status       int
	bytes, lines int
	keep         bool
	body         bytes.Buffer
}

func (w *sinkWriter) Header() http.Header  { return w.header }
func (w *sinkWriter) WriteHeader(code int) { w.status = code }
func (w *sinkWriter) Write(b []byte) (int, error) {
	if w.status == 0 {
		w.status = http.StatusOK
	}
	w.bytes += len(b)
	w.lines += bytes.Count(b, []byte{'\n'})
	if w.keep {
		w.body.Write(b)
	}
	return len(b), nil
}

// serveInProcess serves one request through the server's handler.
func serveInProcess(srv *faultserver.Server, method, target string, keep bool) *sinkWriter {
	req := httptest.NewRequest(method, target, nil)
	req.Header.Set(record.HeaderClient, "c")
	w := &sinkWriter{header: http.Header{}, keep: keep}
	srv.Handler().ServeHTTP(w, req)
	return w
}

var _ = Describe("GET /_chaos/log", func() {
	It("streams every kept Record in order across pages, and pages by offset and limit", func() {
		const n = 3*1024 + 5 // three full pages of 1,024 and a part
		srv := startServer("{}\n", faultserver.Options{})
		for i := 0; i < n; i++ {
			serveInProcess(srv, "GET", "/r/"+strconv.Itoa(i), false)
		}
		w := serveInProcess(srv, "GET", "/_chaos/log", true)
		Expect(w.status).To(Equal(200))
		Expect(w.header.Get("X-Chaos-Log-First")).To(Equal("0"))
		Expect(w.header.Get("X-Chaos-Log-Next")).To(Equal(strconv.Itoa(n)))
		var paths []string
		Expect(record.Read(&w.body, func(r record.Record) error { paths = append(paths, r.Path); return nil })).To(Succeed())
		Expect(paths).To(HaveLen(n))
		for i, p := range paths {
			Expect(p).To(Equal("/r/"+strconv.Itoa(i)), "line %d", i)
		}
		// Offset 1,020 with limit 10 spans the first page boundary: lines
		// 1,020 to 1,029.
		w = serveInProcess(srv, "GET", "/_chaos/log?offset=1020&limit=10", true)
		Expect(w.header.Get("X-Chaos-Log-Next")).To(Equal("1030"))
		Expect(w.lines).To(Equal(10))
		Expect(w.body.String()).To(HavePrefix(`{"t_ms":`))
		Expect(w.body.String()).To(ContainSubstring(`"path":"/r/1020"`))
		Expect(w.body.String()).To(ContainSubstring(`"path":"/r/1029"`))
	})

	It("holds one page of Records per reader, not a copy of the log", func() {
		if raceEnabled {
			Skip("allocations are not measured under the race detector (sync.Pool drops at random)")
		}
		const n = 20_000
		srv := startServer("{}\n", faultserver.Options{})
		for i := 0; i < n; i++ {
			serveInProcess(srv, "GET", "/r", false)
		}
		// A copy of the kept Records is n*sizeof(Record) bytes (about 5 MB);
		// streaming holds a page of 1,024 and a 32 KiB buffer. A quarter of
		// the copy separates the two whatever else the process allocates.
		fullCopy := uint64(n) * uint64(unsafe.Sizeof(record.Record{}))
		var before, after runtime.MemStats
		runtime.GC()
		runtime.ReadMemStats(&before)
		w := serveInProcess(srv, "GET", "/_chaos/log", false)
		runtime.ReadMemStats(&after)
		Expect(w.lines).To(Equal(n))
		allocated := after.TotalAlloc - before.TotalAlloc
		AddReportEntry("GET /_chaos/log of 20,000 Records", strconv.FormatUint(allocated, 10)+" bytes allocated; a full copy is "+strconv.FormatUint(fullCopy, 10))
		Expect(allocated).To(BeNumerically("<", fullCopy/4))
	})
})
