package scenarios_test

import (
	. "github.com/onsi/ginkgo/v2"
	. "github.com/onsi/gomega"

	"github.com/chaos-harness/chaos/analysis"
	"github.com/chaos-harness/chaos/scenarios"
)

var _ = Describe("Scenario.Describe of the SDKs' and Brooker's budgets", func() {
	It("fills in the AWS quota's and Brooker's defaults, without the default recent budget", func() {
		s, err := scenarios.Parse("b.yaml", []byte(`name: b
server: {}
clients: {count: 1}
policies:
  - name: sdk
    retry: {max_retries: 2}
    budget: {quota: {}, token_bucket: {size: 4}, failure_ratio: {}}
`))
		Expect(err).NotTo(HaveOccurred())
		info := s.Describe(s.Policies)
		Expect(info.Policies[0].Settings).To(ContainElement(analysis.Setting{Key: "budget",
			Value: "quota: {size: 500, retry_cost: 5, timeout_cost: 10, throttle_cost: 5, no_retry_increment: 1}, token_bucket: {size: 4, deposit: 0.1, cost: 1}, failure_ratio: {threshold: 0.1}"}))
	})
})
