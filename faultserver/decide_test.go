package faultserver_test

import (
	"net/http"
	"sync"
	"time"

	. "github.com/onsi/ginkgo/v2"
	. "github.com/onsi/gomega"

	"github.com/chaos-harness/chaos/faultserver"
	"github.com/chaos-harness/chaos/record"
)

const ms = time.Millisecond

var _ = Describe("Decide", func() {
	It("answers the response with no phases, in phase default", func() {
		s := compile("response: {status: 200}\n", 1)
		d := decide(s, 0, "a", "GET", "/x")
		Expect(d.Kind).To(Equal(record.FaultNone))
		Expect(d.Phase).To(Equal(faultserver.PhaseDefault))
		Expect(d.Status).To(Equal(200))
		Expect(string(d.Body)).To(Equal("OK\n"))
		Expect(d.Injected()).To(BeFalse())
	})

	It("switches count phases after their requests (per: global counts all clients)", func() {
		s := compile(`
phases:
  - {name: fail, requests: 3, fault: {status: 503}}
  - {name: ok}
`, 1)
		got := []string{decide(s, 0, "a", "GET", "/").Phase, decide(s, 0, "b", "GET", "/").Phase,
			decide(s, 0, "a", "GET", "/").Phase, decide(s, 0, "b", "GET", "/").Phase}
		Expect(got).To(Equal([]string{"fail", "fail", "fail", "ok"}))
	})

	It("switches time phases at their boundaries measured from the start", func() {
		s := compile(`
phases:
  - {name: healthy, duration: 5s}
  - {name: outage, duration: 10s, fault: {status: 503}}
  - {name: recovered}
`, 1)
		Expect(phases(s, "a", 0, 4999*ms, 5*time.Second, 14999*ms, 15*time.Second, time.Hour)).To(Equal(
			[]string{"healthy", "healthy", "outage", "outage", "recovered", "recovered"}))
	})

	It("skips phases nobody asked during, without drift", func() {
		s := compile(`
phases:
  - {name: a, duration: 1s}
  - {name: b, duration: 1s}
  - {name: c, duration: 1s}
`, 1)
		Expect(phases(s, "x", 2500*ms, 2999*ms, 3*time.Second)).To(Equal([]string{"c", "c", faultserver.PhaseDefault}))
	})

	It("begins the phase after a count phase at its last request, and ends a phase at the first of its limits", func() {
		s := compile(`
phases:
  - {name: count, requests: 2}
  - {name: timed, duration: 1s}
  - {name: both, duration: 10s, requests: 2}
  - {name: last}
`, 1)
		Expect(phases(s, "x", 0, 3*time.Second, 3999*ms, 4*time.Second, 4001*ms, 4002*ms, 4003*ms)).To(Equal(
			[]string{"count", "count", "timed", "both", "both", "last", "last"}))
	})

	It("runs each client's own phases under per: client, timed from its first request", func() {
		s := compile(`
per: client
phases:
  - {name: warm, requests: 2, fault: {status: 503}}
  - {name: cool, duration: 1s, fault: {status: 429}}
  - {name: fine}
`, 1)
		Expect(kinds(s, 2, 0, "a")).To(Equal([]string{"status", "status"}))
		Expect(phases(s, "b", 10*time.Second, 10*time.Second)).To(Equal([]string{"warm", "warm"}))
		Expect(phases(s, "a", 999*ms, time.Second)).To(Equal([]string{"cool", "fine"}))
		Expect(phases(s, "b", 10*time.Second+999*ms, 11*time.Second)).To(Equal([]string{"cool", "fine"}))
	})

	It("marks each kind of fault and fills its parameters", func() {
		s := compile(`
per: client
phases:
  - {requests: 1, fault: {status: 429, retry_after: 2s, headers: {x-why: busy}, body: slow down}}
  - {requests: 1, fault: {status: 503, retry_after_date: 3s}}
  - {requests: 1, fault: {delay: 40ms}}
  - {requests: 1, fault: {hang: 2s}}
  - {requests: 1, fault: {reset: true}}
  - {requests: 1, fault: {close: true}}
  - {requests: 1, fault: {truncate: 10}}
  - {requests: 1, fault: {slow: 1KB/s, body_size: 100}}
  - {requests: 1, fault: {malformed: true}}
  - {requests: 1, fault: {malformed: "garbage"}}
`, 1)
		next := func() faultserver.Plan { return decide(s, 0, "a", "GET", "/") }
		d := next()
		Expect(d.Kind).To(Equal(record.FaultStatus))
		Expect(d.Status).To(Equal(429))
		Expect(d.RetryAfter).To(Equal(2 * time.Second))
		Expect(d.HasRetryAfter && !d.RetryAfterDate).To(BeTrue())
		Expect(d.Headers.Get("X-Why")).To(Equal("busy"))
		Expect(string(d.Body)).To(Equal("slow down"))

		d = next()
		Expect(d.Status).To(Equal(503))
		Expect(string(d.Body)).To(Equal("Service Unavailable\n"))
		Expect(d.RetryAfterDate).To(BeTrue())
		Expect(d.RetryAfter).To(Equal(3 * time.Second))

		d = next()
		Expect(d.Kind).To(Equal(record.FaultDelay))
		Expect(d.Delay).To(Equal(40 * ms))
		Expect(d.Status).To(Equal(200))

		d = next()
		Expect(d.Kind).To(Equal(record.FaultHang))
		Expect(d.Param).To(Equal(int64(2*time.Second)), "the hang's duration")
		Expect(faultserver.PlayVirtual(&d, 0, 0, false).Status).To(Equal(0), "no status line is sent")

		Expect(next().Kind).To(Equal(record.FaultReset))
		Expect(next().Kind).To(Equal(record.FaultClose))

		d = next()
		Expect(d.Kind).To(Equal(record.FaultTruncate))
		Expect(d.Param).To(Equal(int64(10)), "the bytes of body sent")
		Expect(len(d.Body)).To(BeNumerically(">", 10), "the headers must promise more than is sent")
		Expect(faultserver.PlayVirtual(&d, 0, 0, false).Status).To(Equal(200))

		d = next()
		Expect(d.Kind).To(Equal(record.FaultSlow))
		Expect(d.Param).To(Equal(int64(1000)), "the bandwidth in bytes per second")
		Expect(d.Body).To(HaveLen(100))

		d = next()
		Expect(d.Kind).To(Equal(record.FaultMalformed))
		Expect(string(d.Raw)).To(HavePrefix("SSH-2.0"))
		Expect(string(next().Raw)).To(Equal("garbage"))
	})

	It("keeps the response's status and body for a fault that sets no status", func() {
		s := compile(`
response: {status: 201, body: created, headers: {x-a: b}}
phases: [{fault: {truncate: 2}}]
`, 1)
		d := decide(s, 0, "a", "POST", "/")
		Expect(d.Status).To(Equal(201))
		Expect(string(d.Body)).To(Equal("created"))
		Expect(d.Headers.Get("X-A")).To(Equal("b"))
	})

	It("sends requests to the first matching route, by mux template, method and header", func() {
		s := compile(`
phases: [{fault: {status: 500}}]
routes:
  - {name: gold, path: "/api/orders/{id:[0-9]+}", headers: {x-tier: gold}}
  - {path: "/api/orders/{id:[0-9]+}", methods: [post], phases: [{fault: {status: 409}}]}
  - {path_prefix: /static/, phases: [{fault: {status: 404}}]}
`, 1)
		at := func(method, path string, h http.Header) faultserver.Plan {
			d, t := s.Admit(0, &faultserver.RequestInfo{Method: method, Path: path, ClientKey: "c", Header: h})
			t.End(0)
			return d
		}
		d := at("POST", "/api/orders/12", http.Header{"X-Tier": {"gold"}})
		Expect([]any{d.Route, d.Status}).To(Equal([]any{"gold", 200}))
		d = at("POST", "/api/orders/12", nil)
		Expect([]any{d.Route, d.Status}).To(Equal([]any{"/api/orders/{id:[0-9]+}", 409}))
		d = at("GET", "/api/orders/12", nil)
		Expect([]any{d.Route, d.Status}).To(Equal([]any{"", 500}))
		d = at("POST", "/api/orders/abc", nil)
		Expect([]any{d.Route, d.Status}).To(Equal([]any{"", 500}))
		d = at("GET", "/static/app.js", nil)
		Expect(d.Status).To(Equal(404))
	})

	It("draws the same fault sequence from the same seed, and another from another seed", func() {
		src := `
phases:
  - mix:
      - {weight: 50}
      - {weight: 25, fault: {status: 503}}
      - {weight: 25, fault: {reset: true}}
`
		a := kinds(compile(src, 7), 200, 0, "c1")
		b := kinds(compile(src, 7), 200, 0, "c1")
		c := kinds(compile(src, 8), 200, 0, "c1")
		Expect(a).To(Equal(b))
		Expect(a).NotTo(Equal(c))
		Expect(a).To(ContainElements("none", "status", "reset"))
	})

	It("gives each client the same faults whatever other clients do", func() {
		src := `
per: client
phases:
  - {requests: 2, fault: {status: 503}}
  - mix: [{weight: 1}, {weight: 1, fault: {status: 500, delay: {dist: uniform, min: 1ms, max: 9ms}}}]
`
		alone := compile(src, 3)
		var want []faultserver.Plan
		for i := 0; i < 50; i++ {
			want = append(want, decide(alone, 0, "me", "GET", "/"))
		}

		crowded := compile(src, 3)
		var wg sync.WaitGroup
		for c := 0; c < 8; c++ {
			wg.Add(1)
			go func() {
				defer wg.Done()
				for i := 0; i < 100; i++ {
					decide(crowded, 0, "other"+string(rune('a'+c)), "GET", "/")
				}
			}()
		}
		var got []faultserver.Plan
		for i := 0; i < 50; i++ {
			got = append(got, decide(crowded, 0, "me", "GET", "/"))
		}
		wg.Wait()
		Expect(got).To(Equal(want))
	})

	It("does not perturb the streams of a route when another route is added", func() {
		base := "phases:\n  - mix: [{weight: 1}, {weight: 1, fault: {status: 500}}]\n"
		withRoute := base + "routes: [{path: /other, phases: [{fault: {status: 418}}]}]\n"
		Expect(kinds(compile(withRoute, 5), 100, 0, "c")).To(Equal(kinds(compile(base, 5), 100, 0, "c")))
	})

	It("draws mix entries in proportion to their weights (binomial interval, fixed seed)", func() {
		s := compile("phases:\n  - mix: [{weight: 3}, {weight: 1, fault: {status: 503}}]\n", 11)
		const n = 20000
		faults := 0
		for i := 0; i < n; i++ {
			if decide(s, 0, "c"+string(rune('a'+i%26)), "GET", "/").Kind == record.FaultStatus {
				faults++
			}
		}
		// p = 0.25; 4 standard deviations of Binomial(n, p) is 4·sqrt(n·p·(1−p)) ≈ 245.
		Expect(float64(faults)).To(BeNumerically("~", n*0.25, 245))
	})

	It("adds the service time, growing with requests in flight, to requests that draw no fault", func() {
		s := compile(`
service: {base: 10ms, per_concurrent: 2ms}
phases: [{requests: 1, fault: {status: 500}}, {}]
`, 1)
		info := &faultserver.RequestInfo{Method: "GET", Path: "/", ClientKey: "a"}
		fault, first := s.Admit(0, info)
		Expect(fault.Delay).To(Equal(time.Duration(0)), "a fault gets no service time")
		_, second := s.Admit(0, info)
		_, third := s.Admit(0, info)
		Expect(s.InFlight()).To(Equal(3))
		d, t := s.Admit(0, info) // 4 in flight with this one
		Expect(d.Delay).To(Equal(10*ms + 4*2*ms))
		t.End(0)
		first.End(0)
		second.End(0)
		d, t = s.Admit(0, info) // third and this one: 2 in flight
		Expect(d.Delay).To(Equal(10*ms + 2*2*ms))
		t.End(0)
		third.End(0)
	})
})
