package scenarios_test

import (
	"context"
	"math"
	"strings"
	"time"

	. "github.com/onsi/ginkgo/v2"
	. "github.com/onsi/gomega"

	"github.com/chaos-harness/chaos/analysis"
	"github.com/chaos-harness/chaos/record"
	"github.com/chaos-harness/chaos/scenarios"
)

// firstTries are the t_ms of the first attempts of rs, by client, in order.
func firstTries(rs []record.Record) map[string][]float64 {
	out := map[string][]float64{}
	for _, r := range rs {
		if r.Attempt == 1 {
			out[r.Client] = append(out[r.Client], r.TMs)
		}
	}
	return out
}

// countIn counts the first attempts accepted in [from, to) ms.
func countIn(rs []record.Record, from, to float64) int {
	n := 0
	for _, r := range rs {
		if r.Attempt == 1 && r.TMs >= from && r.TMs < to {
			n++
		}
	}
	return n
}

// successIn is the fraction of attempts accepted in [from, to) ms whose
// client had a 200, and how many attempts there were.
func successIn(rs []record.Record, from, to float64) (float64, int) {
	ok, n := 0, 0
	for _, r := range rs {
		if r.TMs >= from && r.TMs < to {
			n++
			if r.Outcome == record.OutcomeOK {
				ok++
			}
		}
	}
	if n == 0 {
		return math.NaN(), 0
	}
	return float64(ok) / float64(n), n
}

