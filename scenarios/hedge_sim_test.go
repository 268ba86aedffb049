package scenarios_test

import (
	"math"
	"strconv"
	"strings"
	"time"

	. "github.com/onsi/ginkgo/v2"
	. "github.com/onsi/gomega"

	"github.com/chaos-harness/chaos/analysis"
	"github.com/chaos-harness/chaos/record"
	"github.com/chaos-harness/chaos/scenarios"
)

// hedgeRun runs a one-policy scenario in engine and returns its PolicyRun
// and Records.
func hedgeRun(src, engine string) (scenarios.PolicyRun, []record.Record) {
	run, rs := execute(parse(src), scenarios.Options{Engine: engine})
	Expect(run.Policies).To(HaveLen(1))
	return run.Policies[0], rs
}

// attemptOf finds the Record of one attempt.
func attemptOf(rs []record.Record, request string, attempt int) record.Record {
	for _, r := range rs {
		if r.Request == request && r.Attempt == attempt {
			return r
		}
	}
	Fail("no Record of " + request + " attempt " + strconv.Itoa(attempt))
	return record.Record{}
}

// perClientScript is the hand-made script of the exact counts: each
// client's requests, as the server numbers them, are (1) slow, (2) fast,
// (3) slow, (4) slower, and fast from then on. With a 400ms hedge, a call
// whose first attempt is slow sends a hedge at 400ms: in the first call the
// hedge (request 2) answers at once and wins, and the first attempt is
// cancelled; in the second the hedge (request 4) is slower than the first
// attempt, which wins, and the hedge is cancelled; the third call answers
// at once. Per client: 3 calls, 5 attempts, 2 hedges sent, 1 won, 2
// wasted. The answers are 1.1s and more from the hedge's 400ms, so the live
// engine's counts do not depend on its timing.
const perClientScript = `name: hedge-counts
server:
  per: client
  phases:
    - {name: slow, requests: 1, fault: {delay: 1500ms}}
    - {name: fast, requests: 1}
    - {name: slow-again, requests: 1, fault: {delay: 1500ms}}
    - {name: slower, requests: 1, fault: {delay: 4s}}
    - {name: normal}
clients: {count: 2, requests: 3, timeout: 10s}
policies:
  - name: hedged
    hedge: {delay: 400ms}
`

