package analysis

import "math"

// Z95 is the two-sided 95% standard normal quantile, Φ⁻¹(0.975).
const Z95 = 1.959963984540054

// Wilson returns the Wilson score interval for a binomial proportion of
// successes out of n at normal quantile z (Wilson 1927; method 3 of Newcombe,
// "Two-sided confidence intervals for the single proportion: comparison of
// seven methods", Statistics in Medicine 17:857–872, 1998):
//
//	(2np + z² ± z·√(z² + 4np(1−p))) / (2(n + z²)),  p = successes/n.
//
// With n = 0 the proportion is unknown and the interval is [0, 1].
func Wilson(successes, n int, z float64) (lo, hi float64) {
	if n <= 0 {
		return 0, 1
	}
	nf := float64(n)
	p := float64(successes) / nf
	z2 := z * z
	centre := 2*nf*p + z2
	half := z * math.Sqrt(z2+4*nf*p*(1-p))
	denom := 2 * (nf + z2)
	lo = (centre - half) / denom
	hi = (centre + half) / denom
	// Exact at the edges: rounding must not push 0/n above 0 or n/n below 1.
	if successes == 0 {
		lo = 0
	}
	if successes == n {
		hi = 1
	}
	return lo, hi
}

// NewcombeDiff returns the difference p1 − p2 of two independent proportions
// and its hybrid score interval, built from the two Wilson intervals (method 10
// of Newcombe, "Interval estimation for the difference between independent
// proportions: comparison of eleven methods", Statistics in Medicine
// 17:873–890, 1998):
//
//	lower = d − √((p1 − l1)² + (u2 − p2)²)
//	upper = d + √((u1 − p1)² + (p2 − l2)²)
func NewcombeDiff(s1, n1, s2, n2 int, z float64) (diff, lo, hi float64) {
	p1, p2 := proportion(s1, n1), proportion(s2, n2)
	l1, u1 := Wilson(s1, n1, z)
	l2, u2 := Wilson(s2, n2, z)
	diff = p1 - p2
	lo = diff - math.Sqrt(sq(p1-l1)+sq(u2-p2))
	hi = diff + math.Sqrt(sq(u1-p1)+sq(p2-l2))
	return diff, lo, hi
}

func proportion(s, n int) float64 {
	if n <= 0 {
		return 0
	}
	return float64(s) / float64(n)
}

func sq(x float64) float64 { return x * x }
