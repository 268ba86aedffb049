package scenarios_test

import (
	. "github.com/onsi/ginkgo/v2"
	. "github.com/onsi/gomega"

	"github.com/chaos-harness/chaos/scenarios"
)

var _ = Describe("a policy that hedges", func() {
	It("is refused by the sim engine with a clear error, and accepted by the live one", func() {
		s, err := scenarios.Parse("h.yaml", []byte(`name: h
server: {}
clients: {count: 1}
policies:
  - name: hedged
    hedge: {delay: 50ms}
`))
		Expect(err).NotTo(HaveOccurred())
		_, err = s.Estimate(scenarios.Options{Engine: scenarios.EngineSim})
		Expect(err).To(MatchError(ContainSubstring("policy hedged: hedge is run by the live engine only")))
		_, err = s.Estimate(scenarios.Options{Engine: scenarios.EngineLive})
		Expect(err).NotTo(HaveOccurred())
	})
})
