package scenarios_test

import (
	"math"

	. "github.com/onsi/ginkgo/v2"
	. "github.com/onsi/gomega"

	"github.com/chaos-harness/chaos/analysis"
	"github.com/chaos-harness/chaos/record"
	"github.com/chaos-harness/chaos/scenarios"
)

// z999 is the two-sided 99.9% normal quantile: tolerances built on it fail
// one run in a thousand by chance, and the seeds are fixed besides.
const z999 = 3.29

// bothEngines runs a scenario in sim and live. The clients' per-attempt
// timeout is lifted, so a slow machine (the race detector, a loaded CI
// runner) cannot turn answers into timeouts: the outcomes then depend on the
// script alone, which both engines decide with the same per-client streams.
func bothEngines(s *scenarios.Scenario) (sim, live *scenarios.AnalyzedRun) {
	s.Clients.Timeout = 0
	sim = simulate(s, scenarios.Options{Engine: scenarios.EngineSim})
	live = simulate(s, scenarios.Options{Engine: scenarios.EngineLive})
	return sim, live
}

// expectAgreement checks that two runs of the same policy agree: success
// rates within the binomial tolerance of their difference, attempts within 5%.
func expectAgreement(a, b *analysis.PolicyResult) {
	pa, pb := a.SuccessRate, b.SuccessRate
	p := (pa*float64(a.LogicalRequests) + pb*float64(b.LogicalRequests)) / float64(a.LogicalRequests+b.LogicalRequests)
	tol := z999 * math.Sqrt(p*(1-p)*(1/float64(a.LogicalRequests)+1/float64(b.LogicalRequests)))
	Expect(math.Abs(pa-pb)).To(BeNumerically("<=", tol), "%s: success rates %v and %v", a.Name, pa, pb)
	Expect(float64(b.Attempts)).To(BeNumerically("~", float64(a.Attempts), 0.05*float64(a.Attempts)),
		"%s: attempts", a.Name)
}

