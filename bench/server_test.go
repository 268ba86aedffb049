package bench

import (
	"io"
	"net/http"
	"net/http/httptest"
	"testing"
	"time"

	"github.com/gorilla/mux"
	"github.com/mccutchen/go-httpbin/v2/httpbin"

	"github.com/chaos-harness/chaos/faultserver"
)

const (
	loadWorkers = 8   // keep-alive connections of the load generator
	loadRound   = 500 // requests per target per round; targets alternate
)

// A target is one server under load and the URL and status it is asked for.
type target struct {
	name   string
	url    string
	status int
	close  func()
}

// plainTarget is net/http with gorilla/mux and a handler that writes the
// same status, content type and body as the fault server.
func plainTarget(status int, body string) target {
	r := mux.NewRouter()
	r.PathPrefix("/").HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {
		w.Header().Set("Content-Type", "text/plain; charset=utf-8")
		w.WriteHeader(status)
		_, _ = w.Write([]byte(body))
	})
	s := httptest.NewServer(r) // 127.0.0.1
	return target{"plain", s.URL + "/api/orders", status, s.Close}
}

// faultTarget is the fault server running script, with opts.
func faultTarget(b *testing.B, script string, status int, opts faultserver.Options) target {
	spec, _, err := faultserver.ParseScript("bench.yaml", []byte(script))
	if err != nil {
		b.Fatal(err)
	}
	s, err := faultserver.NewStarted(spec, opts)
	if err != nil {
		b.Fatal(err)
	}
	return target{"faultserver", s.URL() + "/api/orders", status, func() { _ = s.Close() }}
}

// httpbinTarget is go-httpbin in process, asked for /status/503.
func httpbinTarget() target {
	s := httptest.NewServer(httpbin.New())
	return target{"go-httpbin", s.URL + "/status/503", http.StatusServiceUnavailable, s.Close}
}

// BenchmarkFaultServer is throughput over loopback from one in-process load
// generator: the no-fault path (also with the arrival log written as JSON
// lines, to io.Discard) against plain net/http + mux, and the 503
// path against plain and go-httpbin's /status/503. One op is one request to
// each target; rounds of loadRound requests alternate between the targets so
// they share the machine's noise. It reports each target's ns/req and the
// fault server's throughput as a share of each peer's (peer ns / ours).
func BenchmarkFaultServer(b *testing.B) {
	b.Run("nofault", func(b *testing.B) {
		benchTargets(b, plainTarget(http.StatusOK, "OK\n"), faultTarget(b, "{}", http.StatusOK, faultserver.Options{}))
	})
	b.Run("nofault+log", func(b *testing.B) { // as `chaos serve --log` runs
		benchTargets(b, plainTarget(http.StatusOK, "OK\n"), faultTarget(b, "{}", http.StatusOK, faultserver.Options{Log: io.Discard}))
	})
	b.Run("503", func(b *testing.B) {
		benchTargets(b, plainTarget(http.StatusServiceUnavailable, "Service Unavailable\n"),
			faultTarget(b, "phases: [{fault: {status: 503}}]", http.StatusServiceUnavailable, faultserver.Options{}), httpbinTarget())
	})
}

// benchTargets loads targets in alternating rounds; targets[1] is ours.
func benchTargets(b *testing.B, targets ...target) {
	for _, t := range targets {
		defer t.close()
	}
	l := newLoad(loadWorkers)
	defer l.close()
	spent := make([]time.Duration, len(targets))
	run := func(n int) {
		for i, t := range targets {
			d, err := l.burst(t.url, n, t.status)
			if err != nil {
				b.Fatal(err)
			}
			spent[i] += d
		}
	}
	run(loadRound) // warm up connections and handlers
	clear(spent)
	b.ResetTimer()
	for done := 0; done < b.N; done += loadRound {
		run(min(loadRound, b.N-done))
	}
	b.StopTimer()
	ours := spent[1]
	for i, t := range targets {
		b.ReportMetric(float64(spent[i].Nanoseconds())/float64(b.N), t.name+"-ns/req")
		if i != 1 {
			b.ReportMetric(float64(spent[i])/float64(ours), "share-of-"+t.name)
		}
	}
}
