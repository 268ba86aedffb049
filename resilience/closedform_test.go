package resilience_test

import (
	"math"
	"time"

	. "github.com/onsi/ginkgo/v2"
	. "github.com/onsi/gomega"

	"github.com/chaos-harness/chaos/resilience"
)

var _ = Describe("closed forms of retrying, by exact enumeration through the step driver", func() {
	DescribeTable("3 retries at independent failure probability p: success 1 - p^4, attempts (1 - p^4)/(1 - p)",
		func(p float64) {
			// Every sequence of 4 attempt outcomes (bit i set: attempt i+1
			// fails) with its probability; the call stops at its first success.
			var success, attempts float64
			for bits := range 16 {
				prob := 1.0
				outcomes := make([]resilience.AttemptOutcome, 4)
				for i := range 4 {
					if bits&(1<<i) != 0 {
						prob *= p
						outcomes[i] = fail503
					} else {
						prob *= 1 - p
						outcomes[i] = ok200
					}
				}
				pol := mustPolicy(resilience.Config{Retry: constantRetry(3, time.Millisecond)})
				t := drive(pol, epoch, get, outcomes...)
				if t.final.Action == resilience.ActionSucceed {
					success += prob
				}
				attempts += prob * float64(len(t.attempts))
			}
			Expect(success).To(BeNumerically("~", 1-math.Pow(p, 4), 1e-12))
			Expect(attempts).To(BeNumerically("~", (1-math.Pow(p, 4))/(1-p), 1e-12))
		},
		Entry("p = 0.1", 0.1), Entry("p = 0.3", 0.3), Entry("p = 0.5", 0.5), Entry("p = 0.9", 0.9),
	)
})
