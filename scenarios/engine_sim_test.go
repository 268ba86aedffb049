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

// parse reads a scenario the spec writes inline.
func parse(src string) *scenarios.Scenario {
	s, err := scenarios.Parse("spec.yaml", []byte(src))
	Expect(err).NotTo(HaveOccurred())
	return s
}

// simulate runs a scenario (in sim unless opts say otherwise) and returns it
// analysed, with its Records.
func simulate(s *scenarios.Scenario, opts scenarios.Options) *scenarios.AnalyzedRun {
	opts.KeepRecords = true
	out, err := s.RunAnalyzed(context.Background(), opts, "")
	Expect(err).NotTo(HaveOccurred())
	return out
}

// execute runs a scenario and collects its Records, without analysing them.
func execute(s *scenarios.Scenario, opts scenarios.Options) (*scenarios.Run, []record.Record) {
	var rs []record.Record
	opts.Sink = func(r *record.Record) error {
		rs = append(rs, *r)
		return nil
	}
	run, err := s.Run(context.Background(), opts)
	Expect(err).NotTo(HaveOccurred())
	return run, rs
}

func recordsOf(out *scenarios.AnalyzedRun, policy string) []record.Record {
	var rs []record.Record
	for _, r := range out.Records {
		if r.Policy == policy {
			rs = append(rs, r)
		}
	}
	return rs
}

