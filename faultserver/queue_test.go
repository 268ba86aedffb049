package faultserver_test

import (
	"math"
	"time"

	. "github.com/onsi/ginkgo/v2"
	. "github.com/onsi/gomega"
	"go.yaml.in/yaml/v3"

	"github.com/chaos-harness/chaos/analysis"
	"github.com/chaos-harness/chaos/faultserver"
	"github.com/chaos-harness/chaos/record"
)

var _ = Describe("the queueing server (server.queue)", func() {
	// admit admits a request of client key at `at` whose client gives up at
	// deadline, and returns its hold (queue wait + service) and ticket.
	admit := func(s *faultserver.Script, at, deadline time.Duration) (time.Duration, faultserver.Ticket) {
		d, t := s.Admit(at, &faultserver.RequestInfo{Method: "GET", Path: "/", ClientKey: "c1", Deadline: deadline})
		return d.Delay, t
	}

	It("serves first come first served on its workers, and under cancel frees the place of a client that left", func() {
		s := compile("service: {base: 100ms}\nqueue: {workers: 1}\n", 1)
		// Three at 0, each client leaving at 150 ms; one at 160 ms.
		// r1 is served 0-100. r2 is served from 100 and cancelled at 150.
		// r3 would start at 150, when its client is gone: it never takes
		// the worker (its hold, 150 ms, is cut at its deadline). r4 finds
		// the worker free at 160.
		h1, _ := admit(s, 0, 150*ms)
		h2, _ := admit(s, 0, 150*ms)
		h3, _ := admit(s, 0, 150*ms)
		h4, _ := admit(s, 160*ms, 0)
		Expect([]time.Duration{h1, h2, h3, h4}).To(Equal([]time.Duration{100 * ms, 200 * ms, 250 * ms, 100 * ms}))
	})

	It("under abandoned: finish does the work of clients that left, whole", func() {
		s := compile("service: {base: 100ms, abandoned: finish}\nqueue: {workers: 1}\n", 1)
		Expect(s.FinishesAbandoned()).To(BeTrue())
		// r2 is served 100-200 and r3 200-300 though their clients left at
		// 150; r4 at 160 waits for 300: a wait of 140 and a hold of 240.
		h1, _ := admit(s, 0, 150*ms)
		h2, _ := admit(s, 0, 150*ms)
		h3, _ := admit(s, 0, 150*ms)
		h4, _ := admit(s, 160*ms, 0)
		Expect([]time.Duration{h1, h2, h3, h4}).To(Equal([]time.Duration{100 * ms, 200 * ms, 300 * ms, 240 * ms}))
	})

	It("runs c workers, and refuses as overload beyond limit waiting", func() {
		s := compile("service: {base: 100ms}\nqueue: {workers: 2, limit: 1}\n", 1)
		// Two served at once, one waits (hold 200), the fourth is refused
		// with the default 503 in phase capacity; at 100 ms a worker is free.
		h1, _ := admit(s, 0, 0)
		h2, _ := admit(s, 0, 0)
		h3, _ := admit(s, 0, 0)
		d, t := s.Admit(0, &faultserver.RequestInfo{Method: "GET", Path: "/", ClientKey: "c1"})
		Expect([]time.Duration{h1, h2, h3}).To(Equal([]time.Duration{100 * ms, 100 * ms, 200 * ms}))
		Expect(d.Kind).To(Equal(record.FaultOverload))
		Expect(d.Status).To(Equal(503))
		Expect(d.Phase).To(Equal(faultserver.PhaseCapacity))
		Expect(t.Admitted()).To(BeFalse())
		h5, _ := admit(s, 100*ms, 0) // r3 took the first free worker, r5 the second
		Expect(h5).To(Equal(100 * ms))
	})

	It("answers a fault on arrival, without a worker", func() {
		s := compile("service: {base: 100ms}\nqueue: {workers: 1}\nroutes: [{path: /boom, phases: [{fault: {status: 500}}]}]\n", 1)
		admit(s, 0, 0)
		d, _ := s.Admit(0, &faultserver.RequestInfo{Method: "GET", Path: "/boom", ClientKey: "c1"})
		Expect(d.Status).To(Equal(500))
		Expect(d.Delay).To(BeZero())
		h, _ := admit(s, 0, 0)
		Expect(h).To(Equal(200 * ms)) // behind the first only
	})
})

var _ = Describe("the service-time distribution (server.service)", func() {
	draws := func(s *faultserver.Script, n int) []float64 {
		out := make([]float64, n)
		for i := range out {
			d, t := s.Admit(0, &faultserver.RequestInfo{Method: "GET", Path: "/", ClientKey: "c1"})
			t.End(0) // in flight: only itself, so per_concurrent adds one step
			out[i] = float64(d.Delay) / float64(ms)
		}
		return out
	}

	It("adds an exponential draw to base + per_concurrent", func() {
		s := compile("service: {base: 5ms, per_concurrent: 1ms, dist: exponential, mean: 20ms}\n", 1)
		xs := draws(s, 5000)
		// Each is 5 + 1 (itself in flight) + Exp(mean 20) ms.
		ks, err := analysis.KSTest(xs, func(x float64) float64 { return max(0, 1-math.Exp(-(x-6)/20)) })
		Expect(err).NotTo(HaveOccurred())
		Expect(ks.P).To(BeNumerically(">", 0.01), "D=%g", ks.D)
	})

	It("draws a mixture's entries by weight (a bimodal service time)", func() {
		s := compile("service:\n  mixture:\n    - {weight: 9, dist: fixed, value: 1ms}\n    - {weight: 1, dist: fixed, value: 50ms}\n", 1)
		xs := draws(s, 10000)
		slow := 0
		for _, x := range xs {
			Expect(x).To(Or(Equal(1.0), Equal(50.0)))
			if x == 50 {
				slow++
			}
		}
		// Binomial(10000, 0.1): mean 1000, sd √900 = 30; 4 sd.
		Expect(slow).To(BeNumerically("~", 1000, 120))
	})

	It("reports bad settings by field, and round-trips its YAML", func() {
		var spec faultserver.Spec
		Expect(yaml.Unmarshal([]byte("service: {abandoned: later, dist: exponential}\nqueue: {workers: -1}\n"), &spec)).To(Succeed())
		paths := []string{}
		for _, p := range spec.Problems() {
			paths = append(paths, p.Path)
		}
		Expect(paths).To(ContainElements("service.abandoned", "service.mean", "queue.workers"))
		err := yaml.Unmarshal([]byte("service: {bsae: 1s}\n"), &spec)
		Expect(err).To(MatchError(ContainSubstring(`did you mean "base"`)))

		src := "service:\n  mixture:\n    - {weight: 9, dist: fixed, value: 1ms}\n    - {weight: 1, dist: exponential, mean: 50ms}\n  abandoned: finish\n  base: 1s\n"
		Expect(yaml.Unmarshal([]byte(src), &spec)).To(Succeed())
		out, err := yaml.Marshal(&spec)
		Expect(err).NotTo(HaveOccurred())
		var again faultserver.Spec
		Expect(yaml.Unmarshal(out, &again)).To(Succeed())
		Expect(again.Service).To(Equal(spec.Service))
	})
})
