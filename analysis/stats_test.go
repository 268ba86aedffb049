package analysis_test

import (
	"math"

	. "github.com/onsi/ginkgo/v2"
	. "github.com/onsi/gomega"

	"github.com/chaos-harness/chaos/analysis"
)

var _ = Describe("the Wilson score interval", func() {
	// Newcombe, "Two-sided confidence intervals for the single proportion:
	// comparison of seven methods", Statistics in Medicine 17:857–872 (1998),
	// Table II, method 3 (score interval without continuity correction).
	DescribeTable("matches Newcombe (1998a), Table II, method 3",
		func(s, n int, lo, hi float64) {
			l, h := analysis.Wilson(s, n, analysis.Z95)
			Expect(l).To(BeNumerically("~", lo, 0.00005))
			Expect(h).To(BeNumerically("~", hi, 0.00005))
		},
		Entry("81/263", 81, 263, 0.2553, 0.3662),
		Entry("15/148", 15, 148, 0.0624, 0.1605),
		Entry("0/20", 0, 20, 0.0, 0.1611),
		Entry("1/29", 1, 29, 0.0061, 0.1718),
	)

	It("is exactly [0, 1] with no trials and closed at the edges", func() {
		l, h := analysis.Wilson(0, 0, analysis.Z95)
		Expect([]float64{l, h}).To(Equal([]float64{0, 1}))
		l, h = analysis.Wilson(20, 20, analysis.Z95)
		Expect(h).To(Equal(1.0))
		Expect(l).To(BeNumerically("~", 1-0.1611, 0.00005))
	})
})

var _ = Describe("Newcombe's hybrid score interval for a difference", func() {
	// Newcombe, "Interval estimation for the difference between independent
	// proportions: comparison of eleven methods", Statistics in Medicine
	// 17:873–890 (1998), Table II, method 10.
	DescribeTable("matches Newcombe (1998b), Table II, method 10",
		func(s1, n1, s2, n2 int, lo, hi float64) {
			d, l, h := analysis.NewcombeDiff(s1, n1, s2, n2, analysis.Z95)
			Expect(d).To(BeNumerically("~", float64(s1)/float64(n1)-float64(s2)/float64(n2), 1e-12))
			Expect(l).To(BeNumerically("~", lo, 0.00005))
			Expect(h).To(BeNumerically("~", hi, 0.00005))
		},
		Entry("56/70 − 48/80", 56, 70, 48, 80, 0.0524, 0.3339),
		Entry("9/10 − 3/10", 9, 10, 3, 10, 0.1705, 0.8090),
		Entry("6/7 − 2/7", 6, 7, 2, 7, 0.0582, 0.8062),
		Entry("5/56 − 0/29", 5, 56, 0, 29, -0.0381, 0.1926),
		Entry("0/10 − 0/20", 0, 10, 0, 20, -0.1611, 0.2775),
		Entry("0/10 − 0/10", 0, 10, 0, 10, -0.2775, 0.2775),
	)
})

var _ = Describe("the Mann-Whitney U test", func() {
	It("matches SciPy's documented example (diagnosis ages, no ties)", func() {
		// scipy.stats.mannwhitneyu documentation, Examples: males vs females,
		// U1 = 17; with method="asymptotic" the p-value is 0.11134688653314041.
		res := analysis.MannWhitneyU([]float64{19, 22, 16, 29, 24}, []float64{20, 11, 17, 12})
		Expect(res.U).To(Equal(17.0))
		Expect(res.P).To(BeNumerically("~", 0.11134688653314041, 1e-12))
	})

	It("matches DolphinDB's documented example with ties", func() {
		// DolphinDB reference, mannWhitneyUTest(5 1 4 3 5, 2 4 7 -1 0 4): U = 11
		// (the second sample's), two-sided p = 0.518023 with continuity correction.
		res := analysis.MannWhitneyU([]float64{2, 4, 7, -1, 0, 4}, []float64{5, 1, 4, 3, 5})
		Expect(res.U).To(Equal(11.0))
		Expect(res.P).To(BeNumerically("~", 0.518023, 2e-6)) // published to six places
		// The statistic of the other sample is n·m − U, with the same p-value.
		other := analysis.MannWhitneyU([]float64{5, 1, 4, 3, 5}, []float64{2, 4, 7, -1, 0, 4})
		Expect(other.U).To(Equal(19.0))
		Expect(other.P).To(BeNumerically("~", res.P, 1e-15))
		Expect(other.Z).To(BeNumerically("~", -res.Z, 1e-15))
	})

	It("says nothing (p = 1) for an empty sample or all ties", func() {
		Expect(analysis.MannWhitneyU(nil, []float64{1}).P).To(Equal(1.0))
		Expect(analysis.MannWhitneyU([]float64{3, 3}, []float64{3, 3, 3}).P).To(Equal(1.0))
	})
})

var _ = Describe("the one-sample Kolmogorov-Smirnov test", func() {
	uniform := func(x float64) float64 { return math.Min(1, math.Max(0, x)) }

	It("computes D by hand on a small sample", func() {
		// Sample {0.1, 0.4, 0.7} against U(0,1): the steps give
		// max(1/3−0.1, 0.1−0, 2/3−0.4, 0.4−1/3, 1−0.7, 0.7−2/3) = 0.3.
		ks, err := analysis.KSTest([]float64{0.7, 0.1, 0.4}, uniform)
		Expect(err).NotTo(HaveOccurred())
		Expect(ks.D).To(BeNumerically("~", 0.3, 1e-12))
		Expect(ks.N).To(Equal(3))
	})

	It("gives the Kolmogorov distribution's tail (1.36/√n is the 5% point)", func() {
		// For large n, P(D > 1.358/√n) = 0.05 (Smirnov's table).
		n := 10000
		sample := make([]float64, n)
		for i := range sample {
			sample[i] = (float64(i) + 0.5) / float64(n)
		}
		sample[0] = 0 // moves the CDF by at most 1/2n: D stays tiny
		ks, err := analysis.KSTest(sample, uniform)
		Expect(err).NotTo(HaveOccurred())
		Expect(ks.P).To(BeNumerically(">", 0.999))

		shifted := make([]float64, n)
		d := 1.358 / math.Sqrt(float64(n))
		for i := range shifted {
			shifted[i] = math.Min(1, float64(i)/float64(n)+d) // F runs d ahead of Fn just below each step
		}
		ks, err = analysis.KSTest(shifted, uniform)
		Expect(err).NotTo(HaveOccurred())
		Expect(ks.D).To(BeNumerically("~", d, 1e-9))
		Expect(ks.P).To(BeNumerically("~", 0.05, 0.001))
	})

	It("refuses a CDF that is not a probability", func() {
		_, err := analysis.KSTest([]float64{1}, func(float64) float64 { return math.NaN() })
		Expect(err).To(MatchError(ContainSubstring("not a probability")))
	})
})
