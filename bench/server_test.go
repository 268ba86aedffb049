package bench

import (
	"net"
	"net/http"
	"os"
	"path/filepath"
	"strconv"
	"testing"
	"time"

	"github.com/gorilla/mux"
	"github.com/mccutchen/go-httpbin/v2/httpbin"

	"github.com/chaos-harness/chaos/faultserver"
	"github.com/chaos-harness/chaos/record"
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

// serveLoopback serves h with a bare http.Server (no timeouts, no hooks) on
// a free 127.0.0.1 port and returns its base URL and how to close it.
// httptest.Server is not used for the peers: its ConnState hook takes a lock
// and updates a map on every request, a cost the fault server does not pay.
func serveLoopback(h http.Handler) (string, func()) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		panic(err) // a loopback port is always there to take on a test machine
	}
	s := &http.Server{Handler: h}
	go func() { _ = s.Serve(ln) }()
	return "http://" + ln.Addr().String(), func() { _ = s.Close() }
}

// fixed writes status with the fault server's content type and body.
func fixed(status int, body string) http.HandlerFunc {
	return func(w http.ResponseWriter, _ *http.Request) {
		w.Header().Set("Content-Type", "text/plain; charset=utf-8")
		w.WriteHeader(status)
		_, _ = w.Write([]byte(body))
	}
}

// plainTarget is net/http with gorilla/mux and a handler that writes the
// same status, content type and body as the fault server.
func plainTarget(status int, body string) target {
	r := mux.NewRouter()
	r.PathPrefix("/").HandlerFunc(fixed(status, body))
	url, closeFn := serveLoopback(r)
	return target{"plain", url + "/api/orders", status, closeFn}
}

// bareTarget is net/http alone, a http.HandlerFunc with no router, writing
// the same status, content type and body as the fault server.
func bareTarget(status int, body string) target {
	url, closeFn := serveLoopback(fixed(status, body))
	return target{"net/http", url + "/api/orders", status, closeFn}
}

// wireTarget is net/http alone writing what the fault server writes, byte
// for byte but the Date: the status, the same headers in the same order (an
// explicit Content-Length, Content-Type and the X-Chaos-* markers given as
// name-value pairs) and the body, from header values built once, as the
// fault server assigns them. What it costs over bareTarget is what the
// fault server's wire format costs net/http and its client (the headers'
// map, writing, sorting and parsing), which no fault server can avoid; the
// fault server's cost over it is the fault server's own.
func wireTarget(status int, body string, markers ...string) target {
	values := map[string][]string{
		"Content-Length": {strconv.Itoa(len(body))},
		"Content-Type":   {"text/plain; charset=utf-8"},
	}
	for i := 0; i+1 < len(markers); i += 2 {
		values[markers[i]] = []string{markers[i+1]}
	}
	b := []byte(body)
	url, closeFn := serveLoopback(http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {
		h := w.Header()
		for k, v := range values {
			h[k] = v
		}
		w.WriteHeader(status)
		_, _ = w.Write(b)
	}))
	return target{"net/http+wire", url + "/api/orders", status, closeFn}
}

// limitedTarget is bareTarget with the fault server's default connection
// limits, as net/http offers them: ReadHeaderTimeout 30s, IdleTimeout 2m,
// and a write deadline 30s ahead set by the handler on every response.
func limitedTarget(status int, body string) target {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		panic(err) // a loopback port is always there to take on a test machine
	}
	h := fixed(status, body)
	s := &http.Server{Handler: http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		_ = http.NewResponseController(w).SetWriteDeadline(time.Now().Add(faultserver.DefaultWriteTimeout))
		h(w, r)
	}), ReadHeaderTimeout: faultserver.DefaultReadHeaderTimeout, IdleTimeout: faultserver.DefaultIdleTimeout}
	go func() { _ = s.Serve(ln) }()
	return target{"net/http+limits", "http://" + ln.Addr().String() + "/api/orders", status, func() { _ = s.Close() }}
}

// logFile is a file in the benchmark's temporary directory for the fault
// server's arrival log, as `chaos serve --log FILE` writes it.
func logFile(b *testing.B) *os.File {
	f, err := os.Create(filepath.Join(b.TempDir(), "arrivals.jsonl"))
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() { _ = f.Close() })
	return f
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
	url, closeFn := serveLoopback(httpbin.New())
	return target{"go-httpbin", url + "/status/503", http.StatusServiceUnavailable, closeFn}
}

