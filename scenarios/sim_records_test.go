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
			order, held := scenarios.RecordBufferOrder(n, seed)
			Expect(order).To(Equal(want), "seed %d", seed)
			Expect(held).To(BeNumerically("<", n), "seed %d", seed)
		}
	})

	It("names slots by the low 32 bits of their number across a wrap of those bits", func() {
		const n = 3000
		want := make([]int, n)
		for i := range want {
			want[i] = i
		}
		order, _ := scenarios.RecordBufferOrderFrom(1<<32-1000, n, 1)
		Expect(order).To(Equal(want))
	})

	It("holds no Record for a reserved slot until it is finished, nor for one whose turn has come", func() {
		// Every slot reserved, then finished in order: each goes straight to
		// the sink. Finished in reverse: each waits for the first.
		Expect(scenarios.RecordBufferHeld(4, false)).To(Equal(0))
		Expect(scenarios.RecordBufferHeld(4, true)).To(Equal(3))
	})
})
