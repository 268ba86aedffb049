package hashmix_test

import (
	. "github.com/onsi/ginkgo/v2"
	. "github.com/onsi/gomega"

	"github.com/chaos-harness/chaos/internal/hashmix"
)

// Published test vectors pin both formulas: streams seeded through them must
// never change between releases, or the same seed would give other faults.
var _ = Describe("hashmix", func() {
	DescribeTable("String is FNV-1a 64 (draft-eastlake-fnv vectors)",
		func(in string, want uint64) { Expect(hashmix.String(in)).To(Equal(want)) },
		Entry("empty", "", uint64(0xcbf29ce484222325)),
		Entry("a", "a", uint64(0xaf63dc4c8601ec8c)),
		Entry("foobar", "foobar", uint64(0x85944171f73967e8)),
	)

	It("SplitMix64 gives the reference generator's first outputs from state 0", func() {
		// The generator's n-th output is the finaliser applied to (n-1) times
		// the golden gamma, which the finaliser itself adds once.
		const gamma = 0x9e3779b97f4a7c15
		var got []uint64
		for i := uint64(0); i < 3; i++ {
			got = append(got, hashmix.SplitMix64(i*gamma))
		}
		Expect(got).To(Equal([]uint64{0xe220a8397b1dcdaf, 0x6e789e6aa1b965f4, 0x06c45d188009454f}))
	})
})