// BenchmarkFaultServer is throughput over loopback from one in-process load
// generator: the no-fault path and the 503 path, each also with the arrival
// log written as JSON lines to a file (as `chaos serve --log FILE` runs),
// against plain net/http + mux, net/http alone (a HandlerFunc, no router),
// net/http alone with the fault server's connection limits, answering the
// same, and net/http alone writing the fault server's very response
// (net/http+wire: its headers too), and the 503 path against go-httpbin's
// /status/503 too.
// One op is one request to each target; rounds of loadRound requests
// alternate between the targets so they share the machine's noise. It
// reports each target's ns/req and the fault server's throughput as a share
// of each peer's (peer ns / ours). cpu-share-of-X is the same ratio of the
// process's CPU time (load generator and server) per request, which the
// other processes on a shared machine disturb less than wall time.
func BenchmarkFaultServer(b *testing.B) {
	ok, unavailable := http.StatusOK, http.StatusServiceUnavailable
	const okBody, unavailableBody, unavailableScript = "OK\n", "Service Unavailable\n", "phases: [{fault: {status: 503}}]"
	// The fault server's markers on each path: the phase, and the fault.
	okWire := func() target { return wireTarget(ok, okBody, record.HeaderPhase, faultserver.PhaseDefault) }
	unavailableWire := func() target {
		return wireTarget(unavailable, unavailableBody, record.HeaderFault, record.FaultStatus, record.HeaderPhase, "phase1")
	}
	b.Run("nofault", func(b *testing.B) {
		benchTargets(b, plainTarget(ok, okBody), faultTarget(b, "{}", ok, faultserver.Options{}), bareTarget(ok, okBody), limitedTarget(ok, okBody), okWire())
	})
	b.Run("nofault+log", func(b *testing.B) { // as `chaos serve --log FILE` runs
		benchTargets(b, plainTarget(ok, okBody), faultTarget(b, "{}", ok, faultserver.Options{Log: logFile(b)}), bareTarget(ok, okBody), limitedTarget(ok, okBody), okWire())
	})
	b.Run("503", func(b *testing.B) {
		benchTargets(b, plainTarget(unavailable, unavailableBody),
			faultTarget(b, unavailableScript, unavailable, faultserver.Options{}), bareTarget(unavailable, unavailableBody), limitedTarget(unavailable, unavailableBody), unavailableWire(), httpbinTarget())
	})
	b.Run("503+log", func(b *testing.B) {
		benchTargets(b, plainTarget(unavailable, unavailableBody),
			faultTarget(b, unavailableScript, unavailable, faultserver.Options{Log: logFile(b)}), bareTarget(unavailable, unavailableBody), limitedTarget(unavailable, unavailableBody), unavailableWire())
	})
}

// benchTargets loads targets in alternating rounds; targets[1] is ours.
func benchTargets(b *testing.B, targets ...target) {
	for _, t := range targets {
		defer t.close()
	}
	// A load generator per target, so that no target's keep-alive
	// connections are evicted from a shared idle pool by another's.
	loads := make([]*load, len(targets))
	for i := range loads {
		loads[i] = newLoad(loadWorkers)
		defer loads[i].close()
	}
	spent := make([]time.Duration, len(targets))
	cpu := make([]time.Duration, len(targets)) // the process's CPU time during each target's bursts
	run := func(n int) {
		for i, t := range targets {
			c0 := cpuTime()
			d, err := loads[i].burst(t.url, n, t.status)
			if err != nil {
				b.Fatal(err)
			}
			spent[i] += d
			cpu[i] += cpuTime() - c0
		}
	}
	run(loadRound) // warm up connections and handlers
	clear(spent)
	clear(cpu)
	b.ResetTimer()
	for done := 0; done < b.N; done += loadRound {
		run(min(loadRound, b.N-done))
	}
	b.StopTimer()
	ours, oursCPU := spent[1], cpu[1]
	for i, t := range targets {
		b.ReportMetric(float64(spent[i].Nanoseconds())/float64(b.N), t.name+"-ns/req")
		if i != 1 {
			b.ReportMetric(float64(spent[i])/float64(ours), "share-of-"+t.name)
			b.ReportMetric(float64(cpu[i])/float64(oursCPU), "cpu-share-of-"+t.name)
		}
	}
}