var _ = Describe("open-loop clients (clients.open) in the sim engine", func() {
	It("start requests as a Poisson process: the count is Poisson(rate·T) and the gaps are exponential", func() {
		s := parse(`
seed: 5
server: {}
clients:
  open: {rate: 50/s, duration: 200s}
policies: [{name: none}]
`)
		run, rs := execute(s, scenarios.Options{})
		// N ~ Poisson(50 × 200 = 10000): sd √10000 = 100, so 4 sd is ±400.
		Expect(run.Policies[0].LogicalRequests).To(BeNumerically("~", 10000, 400))
		Expect(int64(len(rs))).To(Equal(run.Policies[0].LogicalRequests)) // one attempt each, all logged
		// The estimate (and the progress bar) counts the same draws.
		est, err := s.Estimate(scenarios.Options{})
		Expect(err).NotTo(HaveOccurred())
		Expect(est.Logical).To(Equal(run.Policies[0].LogicalRequests))
		Expect(est.LastStart).To(Equal(200 * time.Second))
		gaps := []float64{}
		prev := 0.0
		for _, t := range firstTries(rs)["c1"] {
			gaps = append(gaps, t-prev)
			prev = t
		}
		// Exponential gaps of mean 1/50 s = 20 ms: F(x) = 1 − e^(−x/20).
		ks, err := analysis.KSTest(gaps, func(ms float64) float64 { return 1 - math.Exp(-ms/20) })
		Expect(err).NotTo(HaveOccurred())
		Expect(ks.P).To(BeNumerically(">", 0.01), "D=%g", ks.D)
		// The same gaps are far from exponential of mean 40 ms: the test can fail.
		wrong, _ := analysis.KSTest(gaps, func(ms float64) float64 { return 1 - math.Exp(-ms/40) })
		Expect(wrong.P).To(BeNumerically("<", 1e-6))
	})

	It("follow a step schedule and a linear one, piece by piece (thinning)", func() {
		step := parse(`
seed: 9
server: {}
clients:
  count: 20
  open:
    rate: [{at: 0s, rate: 40/s}, {at: 20s, rate: 80/s}, {at: 25s, rate: 40/s}]
    duration: 30s
policies: [{name: none}]
`)
		_, rs := execute(step, scenarios.Options{})
		// Per piece, 20 clients: Poisson means 20×40×20 = 16000 (sd 126),
		// 20×80×5 = 8000 (sd 89), 20×40×5 = 4000 (sd 63); 4 sd bounds.
		Expect(countIn(rs, 0, 20000)).To(BeNumerically("~", 16000, 4*126))
		Expect(countIn(rs, 20000, 25000)).To(BeNumerically("~", 8000, 4*89))
		Expect(countIn(rs, 25000, 30000)).To(BeNumerically("~", 4000, 4*63))
		Expect(countIn(rs, 30000, math.Inf(1))).To(BeZero())

		linear := parse(`
seed: 9
server: {}
clients:
  count: 20
  open:
    rate: [{at: 0s, rate: 10/s}, {at: 10s, rate: 90/s}]
    shape: linear
    duration: 20s
policies: [{name: none}]
`)
		_, rs = execute(linear, scenarios.Options{})
		// λ(t) = 10 + 8t on [0, 10) s, then 90: ∫₀⁵ = 50 + 100 = 150,
		// ∫₅¹⁰ = 50 + 300 = 350, ∫₁₀²⁰ = 900 per client; ×20 clients:
		// 3000 (sd 55), 7000 (sd 84), 18000 (sd 134).
		Expect(countIn(rs, 0, 5000)).To(BeNumerically("~", 3000, 4*55))
		Expect(countIn(rs, 5000, 10000)).To(BeNumerically("~", 7000, 4*84))
		Expect(countIn(rs, 10000, 20000)).To(BeNumerically("~", 18000, 4*134))
	})

	It("draw each client's arrivals from a stream of its own: adding a client moves no other", func() {
		one := parse("seed: 3\nserver: {}\nclients: {count: 1, open: {rate: 20/s, duration: 5s}}\npolicies: [{name: none}]\n")
		two := parse("seed: 3\nserver: {}\nclients: {count: 2, open: {rate: 20/s, duration: 5s}}\npolicies: [{name: none}]\n")
		_, a := execute(one, scenarios.Options{})
		_, b := execute(two, scenarios.Options{})
		Expect(firstTries(b)["c1"]).To(Equal(firstTries(a)["c1"]))
		Expect(firstTries(b)["c2"]).NotTo(Equal(firstTries(a)["c1"]))
	})

	It("overlap their calls, which share the client's one policy (its breaker)", func() {
		s := parse(`
seed: 2
server:
  response: {status: 503, delay: 1s}
clients:
  count: 3
  open: {rate: 10/s, duration: 10s}
policies:
  - name: breaker
    breaker: {failures: 5, open: 100s}
`)
		run, rs := execute(s, scenarios.Options{})
		// Each client's breaker opens at its fifth failure: 1 s (the
		// server's hold) after its fifth call started. Its calls of that
		// second are all sent, and overlap; none is sent after. A breaker per
		// call would let every call through.
		first := firstTries(rs)
		Expect(first).To(HaveLen(3))
		for client, ts := range first {
			Expect(len(ts)).To(BeNumerically(">", 5), client) // more than five in flight at once
			opened := ts[4] + 1000
			Expect(ts[len(ts)-1]).To(BeNumerically("<", opened), client)
		}
		pr := run.Policies[0]
		Expect(pr.Unsent).To(Equal(pr.LogicalRequests - int64(len(rs))))
		Expect(pr.Unsent).To(BeNumerically(">", 250)) // ≈ 3 × 10/s × 9 s
	})

	It("cross a network of exponential hops (network: {dist: exponential})", func() {
		s := parse(`
seed: 8
server: {}
clients:
  count: 50
  open: {rate: 20/s, duration: 5s}
  network: {dist: exponential, mean: 5ms}
policies: [{name: none}]
`)
		_, rs := execute(s, scenarios.Options{})
		out, back := []float64{}, []float64{}
		for _, r := range rs {
			out = append(out, r.TMs-*r.SentMs)                   // the hop to the server
			back = append(back, *r.ReceivedMs-r.TMs-r.LatencyMs) // the hop back
		}
		// Each hop is Exp(mean 5 ms): F(x) = 1 − e^(−x/5).
		for _, hops := range [][]float64{out, back} {
			ks, err := analysis.KSTest(hops, func(ms float64) float64 { return 1 - math.Exp(-ms/5) })
			Expect(err).NotTo(HaveOccurred())
			Expect(ks.N).To(BeNumerically(">", 4000))
			Expect(ks.P).To(BeNumerically(">", 0.01), "D=%g", ks.D)
		}
	})

	It("are refused beside requests, think, start or spike, and with a bad schedule", func() {
		for _, c := range []struct{ src, want string }{
			{"clients: {open: {rate: 10/s, duration: 1s}, requests: 3}", "clients.requests"},
			{"clients: {open: {rate: 10/s, duration: 1s}, think: 1s}", "clients.think"},
			{"clients: {open: {rate: 10/s, duration: 1s}, start: {spread: 1s}}", "clients.start"},
			{"clients: {open: {rate: 10/s}}", "needs a duration"},
			{"clients: {open: {duration: 1s}}", "needs a rate"},
			{"clients: {open: {rate: [{at: 1s, rate: 1/s}], duration: 1s}}", "first step of a rate schedule is at 0s"},
			{"clients: {open: {rate: [{at: 0s, rate: 1/s}, {at: 0s, rate: 2/s}], duration: 1s}}", "steps go forward"},
			{"clients: {open: {rate: 10/s, duration: 1s, shape: curvy}}", `unknown shape "curvy"`},
			{"clients: {open: {rate: 10, duration: 1s}}", "needs a unit"},
		} {
			_, err := scenarios.Parse("bad.yaml", []byte("server: {}\npolicies: [{name: none}]\n"+c.src+"\n"))
			Expect(err).To(HaveOccurred(), c.src)
			Expect(err.Error()).To(ContainSubstring(c.want), c.src)
			Expect(err.Error()).To(ContainSubstring("bad.yaml:3:"), c.src) // file and line
		}
	})
})

