package scenarios_test

import (
	"strconv"

	. "github.com/onsi/ginkgo/v2"
	. "github.com/onsi/gomega"

	"github.com/chaos-harness/chaos/scenarios"
)

var _ = Describe("the simulator's client names", func() {
	It("names every client number from its place in one text, across digit lengths", func() {
		const n = 12345 // numbers of one to five digits
		keys, firsts, thirds := scenarios.ClientNames(n)
		Expect(keys).To(HaveLen(n))
		for i := range n {
			key := "c" + strconv.Itoa(i+1)
			Expect(keys[i]).To(Equal(key))
			Expect(firsts[i]).To(Equal(key + "/1"))
			Expect(thirds[i]).To(Equal(key + "/3"))
		}
	})
})
