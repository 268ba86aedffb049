package faultserver_test

import (
	"net/http"
	"strconv"
	"sync/atomic"
	"testing"
	"time"

	"github.com/chaos-harness/chaos/faultserver"
)

const benchScript = `
response: {delay: {dist: lognormal, median: 20ms, p99: 200ms}}
service: {base: 1ms, per_concurrent: 100us}
phases:
  - {name: healthy, duration: 5s}
  - name: limited
    mix:
      - {weight: 70}
      - {weight: 20, fault: {status: 429, retry_after: 2s}}
      - {weight: 10, fault: {reset: true}}
routes:
  - {path: "/api/orders/{id:[0-9]+}", methods: [POST], headers: {X-Tier: gold}, phases: [{fault: {status: 500}}]}
  - {path: /api/users, phases: [{requests: 3, fault: {status: 503}}, {}]}
`

// compileBench compiles benchScript.
func compileBench(b *testing.B) *faultserver.Script {
	spec, _, err := faultserver.ParseScript("bench.yaml", []byte(benchScript))
	if err != nil {
		b.Fatal(err)
	}
	s, err := faultserver.Compile(spec, 1)
	if err != nil {
		b.Fatal(err)
	}
	return s
}

// benchRequests compiles benchScript and returns requests of 64 clients.
func benchRequests(b *testing.B) (*faultserver.Script, []faultserver.RequestInfo) {
	s := compileBench(b)
	reqs := make([]faultserver.RequestInfo, 64)
	for i := range reqs {
		reqs[i] = faultserver.RequestInfo{Method: "GET", Path: "/api/orders", ClientKey: "client-" + strconv.Itoa(i),
			Header: http.Header{"X-Tier": {"silver"}}}
	}
	return s, reqs
}

// BenchmarkDecide is the decision per request for a known client: route
// matching, schedule, mix and delay draw. Target: 0 allocations.
func BenchmarkDecide(b *testing.B) {
	s, reqs := benchRequests(b)
	for i := range reqs { // first sight of each key allocates its state, once
		s.Decide(0, &reqs[i])
	}
	b.ReportAllocs()
	b.ResetTimer()
	i := 0
	for b.Loop() {
		d := s.Decide(10*time.Second, &reqs[i%len(reqs)])
		if d.Kind == "" {
			b.Fatal("no kind")
		}
		i++
	}
}

// BenchmarkDecideParallel is the same under concurrent callers.
func BenchmarkDecideParallel(b *testing.B) {
	s := compileBench(b)
	reqs := make([]faultserver.RequestInfo, 16)
	for i := range reqs {
		reqs[i] = faultserver.RequestInfo{Method: "GET", Path: "/api/orders", ClientKey: "c" + strconv.Itoa(i)}
		s.Decide(0, &reqs[i]) // first sight of each key allocates its state, once
	}
	var workers atomic.Int64
	b.ReportAllocs()
	b.ResetTimer()
	b.RunParallel(func(pb *testing.PB) {
		req := &reqs[int(workers.Add(1))%len(reqs)]
		for pb.Next() {
			s.Decide(10*time.Second, req)
		}
	})
}

// BenchmarkFleetDecide is BenchmarkDecide through NumberedClients, which finds the
// client's state by number: the simulator's path.
func BenchmarkFleetDecide(b *testing.B) {
	s, reqs := benchRequests(b)
	fleet := s.NumberedClients(len(reqs))
	for i := range reqs {
		fleet.Decide(0, i, &reqs[i])
	}
	b.ReportAllocs()
	b.ResetTimer()
	i := 0
	for b.Loop() {
		d := fleet.Decide(10*time.Second, i%len(reqs), &reqs[i%len(reqs)])
		if d.Kind == "" {
			b.Fatal("no kind")
		}
		i++
	}
}