var _ = Describe("a queueing server (server.queue) in the sim engine", func() {
	It("gives an M/M/1 queue's mean time in system, 1/(μ − λ) (Kleinrock, Queueing Systems vol. 1, 1975)", func() {
		// λ = 8/s Poisson, μ = 10/s exponential, one worker: ρ = 0.8 and the
		// mean time in system is 1/(10 − 8) s = 500 ms.
		s := parse(`
seed: 11
server:
  service: {dist: exponential, mean: 100ms}
  queue: {workers: 1}
clients:
  open: {rate: 8/s, duration: 50000s}
policies: [{name: none}]
`)
		// The Records are summed as they come, in acceptance order (which
		// is arrival order here), in batches of 8000 customers.
		const size = 8000
		var means []float64
		sum, n, total := 0.0, 0, 0
		opts := scenarios.Options{Sink: func(r *record.Record) error {
			sum += r.LatencyMs
			n++
			total++
			if n == size {
				means = append(means, sum/size)
				sum, n = 0, 0
			}
			return nil
		}}
		_, err := s.Run(context.Background(), opts)
		Expect(err).NotTo(HaveOccurred())
		Expect(total).To(BeNumerically("~", 400000, 4*633)) // Poisson(8 × 50000 s)
		// Successive times in system are correlated (a busy period), so the
		// bound comes from batch means: 50 batches of 8000 customers (1000 s,
		// far beyond the queue's relaxation time 1/(μ(1−√ρ)²) ≈ 9 s) are
		// close to independent, and by the CLT their mean is within 4
		// standard errors of 1/(μ−λ). The standard error is checked to be
		// what Blomqvist's asymptotic variance of the mean wait predicts
		// (ρ(2+5ρ−4ρ²+ρ³)/(μ²(1−ρ)⁴) = 19.8 s², so √(19.8/400000) ≈ 7 ms),
		// so the bound is tight: about ±6 %.
		batches := float64(len(means))
		mean := 0.0
		for _, m := range means {
			mean += m / batches
		}
		ss := 0.0
		for _, m := range means {
			ss += (m - mean) * (m - mean)
		}
		se := math.Sqrt(ss/(batches-1)) / math.Sqrt(batches)
		Expect(se).To(BeNumerically("<", 12)) // ms
		Expect(mean).To(BeNumerically("~", 500, 4*se))
	})

	It("with abandoned: finish stays collapsed long after a 2x spike (metastable); with cancel it drains", func() {
		src := `
seed: 3
server:
  service: {dist: exponential, mean: 10ms, abandoned: ABANDONED}
  queue: {workers: 1}
clients:
  count: 10
  open:
    rate: [{at: 0s, rate: 8/s}, {at: 20s, rate: 16/s}, {at: 25s, rate: 8/s}]
    duration: 60s
  timeout: 1s
policies:
  - name: no-backoff
    retry: {max_retries: 2, backoff: list, delays: ["0"], jitter: none, on: [timeout]}
`
		// ρ = 80/s × 10 ms = 0.8 before the spike; in an M/M/1 queue
		// P(wait > 1 s) = ρ·e^(−(μ−λ)·1 s) = 0.8·e^(−20): no timeouts. The
		// spike (ρ = 1.6 for 5 s) queues about 300 requests, 3 s of work.
		_, finish := execute(parse(strings.ReplaceAll(src, "ABANDONED", "finish")), scenarios.Options{})
		_, cancel := execute(parse(strings.ReplaceAll(src, "ABANDONED", "cancel")), scenarios.Options{})
		for _, rs := range [][]record.Record{finish, cancel} {
			before, _ := successIn(rs, 0, 20000)
			Expect(before).To(Equal(1.0))
		}
		// finish: the server serves the queued work of clients that left,
		// every attempt waits over 1 s, times out, and is retried twice: 2.4
		// times the capacity, which never drains.
		after, n := successIn(finish, 40000, 60000)
		Expect(n).To(BeNumerically(">", 3000)) // ≈ 8/s × 10 clients × 20 s × 3 attempts = 4800
		Expect(after).To(BeZero())
		// cancel: a request whose client left leaves the queue, so the
		// worker serves only live requests and the backlog is gone.
		after, _ = successIn(cancel, 40000, 60000)
		Expect(after).To(BeNumerically(">=", 0.99))
	})

	It("refuses a request over the queue's limit as overload, and serves faults without a worker", func() {
		s := parse(`
seed: 1
server:
  service: {base: 1s}
  queue: {workers: 2, limit: 3}
  routes:
    - {path: /fault, phases: [{fault: {status: 500}}]}
clients:
  count: 10
policies: [{name: none}]
`)
		_, rs := execute(s, scenarios.Options{})
		// Ten clients at t=0: two are served (0-1 s), three wait (the third
		// served 1-2 s, so its time in system is 2 s), five are refused.
		faults := map[string]int{}
		for _, r := range rs {
			faults[r.Fault]++
		}
		Expect(faults).To(Equal(map[string]int{record.FaultNone: 5, record.FaultOverload: 5}))
		lat := []float64{}
		for _, r := range rs {
			if r.Fault == record.FaultNone {
				lat = append(lat, math.Round(r.LatencyMs))
			}
		}
		Expect(lat).To(ConsistOf(1000.0, 1000.0, 2000.0, 2000.0, 3000.0))
	})
})

