package scenarios_test

import (
	"math"

	. "github.com/onsi/ginkgo/v2"
	. "github.com/onsi/gomega"

	"github.com/chaos-harness/chaos/scenarios"
)

var _ = Describe("the built-in brooker-retries (Brooker's retry simulator)", func() {
	It("gives 3 retries the closed forms at p = 0.2, and the bucket and breaker the published model's figures", func() {
		s, err := scenarios.LoadBuiltin("brooker-retries")
		Expect(err).NotTo(HaveOccurred())
		out := simulate(s, scenarios.Options{})
		const p = 0.2
		three, _ := out.Result.Policy("three-retries")
		n := float64(three.LogicalRequests)
		Expect(n).To(BeNumerically("~", 10000, 400)) // Poisson(100 × 10/s × 10 s), 4 sd
		// Success 1 - p^4 = 0.9984, a binomial proportion: 4 standard errors.
		success := 1 - math.Pow(p, 4)
		Expect(three.SuccessRate).To(BeNumerically("~", success, 4*math.Sqrt(success*(1-success)/n)))
		// Attempts a call A = min(Geometric(1-p), 4): E[A] = (1-p^4)/(1-p) =
		// 1.248; P(A=k) = p^(k-1)(1-p) for k < 4, P(A=4) = p^3, so
		// E[A^2] = 0.8 + 4(0.16) + 9(0.032) + 16(0.008) = 1.856 and
		// Var A = 1.856 - 1.248^2 = 0.2985: 4 standard errors of the mean.
		mean := (1 - math.Pow(p, 4)) / (1 - p)
		Expect(*three.Amplification).To(BeNumerically("~", mean, 4*math.Sqrt(0.2985/n)))

		// Brooker's simulator at p = 0.2, averaged over 5 seeds (run here;
		// docs/VALIDATION.md): token bucket 0.909 success at 1.134 attempts a
		// call, retry breaker 0.802 at 1.004. The bucket's figures are a
		// process of the failures, not a closed form: 0.02 either side.
		bucket, _ := out.Result.Policy("token-bucket")
		Expect(bucket.SuccessRate).To(BeNumerically("~", 0.909, 0.02))
		Expect(*bucket.Amplification).To(BeNumerically("~", 1.134, 0.02))
		breaker, _ := out.Result.Policy("retry-breaker")
		Expect(breaker.SuccessRate).To(BeNumerically("~", 0.802, 0.02))
		Expect(*breaker.Amplification).To(BeNumerically("~", 1.004, 0.02))
	})
})
