package analysis

import (
	"fmt"
	"math"
	"slices"
)

// KS is a one-sample Kolmogorov-Smirnov test of a sample against an exact
// distribution.
type KS struct {
	// D is sup |Fn(x) − F(x)|, the largest distance between the empirical CDF
	// of the sample and the exact CDF.
	D float64 `json:"d"`
	// P is the asymptotic p-value of D (see ksPValue).
	P float64 `json:"p"`
	// N is the sample size the test used.
	N int `json:"n"`
}

// KSTest compares a sample with the exact, continuous CDF. The sample is
// sorted in place. An empty sample gives D = 0 and P = 1; a CDF value outside
// [0, 1] is an error.
func KSTest(sample []float64, cdf func(float64) float64) (KS, error) {
	return KSTestLattice(sample, cdf, 0)
}

// KSTestLattice is KSTest for a law on a lattice of the given step, whose
// CDF may have steps: its left limit at x is taken at x − step. Retry
// delays are whole nanoseconds (resilience/backoff's CDFStrategy laws are exact on
// that lattice), so they are tested with a step of 1 ns (NanosecondMs): a
// schedule without jitter, a point mass, then reads D = 0 on a sample of its
// own value, where KSTest, taking F(x) for its left limit, reads D = 1. With
// steps the p-value is conservative (too large).
func KSTestLattice(sample []float64, cdf func(float64) float64, step float64) (KS, error) {
	slices.Sort(sample)
	n := len(sample)
	res := KS{N: n, P: 1}
	if n == 0 {
		return res, nil
	}
	fn := float64(n)
	// The supremum is attained at a sample point, just before or just after the
	// step of the empirical CDF there: Fn(x) − F(x) after, F(x−) − Fn(x−) before.
	for i, x := range sample {
		f, left := cdf(x), cdf(x-step)
		for _, v := range [2]float64{f, left} {
			if !(v >= 0 && v <= 1) {
				return KS{}, fmt.Errorf("the expected CDF at %g ms is %g, not a probability", x, v)
			}
		}
		res.D = math.Max(res.D, math.Max(float64(i+1)/fn-f, left-float64(i)/fn))
	}
	res.P = ksPValue(res.D, n)
	return res, nil
}

// NanosecondMs is one nanosecond in milliseconds, the lattice step of
// delays drawn as time.Duration.
const NanosecondMs = 1e-6

// ksPValue is the asymptotic Kolmogorov distribution tail with Stephens'
// small-sample adjustment (Stephens 1970; Numerical Recipes 3rd ed. §6.14 and
// §14.3.3):
//
//	P(D > d) ≈ Q(λ),  λ = (√n + 0.12 + 0.11/√n)·d,
//	Q(λ) = 2 Σ_{j≥1} (−1)^{j−1} exp(−2 j² λ²)                 for λ ≥ 1.18,
//	Q(λ) = 1 − √(2π)/λ · Σ_{j≥1} exp(−(2j−1)² π² / (8 λ²))     for λ < 1.18,
//
// the second series being the one that converges quickly for small λ.
func ksPValue(d float64, n int) float64 {
	sn := math.Sqrt(float64(n))
	lambda := (sn + 0.12 + 0.11/sn) * d
	if lambda <= 0 {
		return 1
	}
	var q float64
	if lambda < 1.18 {
		var sum float64
		for j := 1; j <= 20; j++ {
			k := float64(2*j - 1)
			sum += math.Exp(-k * k * math.Pi * math.Pi / (8 * lambda * lambda))
		}
		q = 1 - math.Sqrt(2*math.Pi)/lambda*sum
	} else {
		sign := 1.0
		for j := 1; j <= 20; j++ {
			q += sign * 2 * math.Exp(-2*float64(j*j)*lambda*lambda)
			sign = -sign
		}
	}
	return math.Min(1, math.Max(0, q))
}
