package faultserver_test

import (
	"context"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/gorilla/mux"

	"github.com/chaos-harness/chaos/faultserver"
	"github.com/chaos-harness/chaos/record"
)

// burst sends n GETs to url from workers keep-alive clients, expecting
// status, and returns how long they took.
func burst(b *testing.B, c *http.Client, url string, status, n, workers int) time.Duration {
	start := time.Now()
	var wg sync.WaitGroup
	for w := 0; w < workers; w++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := w; i < n; i += workers {
				resp, err := c.Get(url)
				if err != nil {
					b.Error(err)
					return
				}
				_, _ = io.Copy(io.Discard, resp.Body)
				resp.Body.Close()
				if resp.StatusCode != status {
					b.Errorf("status %d, want %d", resp.StatusCode, status)
					return
				}
			}
		}()
	}
	wg.Wait()
	return time.Since(start)
}

// BenchmarkNoFaultThroughput compares the no-fault path of the fault server
// (identity, decision, record, stats, metrics) with a plain net/http server
// routing through gorilla/mux to a handler that writes the same response.
// Both get b.N requests from 16 keep-alive clients, in alternating bursts of
// 500 so that both see the same machine load. It reports the time per
// request of each and their ratio plain/faultserver: the fault server's
// share of the plain throughput (target: at least 0.9).
func BenchmarkNoFaultThroughput(b *testing.B) {
	throughput(b, "{}", http.StatusOK)
}

// BenchmarkStatusThroughput is BenchmarkNoFaultThroughput on the 503 path:
// every request draws a status fault, which the plain server answers with the
// same status and body.
func BenchmarkStatusThroughput(b *testing.B) {
	throughput(b, "phases: [{fault: {status: 503}}]", http.StatusServiceUnavailable)
}

// throughput runs the fault server on script against plain net/http + mux
// answering status with the fault server's default body for it.
func throughput(b *testing.B, script string, status int) {
	r := mux.NewRouter()
	body := []byte(http.StatusText(status) + "\n")
	r.PathPrefix("/").HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {
		w.Header().Set("Content-Type", "text/plain; charset=utf-8")
		w.WriteHeader(status)
		_, _ = w.Write(body)
	})
	// A bare http.Server, not an httptest.Server, whose ConnState hook takes
	// a lock and updates a map on every request, which the fault server does
	// not.
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		b.Fatal(err)
	}
	plain := &http.Server{Handler: r}
	go func() { _ = plain.Serve(ln) }()
	defer plain.Close()
	plainBase := "http://" + ln.Addr().String()
	spec, _, err := faultserver.ParseScript("bench.yaml", []byte(script))
	if err != nil {
		b.Fatal(err)
	}
	srv, err := faultserver.NewStarted(spec, faultserver.Options{})
	if err != nil {
		b.Fatal(err)
	}
	defer srv.Close()
	tr := &http.Transport{MaxIdleConns: 64, MaxIdleConnsPerHost: 32}
	defer tr.CloseIdleConnections()
	c := &http.Client{Transport: tr, Timeout: 10 * time.Second}
	const workers, round = 16, 500
	plainURL, faultURL := plainBase+"/api/orders", srv.URL()+"/api/orders"
	burst(b, c, plainURL, status, round, workers) // warm both up
	burst(b, c, faultURL, status, round, workers)

	b.ResetTimer()
	var plainTime, faultTime time.Duration
	for done := 0; done < b.N; done += round {
		n := min(round, b.N-done)
		plainTime += burst(b, c, plainURL, status, n, workers)
		faultTime += burst(b, c, faultURL, status, n, workers)
	}
	b.StopTimer()
	b.ReportMetric(float64(plainTime.Nanoseconds())/float64(b.N), "plain-ns/req")
	b.ReportMetric(float64(faultTime.Nanoseconds())/float64(b.N), "faultserver-ns/req")
	b.ReportMetric(float64(plainTime)/float64(faultTime), "ratio")
}

// benchWriter is a ResponseWriter with net/http's write-deadline method and
// nothing else, reused across requests, so that a benchmark through it counts
// the fault handler's own allocations and none of a connection's.
type benchWriter struct {
	h      http.Header
	status int
	n      int
}

func (w *benchWriter) Header() http.Header              { return w.h }
func (w *benchWriter) WriteHeader(status int)           { w.status = status }
func (w *benchWriter) Write(p []byte) (int, error)      { w.n += len(p); return len(p), nil }
func (w *benchWriter) SetWriteDeadline(time.Time) error { return nil }
func (w *benchWriter) reset()                           { clear(w.h); w.status, w.n = 0, 0 }