var _ = Describe("open-loop clients in the live engine", func() {
	It("start the sim engine's arrivals, their calls overlapping on one policy each", func() {
		s := parse(`
seed: 4
server:
  response: {delay: 300ms}
clients:
  count: 3
  open: {rate: 20/s, duration: 1s}
  time_scale: 0.5
policies: [{name: none}]
`)
		simRun, simRecs := execute(s, scenarios.Options{Engine: scenarios.EngineSim})
		liveRun, liveRecs := execute(s, scenarios.Options{Engine: scenarios.EngineLive})
		// The arrivals are drawn from the same per-client streams: the same
		// logical requests, each logged once, with the same ids.
		Expect(liveRun.Policies[0].LogicalRequests).To(Equal(simRun.Policies[0].LogicalRequests))
		Expect(liveRun.Policies[0].Succeeded).To(Equal(simRun.Policies[0].Succeeded))
		ids := func(rs []record.Record) []string {
			var out []string
			for _, r := range rs {
				out = append(out, r.Request)
			}
			return out
		}
		Expect(ids(liveRecs)).To(ConsistOf(ids(simRecs)))
		// Each call is held 300 ms and a client starts one every 50 ms on
		// average: a client has several in flight at once.
		overlapping := 0
		byClient := map[string][]record.Record{}
		for _, r := range liveRecs {
			byClient[r.Client] = append(byClient[r.Client], r)
		}
		for _, rs := range byClient {
			for i := 1; i < len(rs); i++ {
				if rs[i].TMs < rs[i-1].TMs+rs[i-1].LatencyMs {
					overlapping++
				}
			}
		}
		Expect(overlapping).To(BeNumerically(">", 10))
	})
})