var _ = Describe("hedging in the sim engine", func() {
	It("sends a hedge for exactly the attempts slower than the delay: amplification 2 above it, 1 below", func() {
		for _, c := range []struct {
			service, delay string
			max            int
			perCall        int64
		}{
			{"200ms", "50ms", 1, 2},  // every call hedged once, the first attempt wins at 200ms
			{"200ms", "50ms", 2, 3},  // hedges at 50ms and 100ms, both lose
			{"20ms", "50ms", 1, 1},   // every answer before the delay: no hedge
			{"200ms", "300ms", 3, 1}, // the same with max 3
		} {
			run, rs := hedgeRun(`name: h
server: {service: {dist: fixed, value: `+c.service+`}}
clients: {count: 10, requests: 5}
policies:
  - {name: hedged, hedge: {delay: `+c.delay+`, max: `+strconv.Itoa(c.max)+`}}
`, scenarios.EngineSim)
			hedges := int(run.LogicalRequests * (c.perCall - 1))
			Expect(run.LogicalRequests).To(Equal(int64(50)))
			Expect(run.Succeeded).To(Equal(int64(50)))
			Expect(run.Attempts).To(Equal(50*c.perCall), "service %s, delay %s, max %d", c.service, c.delay, c.max)
			Expect(rs).To(HaveLen(int(50 * c.perCall)))
			Expect(run.Hedges).To(Equal(&analysis.Hedges{Sent: hedges, Won: 0, Wasted: hedges}))
		}
	})

	It("amplifies by 1 + P(first slower than delay) = 1 + exp(-d/m) for an exponential service time; the hedge wins half its races, and a call is slower than t with exp(-(2t-d)/m)", func() {
		// An unlimited server (no queue, no capacity, nothing per
		// concurrent request): every answer is an independent draw, so an
		// attempt is hedged with p = P(X > d) = exp(-d/m), and a hedged
		// round is won by the hedge with P(X1 > d + X2 | X1 > d) =
		// P(X1 > X2) = 1/2 (memorylessness). Over N logical requests the
		// hedges are Binomial(N, p): the ratio's sd is sqrt(p(1-p)/N);
		// 20,000 requests and d = m give p = 0.3679 and sd = 0.0034, and the
		// tolerance is 4 sd. The wins are Binomial(sent, 1/2).
		const n = 20000
		run, rs := hedgeRun(`name: h
server: {service: {dist: exponential, mean: 100ms}}
clients: {count: 2000, requests: 10}
policies:
  - {name: hedged, hedge: {delay: 100ms}}
`, scenarios.EngineSim)
		Expect(run.LogicalRequests).To(Equal(int64(n)))
		Expect(run.Succeeded).To(Equal(int64(n)))
		p := math.Exp(-1)
		sd := math.Sqrt(p * (1 - p) / n)
		Expect(float64(run.Attempts) / n).To(BeNumerically("~", 1+p, 4*sd))
		sent := run.Hedges.Sent
		Expect(int64(sent)).To(Equal(run.Attempts - n))
		Expect(run.Hedges.Wasted).To(Equal(sent), "with max 1 every hedged round has one loser")
		Expect(float64(run.Hedges.Won)).To(BeNumerically("~", float64(sent)/2, 4*math.Sqrt(float64(sent)/4)))

		// A call's latency is min(X1, d + X2): for t >= d, P(T > t) =
		// exp(-t/m) exp(-(t-d)/m) = exp(-(2t-d)/m), exp(-3) at t = 200ms,
		// with the binomial sd over the 20,000 calls.
		start, end := map[string]float64{}, map[string]float64{}
		for _, r := range rs {
			if r.Attempt == 1 {
				start[r.Request] = *r.SentMs
			}
			if r.Outcome == record.OutcomeOK {
				end[r.Request] = *r.ReceivedMs
			}
		}
		Expect(end).To(HaveLen(n))
		slow := 0
		for req, at := range end {
			if at-start[req] > 200 {
				slow++
			}
		}
		q := math.Exp(-3)
		Expect(float64(slow) / n).To(BeNumerically("~", q, 4*math.Sqrt(q*(1-q)/n)))
	})

	It("counts sent, won and wasted exactly on a hand-made script, and logs the cancelled losers", func() {
		run, rs := hedgeRun(perClientScript, scenarios.EngineSim)
		Expect(run.LogicalRequests).To(Equal(int64(6)))
		Expect(run.Succeeded).To(Equal(int64(6)))
		Expect(run.Attempts).To(Equal(int64(10)))
		Expect(run.Hedges).To(Equal(&analysis.Hedges{Sent: 4, Won: 2, Wasted: 4}))
		for _, client := range []string{"c1", "c2"} {
			// Call 1: the first attempt, cancelled when the hedge answered
			// at 400ms; the server (abandoned: cancel) stopped then.
			lost := attemptOf(rs, client+"/1", 1)
			Expect(lost.Phase).To(Equal("slow"))
			Expect(lost.Status).To(Equal(0))
			Expect(lost.LatencyMs).To(Equal(400.0))
			Expect(lost.Outcome).To(Equal(record.OutcomeError))
			Expect(*lost.SentMs).To(Equal(0.0))
			Expect(*lost.ReceivedMs).To(Equal(400.0))
			won := attemptOf(rs, client+"/1", 2)
			Expect(won.Phase).To(Equal("fast"))
			Expect(won.TMs).To(Equal(400.0))
			Expect(won.Status).To(Equal(200))
			Expect(won.Outcome).To(Equal(record.OutcomeOK))
			// Call 2, from 400ms: the first attempt wins at 1.9s, the hedge
			// sent at 800ms is cancelled then.
			first := attemptOf(rs, client+"/2", 1)
			Expect(first.Phase).To(Equal("slow-again"))
			Expect(first.Outcome).To(Equal(record.OutcomeOK))
			Expect(first.TMs + first.LatencyMs).To(Equal(1900.0))
			hedge := attemptOf(rs, client+"/2", 2)
			Expect(hedge.Phase).To(Equal("slower"))
			Expect(hedge.TMs).To(Equal(800.0))
			Expect(hedge.LatencyMs).To(Equal(1100.0))
			Expect(hedge.Status).To(Equal(0))
			Expect(hedge.Outcome).To(Equal(record.OutcomeError))
			// Call 3 answers at once: one attempt.
			Expect(attemptOf(rs, client+"/3", 1).Phase).To(Equal("normal"))
		}
	})

	It("gives the same hedges sent, won and wasted in the live engine on the same script, and the same Records", func() {
		sim, simRecs := hedgeRun(perClientScript, scenarios.EngineSim)
		live, liveRecs := hedgeRun(perClientScript, scenarios.EngineLive)
		Expect(live.Hedges).To(Equal(sim.Hedges))
		Expect(live.Attempts).To(Equal(sim.Attempts))
		Expect(live.Succeeded).To(Equal(sim.Succeeded))
		// Each attempt's phase, status and outcome: the cancelled losers
		// included (status 0, outcome error), the winner's outcome on the
		// attempt that won.
		type seen struct {
			request        string
			attempt        int
			phase, outcome string
			status         int
		}
		sides := func(rs []record.Record) []seen {
			var out []seen
			for _, r := range rs {
				Expect(r.SentMs).NotTo(BeNil())
				Expect(r.ReceivedMs).NotTo(BeNil())
				out = append(out, seen{r.Request, r.Attempt, r.Phase, r.Outcome, r.Status})
			}
			return out
		}
		Expect(liveRecs).To(HaveLen(10))
		Expect(sides(liveRecs)).To(ConsistOf(sides(simRecs)))
	})

	It("lets a cancelled loser's work go on under abandoned: finish and stops it under cancel", func() {
		// per_concurrent 100ms: a request's service time is 100ms for each
		// request in flight when it is admitted. Call 1's first attempt is
		// slow (1s delay + 100ms); its hedge at 150ms (2 in flight: 200ms)
		// answers at 350ms and wins. Call 2's first attempt, at 350ms, finds
		// the loser gone under cancel (100ms) and still at work under
		// finish (200ms, and a hedge of its own at 500ms).
		src := func(abandoned string) string {
			return `name: h
server:
  per: client
  service: {per_concurrent: 100ms, abandoned: ` + abandoned + `}
  phases:
    - {name: slow, requests: 1, fault: {delay: 1s}}
    - {name: normal}
clients: {count: 1, requests: 2}
policies:
  - {name: hedged, hedge: {delay: 150ms}}
`
		}
		run, rs := hedgeRun(src("cancel"), scenarios.EngineSim)
		Expect(attemptOf(rs, "c1/1", 1).LatencyMs).To(Equal(350.0))
		Expect(attemptOf(rs, "c1/2", 1).LatencyMs).To(Equal(100.0))
		Expect(run.Hedges).To(Equal(&analysis.Hedges{Sent: 1, Won: 1, Wasted: 1}))

		run, rs = hedgeRun(src("finish"), scenarios.EngineSim)
		Expect(attemptOf(rs, "c1/1", 1).LatencyMs).To(Equal(350.0), "the handler ended when its client left")
		second := attemptOf(rs, "c1/2", 1)
		Expect(second.TMs).To(Equal(350.0))
		Expect(second.LatencyMs).To(Equal(200.0))
		Expect(second.Outcome).To(Equal(record.OutcomeOK))
		Expect(run.Hedges).To(Equal(&analysis.Hedges{Sent: 2, Won: 1, Wasted: 2}))
	})

	It("hedges the overlapping calls of open-loop clients, each call its own round", func() {
		run, rs := hedgeRun(`name: h
server: {service: {dist: fixed, value: 200ms}}
clients: {count: 3, open: {rate: 50/s, duration: 2s}}
policies:
  - {name: hedged, hedge: {delay: 50ms}, rate_limit: {rate: 1000, burst: 1000}}
`, scenarios.EngineSim)
		Expect(run.LogicalRequests).To(BeNumerically(">", 200))
		Expect(run.Succeeded).To(Equal(run.LogicalRequests))
		Expect(run.Attempts).To(Equal(2 * run.LogicalRequests))
		n := int(run.LogicalRequests)
		Expect(run.Hedges).To(Equal(&analysis.Hedges{Sent: n, Won: 0, Wasted: n}))
		for _, r := range rs {
			if r.Attempt == 2 {
				Expect(r.Status).To(Equal(0), "every hedge is cancelled at 200ms, 150ms into its service")
				Expect(r.LatencyMs).To(Equal(150.0))
			}
		}
	})

	It("numbers a retry after a failed round on from the round's hedges", func() {
		// Both attempts of the first round fail (503 after 100ms; the hedge
		// at 50ms too), then the retry (attempt 3) succeeds.
		run, rs := hedgeRun(`name: h
server:
  per: client
  phases:
    - {name: failing, requests: 2, fault: {status: 503, delay: 100ms}}
    - {name: normal}
clients: {count: 1, requests: 1}
policies:
  - {name: hedged, hedge: {delay: 50ms}, retry: {max_retries: 1, base: 10ms, jitter: none}}
`, scenarios.EngineSim)
		Expect(run.Succeeded).To(Equal(int64(1)))
		Expect(run.Attempts).To(Equal(int64(3)))
		Expect(run.Hedges).To(Equal(&analysis.Hedges{Sent: 1, Won: 0, Wasted: 0}))
		Expect(attemptOf(rs, "c1/1", 1).Outcome).To(Equal(record.OutcomeStatus))
		Expect(attemptOf(rs, "c1/1", 2).Outcome).To(Equal(record.OutcomeStatus))
		retry := attemptOf(rs, "c1/1", 3)
		Expect(retry.Outcome).To(Equal(record.OutcomeOK))
		Expect(retry.TMs).To(Equal(160.0), "the round failed when the hedge's 503 came at 150ms; 10ms backoff")
	})

	It("lets each attempt of a round time out on its own clock", func() {
		// A 1s answer and a 300ms attempt timeout: the first attempt times
		// out at 300ms and the call waits for the hedge sent at 100ms,
		// which times out at 400ms; the round failed whole and, with no
		// retry, the call gives up then. No hedge won, none was cancelled.
		run, rs := hedgeRun(`name: h
server: {service: {dist: fixed, value: 1s}}
clients: {count: 1, requests: 1}
policies:
  - {name: hedged, hedge: {delay: 100ms}, timeout: {attempt: 300ms}}
`, scenarios.EngineSim)
		Expect(run.GaveUp).To(Equal(int64(1)))
		Expect(run.Duration).To(Equal(400 * time.Millisecond))
		Expect(run.Hedges).To(Equal(&analysis.Hedges{Sent: 1, Won: 0, Wasted: 0}))
		for attempt, received := range map[int]float64{1: 300, 2: 400} {
			r := attemptOf(rs, "c1/1", attempt)
			Expect(r.Outcome).To(Equal(record.OutcomeTimeout))
			Expect(*r.ReceivedMs).To(Equal(received))
		}
	})

	It("ends a gRPC loser CANCELLED with no status, as the gRPC server logs a call its client left", func() {
		run, rs := hedgeRun(`name: h
server: {protocol: grpc, service: {dist: fixed, value: 200ms}}
clients: {count: 2, requests: 2, path: /shop.Orders/Get}
policies:
  - {name: hedged, hedge: {delay: 50ms}}
`, scenarios.EngineSim)
		Expect(run.Attempts).To(Equal(int64(8)))
		Expect(run.Hedges).To(Equal(&analysis.Hedges{Sent: 4, Won: 0, Wasted: 4}))
		for _, r := range rs {
			Expect(r.Method).To(Equal("POST"))
			if r.Attempt == 1 {
				Expect(r.GRPCCode).To(Equal("OK"))
				continue
			}
			Expect(r.GRPCCode).To(Equal("CANCELLED"))
			Expect(r.Status).To(Equal(0))
			Expect(r.LatencyMs).To(Equal(150.0))
		}
	})

	It("answers a hedged read of server.row with the row, as a call that does not hedge is answered", func() {
		src := `name: h
server:
  row: {path: /row}
  per: client
  phases:
    - {name: slow, requests: 1, fault: {delay: 1s}}
    - {name: normal}
clients: {count: 1, requests: 2, path: /row}
policies:
  - name: p
    POLICY
`
		_, plain := hedgeRun(strings.Replace(src, "POLICY", "retry: {max_retries: 0}", 1), scenarios.EngineSim)
		want := attemptOf(plain, "c1/2", 1)
		Expect(want.Status).To(Equal(200))
		run, rs := hedgeRun(strings.Replace(src, "POLICY", "hedge: {delay: 100ms}", 1), scenarios.EngineSim)
		Expect(run.Hedges).To(Equal(&analysis.Hedges{Sent: 1, Won: 1, Wasted: 1}))
		for _, r := range []record.Record{attemptOf(rs, "c1/1", 2), attemptOf(rs, "c1/2", 1)} {
			Expect(r.Status).To(Equal(200))
			Expect(r.BodyBytes).To(Equal(want.BodyBytes), "the row's version, not the default body")
		}
	})

	It("sends no hedge the client's rate limit has no token for: a hedge does not wait", func() {
		// One token a second: the first attempt takes it, the hedge due at
		// 50ms finds none and is not sent; the first attempt answers.
		run, rs := hedgeRun(`name: h
server: {service: {dist: fixed, value: 200ms}}
clients: {count: 1, requests: 1}
policies:
  - {name: hedged, hedge: {delay: 50ms}, rate_limit: {rate: 1, burst: 1}}
`, scenarios.EngineSim)
		Expect(run.Succeeded).To(Equal(int64(1)))
		Expect(rs).To(HaveLen(1))
		Expect(run.Hedges).To(Equal(&analysis.Hedges{}))
	})

	It("hedges a write of server.row, each attempt writing the version its own read returned, as the live engine does", func() {
		// Each attempt reads the row, then writes it with If-Match. The
		// first read is slow (1s); the hedge at 100ms reads and writes at
		// once and wins; the first attempt, cancelled in its read, never
		// writes: neither engine logs it (the reads are not attempts).
		src := `name: h
server:
  row: {path: /row}
  per: client
  phases:
    - {name: slow, requests: 1, fault: {delay: 1s}}
    - {name: normal}
clients: {count: 1, requests: 2, method: PUT, path: /row}
policies:
  - {name: hedged, hedge: {delay: 100ms}}
`
		type seen struct {
			request string
			attempt int
			method  string
			status  int
		}
		for _, engine := range []string{scenarios.EngineSim, scenarios.EngineLive} {
			run, rs := hedgeRun(src, engine)
			Expect(run.Succeeded).To(Equal(int64(2)), engine)
			Expect(run.Hedges).To(Equal(&analysis.Hedges{Sent: 1, Won: 1, Wasted: 1}), engine)
			var got []seen
			for _, r := range rs {
				got = append(got, seen{r.Request, r.Attempt, r.Method, r.Status})
			}
			Expect(got).To(Equal([]seen{{"c1/1", 2, "PUT", 200}, {"c1/2", 1, "PUT", 200}}), engine)
		}
	})
})
