package faultserver_test

import (
	"fmt"
	"math"
	"sort"
	"time"

	. "github.com/onsi/ginkgo/v2"
	. "github.com/onsi/gomega"
	"gonum.org/v1/gonum/stat/distuv"

	"github.com/chaos-harness/chaos/faultserver"
	"github.com/chaos-harness/chaos/record"
)

// ksStatistic is the one-sample Kolmogorov-Smirnov statistic
// D = sup |F_n(x) − F(x)| of samples against the exact CDF.
func ksStatistic(samples []float64, cdf func(float64) float64) float64 {
	sort.Float64s(samples)
	n := float64(len(samples))
	d := 0.0
	for i, x := range samples {
		f := cdf(x)
		d = math.Max(d, math.Max(f-float64(i)/n, float64(i+1)/n-f))
	}
	return d
}

// delays draws n delays (in ms) of the response delay of a script, one per
// client so each comes from its own stream.
func delays(delay string, n int) []float64 {
	s := compile("response: {delay: "+delay+"}\n", 42)
	out := make([]float64, n)
	for i := range out {
		out[i] = record.Millis(decide(s, 0, fmt.Sprint("c", i), "GET", "/").Delay)
	}
	return out
}

var _ = Describe("delay distributions", func() {
	const n = 4000
	// Critical value of D at α = 0.001 for large n: 1.95/√n (Smirnov's
	// asymptotic distribution). With the fixed seed the test cannot flake.
	critical := 1.95 / math.Sqrt(n)

	DescribeTable("match their exact distribution (Kolmogorov-Smirnov, fixed seed)",
		func(delay string, cdf func(float64) float64) {
			Expect(ksStatistic(delays(delay, n), cdf)).To(BeNumerically("<", critical))
		},
		Entry("uniform", "{dist: uniform, min: 10ms, max: 50ms}",
			distuv.Uniform{Min: 10, Max: 50}.CDF),
		Entry("normal", "{dist: normal, mean: 100ms, stddev: 20ms}",
			distuv.Normal{Mu: 100, Sigma: 20}.CDF),
		Entry("lognormal by median and p99", "{dist: lognormal, median: 20ms, p99: 200ms}",
			distuv.LogNormal{Mu: math.Log(20), Sigma: math.Log(10) / 2.3263478740408408}.CDF),
		Entry("pareto", "{dist: pareto, min: 10ms, alpha: 1.5}",
			distuv.Pareto{Xm: 10, Alpha: 1.5}.CDF),
		Entry("exponential by its mean", "{dist: exponential, mean: 25ms}",
			distuv.Exponential{Rate: 1.0 / 25}.CDF),
	)

	It("gives a lognormal whose median and p99 are the ones asked for", func() {
		d := delays("{dist: lognormal, median: 20ms, p99: 200ms}", 20000)
		sort.Float64s(d)
		Expect(d[len(d)/2]).To(BeNumerically("~", 20, 1))
		Expect(d[len(d)*99/100]).To(BeNumerically("~", 200, 20))
	})

	It("gives a fixed delay exactly, and caps draws at max", func() {
		Expect(delays("250ms", 3)).To(Equal([]float64{250, 250, 250}))
		for _, v := range delays("{dist: pareto, min: 10ms, alpha: 0.5, max: 30ms}", 500) {
			Expect(v).To(And(BeNumerically(">=", 10), BeNumerically("<=", 30)))
		}
	})

	It("clamps a normal at zero", func() {
		for _, v := range delays("{dist: normal, mean: 1ms, stddev: 10ms}", 500) {
			Expect(v).To(BeNumerically(">=", 0))
		}
	})

	It("has a constructor for a fixed delay", func() {
		Expect(faultserver.Fixed(time.Second).Value).To(Equal(time.Second))
	})
})