var _ = Describe("the live engine", func() {
	It("agrees with sim on flaky: success rates within binomial tolerance, attempts within 5%", func() {
		s, err := scenarios.LoadBuiltin("flaky")
		Expect(err).NotTo(HaveOccurred())
		s.Clients.Count, s.Clients.TimeScale = 300, 0.5
		sim, live := bothEngines(s)
		for _, name := range s.PolicyNames() {
			a, _ := sim.Result.Policy(name)
			b, _ := live.Result.Policy(name)
			Expect(b.LogicalRequests).To(Equal(300))
			expectAgreement(a, b)
		}
		// Both sit within the binomial interval of the scripted p = 0.2.
		for _, out := range []*scenarios.AnalyzedRun{sim, live} {
			none, _ := out.Result.Policy("no-retry")
			lo, hi := analysis.Wilson(none.Succeeded, none.LogicalRequests, z999)
			Expect(0.8).To(BeNumerically(">=", lo))
			Expect(0.8).To(BeNumerically("<=", hi))
		}
	})

	It("agrees with sim on fail-first, where the script leaves nothing to chance", func() {
		s, err := scenarios.LoadBuiltin("fail-first")
		Expect(err).NotTo(HaveOccurred())
		s.Clients.Count, s.Clients.TimeScale = 100, 0.5
		sim, live := bothEngines(s)
		for _, name := range s.PolicyNames() {
			a, _ := sim.Result.Policy(name)
			b, _ := live.Result.Policy(name)
			expectAgreement(a, b)
		}
		retry, _ := live.Result.Policy("retry-3")
		Expect(retry.Attempts).To(Equal(500)) // 3 + 1 + 1 per client
		Expect(retry.SuccessRate).To(Equal(1.0))
	})

	It("logs every attempt with the client's identity, its outcome and its policy", func() {
		s := parse(`
seed: 8
server:
  per: client
  phases: [{requests: 1, fault: {reset: true}}, {requests: 1, fault: {status: 503}}, {}]
clients: {count: 3, time_scale: 0.5}
policies: [{name: retry, retry: {max_retries: 2, base: 10ms, jitter: none}}]
`)
		out := simulate(s, scenarios.Options{Engine: scenarios.EngineLive})
		Expect(out.Records).To(HaveLen(9))
		byClient := map[string][]record.Record{}
		for _, r := range out.Records {
			Expect(r.Policy).To(Equal("retry"))
			byClient[r.Client] = append(byClient[r.Client], r)
		}
		Expect(byClient).To(HaveLen(3))
		for client, rs := range byClient {
			Expect(rs).To(HaveLen(3), client)
			Expect(rs[0].Request).To(Equal(client + "/1"))
			Expect([]int{rs[0].Attempt, rs[1].Attempt, rs[2].Attempt}).To(Equal([]int{1, 2, 3}))
			Expect([]string{rs[0].Outcome, rs[1].Outcome, rs[2].Outcome}).To(Equal([]string{
				record.OutcomeReset, record.OutcomeStatus, record.OutcomeOK}))
			Expect([]string{rs[0].Fault, rs[1].Fault, rs[2].Fault}).To(Equal([]string{
				record.FaultReset, record.FaultStatus, record.FaultNone}))
		}
	})

	It("compresses time but waits out Retry-After in scenario time", func() {
		s := parse(`
server:
  phases: [{requests: 1, fault: {status: 429, retry_after: 2s}}, {}]
clients: {count: 1, time_scale: 0.05}
policies: [{name: honor, retry: {max_retries: 1, base: 10ms}}]
`)
		out := simulate(s, scenarios.Options{Engine: scenarios.EngineLive})
		Expect(out.Records).To(HaveLen(2))
		Expect(out.Records[0].RetryAfterMs).To(Equal(2000.0))
		// The retry waited 2 s of scenario time (100 ms of real time).
		Expect(out.Records[1].TMs - out.Records[0].TMs).To(BeNumerically(">=", 2000))
	})

	It("turns a hang into the client's timeout", func() {
		s := parse(`
server: {phases: [{requests: 1, fault: {hang: 5s}}, {}]}
clients: {count: 1, timeout: 300ms}
policies: [{name: retry, retry: {max_retries: 5, base: 10ms}}]
`)
		out := simulate(s, scenarios.Options{Engine: scenarios.EngineLive})
		Expect(len(out.Records)).To(BeNumerically(">=", 2))
		Expect(out.Records[0].Fault).To(Equal(record.FaultHang))
		Expect(out.Records[0].Outcome).To(Equal(record.OutcomeTimeout))
		Expect(out.Records[0].Status).To(BeZero())
		Expect(out.Records[len(out.Records)-1].Outcome).To(Equal(record.OutcomeOK))
	})

	It("reads the row before every write and logs only the writes (contention)", func() {
		s, err := scenarios.LoadBuiltin("contention")
		Expect(err).NotTo(HaveOccurred())
		s.Clients.Count = 20
		out := simulate(s, scenarios.Options{Engine: scenarios.EngineLive, Policies: []string{"full"}})
		Expect(out.Run.Policies[0].Succeeded).To(Equal(int64(20)))
		oks := 0
		for _, r := range out.Records {
			Expect(r.Method).To(Equal("PUT"))
			Expect(r.Status).To(BeElementOf(200, 409))
			if r.Status == 200 {
				oks++
			}
		}
		Expect(oks).To(Equal(20)) // each write that read the current version wins
	})

	It("compresses an HTTP-date Retry-After too: server and clients read it on one scaled clock", func() {
		s := parse(`
server: {phases: [{requests: 1, fault: {status: 503, retry_after_date: 1500ms}}, {}]}
clients: {count: 1, time_scale: 0.1}
policies: [{name: honor, retry: {max_retries: 1, base: 10ms, on: [5xx], retry_after: honor}}]
`)
		out := simulate(s, scenarios.Options{Engine: scenarios.EngineLive})
		Expect(out.Run.Policies[0].Succeeded).To(Equal(int64(1)))
		Expect(out.Records).To(HaveLen(2))
		first, retry := out.Records[0], out.Records[1]
		Expect(first.Status).To(Equal(503))
		// The date is 1.5 s ahead of the sending, rounded up to the whole
		// second of the scaled clock: a wait of more than 1.5 s and at most
		// 2.5 s of scenario time (150-250 ms of real time), read by the
		// client on the same clock.
		Expect(first.RetryAfterMs).To(BeNumerically(">=", 1500))
		Expect(first.RetryAfterMs).To(BeNumerically("<=", 2500))
		// The retry came no earlier than the date, which is the wait after
		// the status line was sent, itself after the first attempt's
		// acceptance: all in scenario time, on the one clock.
		Expect(retry.TMs).To(BeNumerically(">=", first.TMs+first.RetryAfterMs))
		Expect(out.Result.Policies[0].RetryAfterViolations).To(HaveValue(BeZero()))
	})
})
