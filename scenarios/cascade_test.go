package scenarios_test

import (
	. "github.com/onsi/ginkgo/v2"
	. "github.com/onsi/gomega"

	"github.com/chaos-harness/chaos/scenarios"
)

var _ = Describe("a value that cannot be read", func() {
	It("is one problem, without the problems its missing value would cause", func() {
		_, err := scenarios.Parse("c.yaml", []byte(`name: c
server:
  phases:
    - {duration: ten, fault: {status: 503}}
    - {name: up}
clients: {count: 2}
policies: [{name: none}]
`))
		Expect(err).To(HaveOccurred())
		// Without its duration the first phase would read as open-ended,
		// which only the last may be: that follows from the one mistake.
		Expect(err.Error()).To(Equal(`c.yaml:4:18: server.phases[0].duration: invalid duration "ten" (use a Go duration such as 250ms, 2s or 1m30s)`))
	})

	It("still reports the problems of the fields it does not contain", func() {
		_, err := scenarios.Parse("c.yaml", []byte(`name: c
server:
  phases:
    - {requests: many, fault: {status: 503}}
    - {}
    - {name: up}
clients: {count: 2}
policies: [{name: none}]
`))
		Expect(err).To(HaveOccurred())
		Expect(err.Error()).To(ContainSubstring(`c.yaml:4:18: server.phases[0].requests: want a whole number, not "many"`))
		Expect(err.Error()).To(ContainSubstring(`server.phases[1]: only the last phase may be open-ended`), "phase 1 is open-ended by itself")
		Expect(err.Error()).NotTo(ContainSubstring(`server.phases[0]: only the last`))
	})
})
