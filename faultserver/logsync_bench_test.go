package faultserver_test

import (
	"net/http"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/chaos-harness/chaos/faultserver"
)

// BenchmarkLogSync measures what Options.LogSync (serve --log-sync) costs in
// throughput: three fault servers, each logging to a file in the benchmark's
// temporary directory (so on its file system, whose fsync is what is
// measured), get b.N requests each from 16 keep-alive clients in alternating
// bursts of 500, so that all three see the same machine load. It reports the
// time per request without sync, with a sync every 100ms and with a sync per
// Record, and each one's throughput as a share of the unsynced one's.
func BenchmarkLogSync(b *testing.B) {
	modes := []struct {
		name string
		sync time.Duration
	}{{"nosync", 0}, {"every100ms", 100 * time.Millisecond}, {"eachline", faultserver.LogSyncEachLine}}
	urls := make([]string, len(modes))
	for i, m := range modes {
		f, err := os.Create(filepath.Join(b.TempDir(), m.name+".jsonl"))
		if err != nil {
			b.Fatal(err)
		}
		srv, err := faultserver.NewStarted(&faultserver.Spec{}, faultserver.Options{Log: f, LogSync: m.sync, LogLimit: 1024})
		if err != nil {
			b.Fatal(err)
		}
		defer f.Close()
		defer srv.Close()
		urls[i] = srv.URL() + "/api/orders"
	}
	tr := &http.Transport{MaxIdleConns: 64, MaxIdleConnsPerHost: 32}
	defer tr.CloseIdleConnections()
	c := &http.Client{Transport: tr, Timeout: 10 * time.Second}
	const workers, round = 16, 500
	for _, u := range urls {
		burst(b, c, u, http.StatusOK, round, workers) // warm up
	}
	b.ResetTimer()
	took := make([]time.Duration, len(modes))
	for done := 0; done < b.N; done += round {
		n := min(round, b.N-done)
		for i, u := range urls {
			took[i] += burst(b, c, u, http.StatusOK, n, workers)
		}
	}
	b.StopTimer()
	for i, m := range modes {
		b.ReportMetric(float64(took[i].Nanoseconds())/float64(b.N), m.name+"-ns/req")
		if i > 0 {
			b.ReportMetric(float64(took[0])/float64(took[i]), m.name+"/nosync")
		}
	}
}
