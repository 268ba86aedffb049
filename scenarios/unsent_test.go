package scenarios_test

import (
	. "github.com/onsi/ginkgo/v2"
	. "github.com/onsi/gomega"

	"github.com/chaos-harness/chaos/analysis"
	"github.com/chaos-harness/chaos/scenarios"
)

var _ = Describe("requests an open breaker refused, in the analysis", func() {
	// One client, a request every 50 ms from 0 to 1950 (40 in all), against a
	// server down for the first second. Failures at 0, 50 and 100 open the
	// breaker until 600: the 9 requests 150..550 are refused unsent. The probe
	// at 600 fails and reopens it until 1100: 650..1050 are refused, 9 more.
	// The probe at 1100 succeeds and so do the 17 after it. So: 40 logical, 22
	// sent (22 attempts), 18 unsent, 18 succeeded; success rate 18/40 = 0.45,
	// where the Records alone say 18/22.
	const src = `
server:
  phases:
    - {name: down, duration: 1s, fault: {status: 503}}
    - {name: up}
clients: {count: 1, requests: 40, think: 50ms}
policies:
  - {name: breaker, retry: {max_retries: 0}, breaker: {failures: 3, open: 500ms}}
  - name: fallback
    retry: {max_retries: 0}
    breaker: {failures: 3, open: 500ms}
    fallback: {static: {status: 200}}
`

	It("counts them as failed logical requests", func() {
		out := simulate(parse(src), scenarios.Options{})
		p, _ := out.Result.Policy("breaker")
		Expect(out.Run.Policies[0].Unsent).To(Equal(int64(18)))
		Expect(p.LogicalRequests).To(Equal(40))
		Expect(p.Unsent).To(Equal(18))
		Expect(p.Attempts).To(Equal(22))
		Expect(p.Succeeded).To(Equal(18))
		Expect(p.SuccessRate).To(Equal(0.45))
		Expect(p.Amplification).To(HaveValue(Equal(22.0 / 40)))
		Expect(p.AttemptsPerRequest).To(Equal([]analysis.AttemptCount{{Attempts: 0, Requests: 18}, {Attempts: 1, Requests: 22}}))
		Expect(p.FallbackServed).To(Equal(0))
	})

	It("reports the requests a fallback answered apart, as failures", func() {
		out := simulate(parse(src), scenarios.Options{})
		p, _ := out.Result.Policy("fallback")
		// The 4 sent that failed and the 18 refused: 22, none a success.
		Expect(p.FallbackServed).To(Equal(22))
		Expect(p.Succeeded).To(Equal(18))
		Expect(p.SuccessRate).To(Equal(0.45))
	})
})

var _ = Describe("requests that never reached the server, in a live run", func() {
	It("count: the analysis agrees with the clients on every logical request", func() {
		// A per-attempt timeout of a microsecond gives up on most attempts
		// before the server has read them: they leave no Record. How many is
		// up to the machine; that they are all counted is not.
		s := parse(`
server: {}
clients: {count: 5, requests: 4, timeout: 1us}
policies: [{name: hasty, retry: {max_retries: 1, base: 1ms}}]
`)
		out := simulate(s, scenarios.Options{Engine: scenarios.EngineLive})
		pr := out.Run.Policies[0]
		p, _ := out.Result.Policy("hasty")
		Expect(p.LogicalRequests).To(Equal(20))
		Expect(int64(p.LogicalRequests)).To(Equal(pr.LogicalRequests))
		Expect(int64(p.Succeeded)).To(Equal(pr.Succeeded))
		Expect(int64(p.Unreached)).To(Equal(pr.Unreached))
		Expect(int64(p.Unreached)).To(BeNumerically("<=", pr.LogicalRequests-pr.Succeeded))
	})
})
