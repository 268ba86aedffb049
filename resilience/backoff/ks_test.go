package backoff_test

import (
	"math"
	"slices"
	"time"

	"gonum.org/v1/gonum/stat"
)

// ksTest is the one-sample Kolmogorov-Smirnov test of samples against an
// exact CDF over integer nanoseconds. It returns the statistic D and its
// asymptotic p-value.
//
// D is computed by gonum's two-sample stat.KolmogorovSmirnov against the
// exact law written as a weighted sample on the support that matters: every
// observed x and x-1ns (the left limit), carrying F's mass there. Between
// two such points neither CDF moves in a way the supremum can miss, so this
// is the exact one-sample D, atoms included.
func ksTest(samples []time.Duration, cdf func(time.Duration) float64) (d, p float64) {
	xs := make([]float64, len(samples))
	for i, s := range samples {
		xs[i] = float64(s)
	}
	slices.Sort(xs)
	var ys, ws []float64
	prevF := 0.0
	addPoint := func(x float64) {
		if len(ys) > 0 && ys[len(ys)-1] >= x {
			return
		}
		f := cdf(time.Duration(x))
		ys, ws = append(ys, x), append(ws, f-prevF)
		prevF = f
	}
	for _, x := range xs {
		addPoint(x - 1)
		addPoint(x)
	}
	ys, ws = append(ys, xs[len(xs)-1]+1), append(ws, 1-prevF)
	d = stat.KolmogorovSmirnov(xs, nil, ys, ws)
	return d, kolmogorovQ(d, len(samples))
}

// kolmogorovQ is the asymptotic p-value P(D > d) for n samples, with
// Stephens' small-sample correction (Numerical Recipes, 3rd ed., 14.3.3).
func kolmogorovQ(d float64, n int) float64 {
	en := math.Sqrt(float64(n))
	lambda := (en + 0.12 + 0.11/en) * d
	if lambda < 0.2 {
		return 1
	}
	var sum float64
	sign := 1.0
	for k := 1; k <= 100; k++ {
		term := sign * math.Exp(-2*float64(k*k)*lambda*lambda)
		sum += term
		if math.Abs(term) < 1e-12 {
			break
		}
		sign = -sign
	}
	return min(max(2*sum, 0), 1)
}
