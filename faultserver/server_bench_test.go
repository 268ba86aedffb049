package faultserver_test

import (
	"io"
	"net/http"
	"net/http/httptest"
	"sync"
	"testing"
	"time"

	"github.com/gorilla/mux"

	"github.com/chaos-harness/chaos/faultserver"
)

// burst sends n GETs to url from workers keep-alive clients and returns how
// long they took.
func burst(b *testing.B, c *http.Client, url string, n, workers int) time.Duration {
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
				if resp.StatusCode != http.StatusOK {
					b.Errorf("status %d", resp.StatusCode)
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
	r := mux.NewRouter()
	r.PathPrefix("/").HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {
		w.Header().Set("Content-Type", "text/plain; charset=utf-8")
		_, _ = w.Write([]byte("OK\n"))
	})
	plain := httptest.NewServer(r)
	defer plain.Close()
	srv, err := faultserver.NewStarted(&faultserver.Spec{}, faultserver.Options{})
	if err != nil {
		b.Fatal(err)
	}
	defer srv.Close()
	tr := &http.Transport{MaxIdleConns: 64, MaxIdleConnsPerHost: 32}
	defer tr.CloseIdleConnections()
	c := &http.Client{Transport: tr, Timeout: 10 * time.Second}
	const workers, round = 16, 500
	burst(b, c, plain.URL+"/api/orders", round, workers) // warm both up
	burst(b, c, srv.URL()+"/api/orders", round, workers)

	b.ResetTimer()
	var plainTime, faultTime time.Duration
	for done := 0; done < b.N; done += round {
		n := min(round, b.N-done)
		plainTime += burst(b, c, plain.URL+"/api/orders", n, workers)
		faultTime += burst(b, c, srv.URL()+"/api/orders", n, workers)
	}
	b.StopTimer()
	b.ReportMetric(float64(plainTime.Nanoseconds())/float64(b.N), "plain-ns/req")
	b.ReportMetric(float64(faultTime.Nanoseconds())/float64(b.N), "faultserver-ns/req")
	b.ReportMetric(float64(plainTime)/float64(faultTime), "ratio")
}
