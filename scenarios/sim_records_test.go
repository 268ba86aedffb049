package scenarios_test

import (
	. "github.com/onsi/ginkgo/v2"
	. "github.com/onsi/gomega"

	"github.com/chaos-harness/chaos/scenarios"
)

var _ = Describe("the simulator's record buffer", func() {
	It("hands Records to the sink in slot order however they finish, across blocks", func() {
		const n = 5000 // several blocks of slots, recycled as they flush
		want := make([]int, n)
		for i := range want {
			want[i] = i
		}
		for seed := range uint64(3) {
			Expect(scenarios.RecordBufferOrder(n, seed)).To(Equal(want), "seed %d", seed)
		}
	})
})
