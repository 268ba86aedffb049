package scenarios_test

import (
	. "github.com/onsi/ginkgo/v2"
	. "github.com/onsi/gomega"

	"github.com/chaos-harness/chaos/scenarios"
)

var _ = Describe("a policy that hedges", func() {
	It("is accepted by both engines", func() {
		s := parse(`name: h
server: {}
clients: {count: 1}
policies:
  - name: hedged
    hedge: {delay: 50ms}
`)
		_, err := s.Estimate(scenarios.Options{Engine: scenarios.EngineSim})
		Expect(err).NotTo(HaveOccurred())
		_, err = s.Estimate(scenarios.Options{Engine: scenarios.EngineLive})
		Expect(err).NotTo(HaveOccurred())
	})

	It("is refused by the sim engine, with a clear error, where the simulator keeps one attempt in flight", func() {
		for _, c := range []struct{ src, err string }{
			{`name: h
server:
  downstream: {policy: {}, server: {}}
clients: {count: 1}
policies:
  - {name: hedged, hedge: {delay: 50ms}}
`, "policy hedged: hedge is not simulated against a server with a downstream"},
			{`name: h
server:
  downstream: {policy: {hedge: {delay: 50ms}}, server: {}}
clients: {count: 1}
policies:
  - {name: plain}
`, "server.downstream (layer 1): its policy for plain hedges"},
		} {
			_, err := parse(c.src).Estimate(scenarios.Options{Engine: scenarios.EngineSim})
			Expect(err).To(MatchError(ContainSubstring(c.err)))
		}
	})
})
