package scenarios_test

import (
	"time"

	. "github.com/onsi/ginkgo/v2"
	. "github.com/onsi/gomega"

	"github.com/chaos-harness/chaos/scenarios"
)

var _ = Describe("the simulator's event queue", func() {
	ms := func(v ...int) []time.Duration {
		out := make([]time.Duration, len(v))
		for i, x := range v {
			out[i] = time.Duration(x) * time.Millisecond
		}
		return out
	}

	DescribeTable("pops in (time, insertion) order, as a list sorted on every pop would",
		func(starts []time.Duration) {
			for seed := range uint64(5) {
				for _, wide := range []bool{false, true} {
					got, want := scenarios.QueueOrders(starts, seed, wide)
					Expect(len(got)).To(Equal(len(starts) * 15)) // 1 + 2 + 4 + 8 events per client
					Expect(got).To(Equal(want), "seed %d, wide %v", seed, wide)
				}
			}
		},
		Entry("clients started together", ms(0, 0, 0, 0, 0, 0)),
		Entry("clients spread in order", ms(0, 1, 1, 2, 5, 9, 9, 12)),
		// A spike: clients appended at one later time, out of order with the
		// spread ones before them.
		Entry("a spike appended after a spread", ms(0, 2, 4, 6, 8, 10, 3, 3, 3)),
		// Buckets over several chunks, bucket 0 pushed to while popped.
		Entry("a fleet of 1000 started together", make([]time.Duration, 1000)),
		Entry("a larger fleet, starts out of order", func() []time.Duration {
			out := make([]time.Duration, 200)
			for i := range out {
				out[i] = time.Duration((i*7919)%97) * time.Millisecond
			}
			return out
		}()),
	)
})
