package analysis

import (
	"math/rand/v2"

	. "github.com/onsi/ginkgo/v2"
	. "github.com/onsi/gomega"
)

var _ = Describe("the request index", func() {
	It("answers as a Go map does, through growth, overwrites and keys that share a slot", func() {
		rng := rand.New(rand.NewPCG(5, 6))
		var x requestIndex
		want := map[reqKey]int32{}
		keys := make([]reqKey, 0, 30_000)
		for i := range 60_000 {
			var k reqKey
			switch {
			case len(keys) > 0 && rng.IntN(3) == 0: // a key seen before: overwrite it
				k = keys[rng.IntN(len(keys))]
			case rng.IntN(4) == 0: // the slot of another key, told apart by hi
				k = reqKey{lo: rng.Uint64N(64), hi: rng.Uint64()}
			default:
				k = reqKey{lo: rng.Uint64(), hi: rng.Uint64()}
			}
			if _, seen := want[k]; !seen {
				keys = append(keys, k)
			}
			x.set(k, int32(i))
			want[k] = int32(i)
			probe := keys[rng.IntN(len(keys))]
			got, found := x.get(probe)
			Expect(found).To(BeTrue())
			Expect(got).To(Equal(want[probe]))
			other := reqKey{lo: probe.lo, hi: ^probe.hi} // its slot, another key
			_, inMap := want[other]
			_, found = x.get(other)
			Expect(found).To(Equal(inMap))
		}
		Expect(x.n).To(Equal(len(want)))
		for k, v := range want {
			got, found := x.get(k)
			Expect(found).To(BeTrue())
			Expect(got).To(Equal(v))
		}
		Expect(4 * x.n).To(BeNumerically("<=", 3*len(x.slots)))
	})

	It("has nothing before the first key", func() {
		var x requestIndex
		_, found := x.get(reqKey{1, 2})
		Expect(found).To(BeFalse())
	})
})