// processCPU is the CPU time this process has used, in nanoseconds (user
// and system, every thread): with the log's pump on another goroutine, it
// is what a request costs in all.
func processCPU() int64 {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		return 0
	}
	return ru.Utime.Nano() + ru.Stime.Nano()
}

// BenchmarkServeFault is the fault handler alone (mux, identity, decision,
// response headers, Record, stats, metrics) on a reused request and writer:
// its allocs/op are the server path's own, without the connection's. The
// +log cases stream the Records to a file; cpu-ns/op counts the log pump's
// work (encoding, writing) too.
func BenchmarkServeFault(b *testing.B) {
	cases := []struct {
		name, script string
		client       string // X-Chaos-Client; "" keys the client by address and User-Agent
		status       int
		log          bool // stream the Records to a file, as serve --log FILE does
	}{
		{"nofault", "{}", "", http.StatusOK, false},
		{"nofault+log", "{}", "", http.StatusOK, true},
		{"nofault+client", "{}", "c1", http.StatusOK, false},
		{"503", "phases: [{fault: {status: 503}}]", "", http.StatusServiceUnavailable, false},
		{"503+log", "phases: [{fault: {status: 503}}]", "", http.StatusServiceUnavailable, true},
		{"429+retry-after", "phases: [{fault: {status: 429, retry_after: 2s}}]", "c1", http.StatusTooManyRequests, false},
	}
	for _, c := range cases {
		b.Run(c.name, func(b *testing.B) {
			spec, _, err := faultserver.ParseScript("bench.yaml", []byte(c.script))
			if err != nil {
				b.Fatal(err)
			}
			opts := faultserver.Options{LogLimit: 1024}
			if c.log {
				f, err := os.Create(filepath.Join(b.TempDir(), "arrivals.jsonl"))
				if err != nil {
					b.Fatal(err)
				}
				defer f.Close()
				opts.Log = f
			}
			srv, err := faultserver.New(spec, opts)
			if err != nil {
				b.Fatal(err)
			}
			defer srv.Close()
			h := srv.Handler()
			req := httptest.NewRequest(http.MethodGet, "/api/orders", nil)
			req.RemoteAddr = "192.0.2.7:50123"
			req.Header.Set("User-Agent", "Go-http-client/1.1")
			if c.client != "" {
				req.Header.Set(record.HeaderClient, c.client)
			}
			w := &benchWriter{h: http.Header{}}
			b.ReportAllocs()
			cpu0 := processCPU()
			for b.Loop() {
				w.reset()
				h.ServeHTTP(w, req)
				if w.status != c.status {
					b.Fatalf("status %d, want %d", w.status, c.status)
				}
			}
			if err := srv.Close(); err != nil { // the log's pump writes the rest
				b.Fatal(err)
			}
			b.ReportMetric(float64(processCPU()-cpu0)/float64(b.N), "cpu-ns/op")
		})
	}
}

// BenchmarkServeFaultParallel is BenchmarkServeFault's no-fault case from
// GOMAXPROCS goroutines at once, each a connection of its own (as
// ConnContext numbers them) of one client: what the handler costs when
// requests run on every core, where words that every request writes move
// between the cores' caches. Compare its ns/op times the cores with
// BenchmarkServeFault's (go test -cpu 1,2).
func BenchmarkServeFaultParallel(b *testing.B) {
	spec, _, err := faultserver.ParseScript("bench.yaml", []byte("{}"))
	if err != nil {
		b.Fatal(err)
	}
	srv, err := faultserver.New(spec, faultserver.Options{LogLimit: 1024})
	if err != nil {
		b.Fatal(err)
	}
	defer srv.Close()
	h := srv.Handler()
	b.RunParallel(func(pb *testing.PB) {
		conn, peer := net.Pipe() // only its identity is used: ConnContext numbers it
		defer conn.Close()
		defer peer.Close()
		req := httptest.NewRequest(http.MethodGet, "/api/orders", nil)
		req = req.WithContext(srv.ConnContext(context.Background(), conn))
		req.RemoteAddr = "192.0.2.7:50123"
		req.Header.Set("User-Agent", "Go-http-client/1.1")
		w := &benchWriter{h: http.Header{}}
		for pb.Next() {
			w.reset()
			h.ServeHTTP(w, req)
			if w.status != http.StatusOK {
				b.Errorf("status %d, want 200", w.status)
				return
			}
		}
	})
}