var _ = Describe("the sim engine", func() {
	It("is deterministic: the same seed gives the same Records, another seed others", func() {
		s, err := scenarios.LoadBuiltin("brownout")
		Expect(err).NotTo(HaveOccurred())
		opts := scenarios.Options{Policies: []string{"retry-breaker"}}
		runA, a := execute(s, opts)
		runB, b := execute(s, opts)
		Expect(len(a)).To(BeNumerically(">", 6000))
		Expect(a).To(Equal(b))
		Expect(withoutLaws(runA)).To(Equal(withoutLaws(runB)))
		seed := uint64(43)
		opts.Seed = &seed
		runC, c := execute(s, opts)
		Expect(runC.Seed).To(Equal(uint64(43)))
		Expect(c).NotTo(Equal(a))
	})

	It("hands Records over in acceptance order, policy by policy", func() {
		s, err := scenarios.LoadBuiltin("brownout")
		Expect(err).NotTo(HaveOccurred())
		out := simulate(s, scenarios.Options{})
		for _, name := range s.PolicyNames() {
			rs := recordsOf(out, name)
			Expect(rs).NotTo(BeEmpty())
			for i := 1; i < len(rs); i++ {
				Expect(rs[i].TMs).To(BeNumerically(">=", rs[i-1].TMs))
			}
		}
	})

	It("runs only the policies asked for, in that order", func() {
		s, err := scenarios.LoadBuiltin("contention")
		Expect(err).NotTo(HaveOccurred())
		out := simulate(s, scenarios.Options{Policies: []string{"full", "none"}})
		Expect(out.Run.Policies).To(HaveLen(2))
		Expect(out.Run.Policies[0].Name).To(Equal("full"))
		_, err = s.Run(context.Background(), scenarios.Options{Policies: []string{"nope"}})
		Expect(err).To(MatchError(ContainSubstring(`no policy "nope"`)))
		_, err = s.Run(context.Background(), scenarios.Options{Engine: "warp"})
		Expect(err).To(MatchError(ContainSubstring(`unknown engine "warp"`)))
	})

	It("reports progress up to every logical request of every policy", func() {
		s, err := scenarios.LoadBuiltin("fail-first")
		Expect(err).NotTo(HaveOccurred())
		var calls int
		var last, total int64
		_, err = s.Run(context.Background(), scenarios.Options{Progress: func(done, all int64) {
			Expect(done).To(BeNumerically(">=", last))
			calls, last, total = calls+1, done, all
		}})
		Expect(err).NotTo(HaveOccurred())
		Expect(total).To(Equal(int64(2 * 1500)))
		Expect(last).To(Equal(total))
		Expect(calls).To(BeNumerically(">", 2))
	})

	It("stops when its context is cancelled", func() {
		s, err := scenarios.LoadBuiltin("retry-storm")
		Expect(err).NotTo(HaveOccurred())
		ctx, cancel := context.WithCancel(context.Background())
		cancel()
		_, err = s.Run(ctx, scenarios.Options{})
		Expect(err).To(MatchError(context.Canceled))
	})

	It("fails each client's first attempts exactly as scripted (fail-first)", func() {
		s, err := scenarios.LoadBuiltin("fail-first")
		Expect(err).NotTo(HaveOccurred())
		out := simulate(s, scenarios.Options{})
		retry, _ := out.Result.Policy("retry-3")
		// 500 clients, 3 requests each: the first takes 3 attempts, the others 1.
		Expect(retry.LogicalRequests).To(Equal(1500))
		Expect(retry.Attempts).To(Equal(2500))
		Expect(retry.SuccessRate).To(Equal(1.0))
		none, _ := out.Result.Policy("no-retry")
		Expect(none.Succeeded).To(Equal(500))
	})

	It("draws flaky failures within the binomial interval of p = 0.2", func() {
		s, err := scenarios.LoadBuiltin("flaky")
		Expect(err).NotTo(HaveOccurred())
		out := simulate(s, scenarios.Options{})
		none, _ := out.Result.Policy("no-retry")
		lo, hi := analysis.Wilson(none.Succeeded, none.LogicalRequests, 3.29) // 99.9%
		Expect(0.8).To(BeNumerically(">=", lo))
		Expect(0.8).To(BeNumerically("<=", hi))
		// With 3 retries a request takes E = (1 - 0.2^4) / (1 - 0.2) = 1.248 attempts.
		retry, _ := out.Result.Policy("retry-3")
		Expect(retry.Amplification).To(HaveValue(BeNumerically("~", 1.248, 0.03)))
	})

	It("starts Poisson clients with exponential gaps (Kolmogorov-Smirnov)", func() {
		s := parse(`
server: {}
clients: {count: 4000, start: {poisson: 100/s}}
policies: [{name: plain}]
`)
		out := simulate(s, scenarios.Options{})
		gaps := make([]float64, 0, len(out.Records))
		for i := 1; i < len(out.Records); i++ {
			gaps = append(gaps, out.Records[i].TMs-out.Records[i-1].TMs)
		}
		ks, err := analysis.KSTest(gaps, func(ms float64) float64 { return 1 - math.Exp(-ms/10) })
		Expect(err).NotTo(HaveOccurred())
		Expect(ks.P).To(BeNumerically(">", 0.01), "D = %v", ks.D)
	})

	It("spreads clients uniformly and starts a spike at once", func() {
		s := parse(`
server: {}
clients: {count: 3000, start: {spread: 10s}, spike: {at: 4s, count: 1000}}
policies: [{name: plain}]
`)
		out := simulate(s, scenarios.Options{})
		var spread []float64
		atSpike := 0
		for _, r := range out.Records {
			n := clientNumber(r.Client)
			if n > 2000 {
				Expect(r.TMs).To(Equal(4000.0))
				atSpike++
				continue
			}
			spread = append(spread, r.TMs)
		}
		Expect(atSpike).To(Equal(1000))
		ks, err := analysis.KSTest(spread, func(ms float64) float64 { return min(1, max(0, ms/10000)) })
		Expect(err).NotTo(HaveOccurred())
		Expect(ks.P).To(BeNumerically(">", 0.01), "D = %v", ks.D)
	})

	It("costs a hang the client's timeout, fails a reset at once, and waits out a delay", func() {
		s := parse(`
server:
  routes:
    - {path: /hang, phases: [{fault: {hang: 30s}}]}
    - {path: /reset, phases: [{fault: {delay: 50ms, reset: true}}]}
    - {path: /slow, phases: [{fault: {delay: 300ms}}]}
clients: {count: 1, timeout: 2s, path: /hang}
policies: [{name: once, retry: {max_retries: 0}}]
`)
		for path, want := range map[string]struct {
			outcome string
			latency float64
			status  int
		}{
			"/hang":  {record.OutcomeTimeout, 2000, 0},
			"/reset": {record.OutcomeReset, 50, 0},
			"/slow":  {record.OutcomeOK, 300, 200},
		} {
			s.Clients.Path = path
			out := simulate(s, scenarios.Options{})
			Expect(out.Records).To(HaveLen(1), path)
			r := out.Records[0]
			Expect(r.Outcome).To(Equal(want.outcome), path)
			Expect(r.LatencyMs).To(Equal(want.latency), path)
			Expect(r.Status).To(Equal(want.status), path)
			Expect(out.Run.Policies[0].Duration).To(Equal(time.Duration(want.latency) * time.Millisecond))
		}
	})

	It("adds a network delay to each hop", func() {
		s := parse(`
server: {response: {delay: 5ms}}
clients: {count: 1, requests: 2, think: 100ms, network: 10ms}
policies: [{name: plain}]
`)
		out := simulate(s, scenarios.Options{})
		Expect(out.Records).To(HaveLen(2))
		// Out 10 ms, served in 5 ms, back 10 ms, think 100 ms, out 10 ms.
		Expect(out.Records[0].TMs).To(Equal(10.0))
		Expect(out.Records[1].TMs).To(Equal(135.0))
		Expect(out.Run.Policies[0].Duration).To(Equal(150 * time.Millisecond))
	})

	It("waits as long as Retry-After asks, in both of its forms", func() {
		for _, form := range []string{"retry_after: 2s", "retry_after_date: 2s"} {
			s := parse(`
server:
  phases:
    - {requests: 1, fault: {status: 429, ` + form + `}}
    - {}
clients: {count: 1}
policies: [{name: honor, retry: {max_retries: 1, base: 10ms}}]
`)
			out := simulate(s, scenarios.Options{})
			Expect(out.Records).To(HaveLen(2), form)
			Expect(out.Records[0].RetryAfterMs).To(Equal(2000.0), form)
			Expect(out.Records[1].TMs).To(Equal(2000.0), form)
			Expect(out.Result.Policies[0].RetryAfterViolations).To(HaveValue(BeZero()))
		}
	})

	It("gives phase spans: exact for durations, from the run for request counts", func() {
		s := parse(`
server:
  phases:
    - {name: warm, duration: 1s}
    - {name: broken, requests: 10, fault: {status: 500}}
    - {name: fine}
clients: {count: 20, start: {spread: 4s}}
policies: [{name: plain}]
`)
		out := simulate(s, scenarios.Options{})
		ph := out.Run.Policies[0].Phases
		Expect(ph).To(HaveLen(3))
		Expect(ph[0]).To(Equal(analysis.Phase{Name: "warm", Policy: "plain", Start: 0, End: time.Second}))
		broken := recordsWhere(out.Records, func(r record.Record) bool { return r.Phase == "broken" })
		Expect(broken).To(HaveLen(10))
		last := time.Duration(broken[9].TMs * float64(time.Millisecond))
		Expect(ph[1]).To(Equal(analysis.Phase{Name: "broken", Policy: "plain", Start: time.Second, End: last, Fault: true}))
		Expect(ph[2].Start).To(Equal(last))
		Expect(ph[2].End).To(Equal(out.Run.Policies[0].Duration))
	})

	It("reports when each client's breaker was open", func() {
		s := parse(`
server:
  phases:
    - {name: down, duration: 1s, fault: {status: 503}}
    - {name: up}
clients: {count: 1, requests: 40, think: 50ms}
policies: [{name: breaker, retry: {max_retries: 0}, breaker: {failures: 3, open: 500ms}}]
`)
		out := simulate(s, scenarios.Options{})
		pr := out.Run.Policies[0]
		// Three failures at 0, 50 and 100 ms open it until 600 ms; the probe at
		// 600 ms fails (still down) and reopens it until 1.1 s; the probe
		// then succeeds.
		Expect(pr.BreakerOpen).To(Equal([]analysis.Interval{{Start: 100 * time.Millisecond, End: 1100 * time.Millisecond}}))
		Expect(pr.Unsent).To(BeNumerically(">", 0))
		Expect(pr.LogicalRequests).To(Equal(int64(40)))
	})

	It("records only the writes of an optimistic-concurrency row (contention)", func() {
		s, err := scenarios.LoadBuiltin("contention")
		Expect(err).NotTo(HaveOccurred())
		out := simulate(s, scenarios.Options{Policies: []string{"full"}})
		Expect(out.Records).NotTo(BeEmpty())
		conflicts := 0
		for _, r := range out.Records {
			Expect(r.Method).To(Equal("PUT"))
			if r.Status == 409 {
				conflicts++
			}
		}
		pr := out.Run.Policies[0]
		// Every client eventually writes once: one success per client, the
		// rest conflicts.
		Expect(pr.Succeeded).To(Equal(int64(100)))
		Expect(conflicts).To(Equal(len(out.Records) - 100))
	})
})

func recordsWhere(rs []record.Record, keep func(record.Record) bool) []record.Record {
	var out []record.Record
	for _, r := range rs {
		if keep(r) {
			out = append(out, r)
		}
	}
	return out
}

// clientNumber reads n from a client key "cn".
func clientNumber(key string) int {
	n := 0
	for _, ch := range strings.TrimPrefix(key, "c") {
		n = n*10 + int(ch-'0')
	}
	return n
}

// withoutLaws drops the functions of a Run, which Equal cannot compare.
func withoutLaws(r *scenarios.Run) scenarios.Run {
	c := *r
	c.Policies = append([]scenarios.PolicyRun(nil), r.Policies...)
	for i := range c.Policies {
		c.Policies[i].ExpectedDelay = nil
	}
	return c
}