var _ = Describe("the built-in brooker-collapse (Brooker's simple collapse model)", func() {
	It("stays collapsed after the spike retrying at once, recovers with the model's backoff and without retries; finish keeps the work after the load, cancel drains it", func() {
		s, err := scenarios.LoadBuiltin("brooker-collapse")
		Expect(err).NotTo(HaveOccurred())
		out := simulate(s, scenarios.Options{})
		// The spike is 20-25 s; from 30 s to the end of the load (80 s)
		// every attempt of no-backoff times out (6,121 of them at seed 1),
		// while without retries every request is answered in time again.
		rate, n := successIn(recordsOf(out, "no-backoff"), 30000, 80000)
		Expect(n).To(BeNumerically(">", 5000)) // ≈ 40/s × 50 s × 3 attempts
		Expect(rate).To(BeZero())
		rate, _ = successIn(recordsOf(out, "no-retry"), 30000, 80000)
		Expect(rate).To(Equal(1.0))
		// The model's backoff (uniform to 20 s, then to 40 s) spreads the
		// spike's retries past the overload: from 40 s on, all but a few of
		// its attempts (1,830 of 1,875 at seed 1) are answered in time.
		rate, _ = successIn(recordsOf(out, "backoff-jitter"), 40000, 80000)
		Expect(rate).To(BeNumerically(">", 0.95))
		// The surge (80/s, 20-25 s) is the run's fault phase: without retries
		// and with backoff the success rate comes back; retrying at once never.
		for _, name := range []string{"no-retry", "backoff-jitter"} {
			p, _ := out.Result.Policy(name)
			Expect(p.TimeToRecoverMs).NotTo(BeNil(), name)
		}
		p, _ := out.Result.Policy("no-backoff")
		Expect(p.Recovery).To(HaveLen(1))
		Expect(p.Recovery[0].Phase).To(Equal(scenarios.PhaseSurge))
		Expect(p.Recovery[0].EndMs).To(Equal(25000.0))
		Expect(p.TimeToRecoverMs).To(BeNil())

		// Once the load has ended (80 s; from 85 s on), the server still works
		// on abandoned attempts under finish, so the last attempts fail too;
		// under cancel the work of clients that left is dropped and the last
		// ones succeed.
		finish := recordsOf(out, "no-backoff")
		s.Server.Service.Abandoned = "cancel"
		cancel := recordsOf(simulate(s, scenarios.Options{Policies: []string{"no-backoff"}}), "no-backoff")
		rate, n = successIn(finish, 85000, math.Inf(1))
		Expect(n).To(BeNumerically(">", 20))
		Expect(rate).To(BeZero())
		// (31 of 32 at seed 1: the one attempt that fails was sent while
		// the last of the load's work was still being dropped.)
		rate, n = successIn(cancel, 85000, math.Inf(1))
		Expect(n).To(BeNumerically(">", 20))
		Expect(rate).To(BeNumerically(">", 0.9))
	})
})

var _ = Describe("a queueing server in the live engine", func() {
	It("frees the places of clients that left under cancel, which announce their timeout, and not under finish", func() {
		src := `
seed: 3
server:
  service: {base: 400ms, abandoned: ABANDONED}
  queue: {workers: 1}
clients:
  open: {rate: 5/s, duration: 8s}
  timeout: 1s
  time_scale: 0.5
policies: [{name: none}]
`
		succeeded := map[string]int64{}
		for _, ab := range []string{"finish", "cancel"} {
			s := parse(strings.ReplaceAll(src, "ABANDONED", ab))
			sim, _ := execute(s, scenarios.Options{Engine: scenarios.EngineSim})
			live, _ := execute(s, scenarios.Options{Engine: scenarios.EngineLive})
			Expect(live.Policies[0].LogicalRequests).To(Equal(sim.Policies[0].LogicalRequests))
			succeeded[ab+" sim"] = sim.Policies[0].Succeeded
			succeeded[ab+" live"] = live.Policies[0].Succeeded
		}
		// 43 requests at 5/s on one worker of 400 ms (ρ = 2). In sim, finish
		// serves 2 in time and cancel 8: under finish the worker works
		// through requests whose clients left, under cancel it skips them.
		// Live, the server learns each deadline from X-Chaos-Timeout; without
		// it, cancel would serve as finish does. The margins are a hundred
		// milliseconds and more (at time_scale 0.5), so the live counts are held to the sim's within a few.
		Expect(succeeded["finish sim"]).To(Equal(int64(2)))
		Expect(succeeded["cancel sim"]).To(Equal(int64(8)))
		Expect(succeeded["cancel live"]).To(BeNumerically(">=", succeeded["finish live"]+3), "%v", succeeded)
	})
})
