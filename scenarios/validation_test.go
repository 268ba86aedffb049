package scenarios_test

import (
	. "github.com/onsi/ginkgo/v2"
	. "github.com/onsi/gomega"

	"github.com/chaos-harness/chaos/scenarios"
)

var _ = Describe("values the runner could not take", func() {
	DescribeTable("are refused with the field named",
		func(clients, want string) {
			es := problemsOf("server: {}\nclients: " + clients + "\npolicies: [{name: a}]\n")
			Expect(es.Error()).To(ContainSubstring(want))
		},
		Entry("a time scale that is not a number", "{time_scale: .nan}", "clients.time_scale: must be above 0 and at most 1000"),
		Entry("more clients than the sim can number", "{count: 2147483648}", "clients.count: must be at most 2147483647"),
		Entry("more requests than the sim can number", "{requests: 2147483648}", "clients.requests: must be at most 2147483647"),
		Entry("a rate that overflows", "{start: {poisson: 1e308/ms}}", `rate "1e308/ms" is out of range`),
	)

	It("keeps the start of a fleet too slow to start in 292 years positive", func() {
		s := parse("server: {}\nclients: {count: 3, start: {poisson: 0.0000001/h}}\npolicies: [{name: a}]\n")
		e, err := s.Estimate(scenarios.Options{})
		Expect(err).NotTo(HaveOccurred())
		Expect(e.LastStart).To(BeNumerically(">", 290*365*24*3600e9))
	})
})
