package scenarios_test

import (
	. "github.com/onsi/ginkgo/v2"
	. "github.com/onsi/gomega"

	"github.com/chaos-harness/chaos/analysis"
	"github.com/chaos-harness/chaos/record"
	"github.com/chaos-harness/chaos/scenarios"
)

// failThrice fails each client's first three attempts with a 503 that takes
// 5 ms, over a network of about 10 ms a hop, so that the delay the server
// sees before a retry is the client's sleep plus a hop back, a hop out and
// the response time: three retries per client, each tested on its own.
const failThrice = `
seed: 11
server:
  per: client
  phases: [{requests: 3, fault: {status: 503, delay: 5ms}}, {}]
clients: {count: 400, start: together, network: {dist: normal, mean: 10ms, stddev: 2ms}}
`

// expectClientTimes checks that every Record carries the client's times, in
// the order the exchange happened: sent, accepted, answered, received.
func expectClientTimes(recs []record.Record) {
	GinkgoHelper()
	Expect(recs).NotTo(BeEmpty())
	for _, r := range recs {
		Expect(r.SentMs).NotTo(BeNil(), "%s attempt %d", r.Request, r.Attempt)
		Expect(r.ReceivedMs).NotTo(BeNil(), "%s attempt %d", r.Request, r.Attempt)
		Expect(*r.SentMs).To(BeNumerically("<=", r.TMs), "%s attempt %d", r.Request, r.Attempt)
		Expect(r.TMs+r.LatencyMs).To(BeNumerically("<=", *r.ReceivedMs), "%s attempt %d", r.Request, r.Attempt)
	}
}

var _ = Describe("the client's side of each attempt (sent_ms, received_ms)", func() {
	It("is exact in sim, hop by hop", func() {
		s := parse(`
server: {response: {delay: 5ms}, phases: [{requests: 1, fault: {status: 503, delay: 5ms}}, {}]}
clients: {count: 1, network: 10ms}
policies: [{name: none, retry: {max_retries: 1, base: 50ms, jitter: none}}]
`)
		out := simulate(s, scenarios.Options{})
		Expect(out.Records).To(HaveLen(2))
		first, retry := out.Records[0], out.Records[1]
		// Sent at 0, accepted after a 10 ms hop, answered 5 ms later (15), back at 25.
		Expect([]float64{*first.SentMs, first.TMs, first.TMs + first.LatencyMs, *first.ReceivedMs}).To(Equal([]float64{0, 10, 15, 25}))
		// Slept 50 ms: sent at 75, accepted at 85, answered at 90, back at 100.
		Expect([]float64{*retry.SentMs, retry.TMs, retry.TMs + retry.LatencyMs, *retry.ReceivedMs}).To(Equal([]float64{75, 85, 90, 100}))
		Expect(retry.SentMs).NotTo(BeIdenticalTo(first.SentMs)) // each Record has its own
		p, _ := out.Result.Policy("none")
		// The server saw 85 − 15 = 70 ms; the client slept 75 − 25 = 50.
		Expect(p.RetryDelays[0].Delay.Max).To(Equal(70.0))
		Expect(p.RetryDelays[0].Sleep.Max).To(Equal(50.0))
		// makespan_ms 90 − 10 = 80; client_makespan_ms 100 − 0 = 100.
		Expect(p.MakespanMs).To(Equal(80.0))
		Expect(p.ClientMakespanMs).To(Equal(new(100.0)))
	})

	It("is exact in sim: a schedule without jitter reads KS D = 0 on the client's sleep", func() {
		s := parse(failThrice + `policies: [{name: none, retry: {max_retries: 3, base: 50ms, multiplier: 2, jitter: none}}]`)
		out := simulate(s, scenarios.Options{})
		expectClientTimes(out.Records)
		p, _ := out.Result.Policy("none")
		Expect(p.RetryDelays).To(HaveLen(3))
		for i, rd := range p.RetryDelays {
			sleep := 50.0 * float64(int(1)<<i) // 50, 100, 200 ms
			Expect(rd.Measured).To(Equal(analysis.MeasuredClientSleep))
			Expect(rd.KS).NotTo(BeNil())
			Expect(*rd.KS).To(Equal(analysis.KS{D: 0, P: 1, N: 400}), "retry %d", rd.Retry)
			Expect(rd.Sleep.P50).To(BeNumerically("~", sleep, 1e-9))
			Expect(rd.Sleep.Max).To(BeNumerically("~", sleep, 1e-9))
			// The server-seen delay adds two hops and the 5 ms response: never
			// less than the sleep plus 5 ms.
			Expect(rd.Delay.P50).To(BeNumerically(">", sleep+5))
		}
	})

	It("keeps the exact laws of full and equal jitter: KS does not reject them (fixed seed)", func() {
		s := parse(failThrice + `policies:
  - {name: full, retry: {max_retries: 3, base: 50ms, multiplier: 2, jitter: full}}
  - {name: equal, retry: {max_retries: 3, base: 50ms, multiplier: 2, jitter: equal}}
`)
		out := simulate(s, scenarios.Options{})
		for _, name := range []string{"full", "equal"} {
			p, _ := out.Result.Policy(name)
			Expect(p.RetryDelays).To(HaveLen(3))
			for _, rd := range p.RetryDelays {
				Expect(rd.Measured).To(Equal(analysis.MeasuredClientSleep))
				Expect(rd.KS.N).To(Equal(400))
				Expect(rd.KS.P).To(BeNumerically(">", 0.01), "%s retry %d: D = %v", name, rd.Retry, rd.KS.D)
			}
		}
	})

	It("gives client_makespan_ms in sim: from the first send (time 0, all start together) to the run's end", func() {
		s := parse(failThrice + `policies: [{name: none, retry: {max_retries: 3, base: 50ms, jitter: none}}]`)
		out := simulate(s, scenarios.Options{})
		p, _ := out.Result.Policy("none")
		// The run ends when the last client has its last outcome.
		Expect(p.ClientMakespanMs).To(Equal(new(record.Millis(out.Run.Policies[0].Duration))))
		// The server's makespan misses the first hop out and the last hop back.
		Expect(*p.ClientMakespanMs).To(BeNumerically(">", p.MakespanMs))
	})

	It("is measured by the clients in live, on the Records' clock", func() {
		// Plain answers only: their bytes leave the server after it has
		// timed their end, so the order below is causal, never a race.
		s := parse(`
seed: 8
server: {per: client, phases: [{requests: 1, fault: {status: 503}}, {}]}
clients: {count: 3, time_scale: 0.5}
policies: [{name: retry, retry: {max_retries: 2, base: 10ms, jitter: none}}]
`)
		out := simulate(s, scenarios.Options{Engine: scenarios.EngineLive})
		Expect(out.Records).To(HaveLen(6))
		expectClientTimes(out.Records)
		p, _ := out.Result.Policy("retry")
		Expect(p.RetryDelays).To(HaveLen(1))
		rd := p.RetryDelays[0]
		Expect(rd.Measured).To(Equal(analysis.MeasuredClientSleep))
		// A clock's sleep is never shorter than asked: 10 ms of scenario time
		// (less a nanosecond of rounding between the clock and milliseconds).
		Expect(rd.Sleep.P50).To(BeNumerically(">=", 10-1e-6))
		Expect(p.ClientMakespanMs).NotTo(BeNil())
		Expect(*p.ClientMakespanMs).To(BeNumerically(">=", p.MakespanMs))
	})
})
