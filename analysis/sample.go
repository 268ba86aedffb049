package analysis

import (
	"math"
	"math/rand/v2"
)

// reservoir keeps a uniform random sample of at most size values from a
// stream of unknown length (Algorithm R, Vitter, "Random sampling with a
// reservoir", ACM TOMS 11(1), 1985). Below size it keeps every value.
type reservoir[T any] struct {
	size  int
	seen  int
	items []T
}

func (r *reservoir[T]) add(v T, rng *rand.Rand) {
	r.seen++
	if len(r.items) < r.size {
		r.items = append(r.items, v)
		return
	}
	if j := rng.IntN(r.seen); j < r.size {
		r.items[j] = v
	}
}

// sampled reports whether values were dropped.
func (r *reservoir[T]) sampled() bool { return r.seen > len(r.items) }

// moments accumulates the count, mean and variance of a stream exactly and
// stably (Welford, Technometrics 4(3), 1962).
type moments struct {
	n    int
	mean float64
	m2   float64
	max  float64
}

func (m *moments) add(x float64) {
	m.n++
	d := x - m.mean
	m.mean += d / float64(m.n)
	m.m2 += d * (x - m.mean)
	if m.n == 1 || x > m.max {
		m.max = x
	}
}

// sd is the sample standard deviation (n − 1 in the denominator, as gonum's
// stat.StdDev); 0 with fewer than two values.
func (m *moments) sd() float64 {
	if m.n < 2 {
		return 0
	}
	return math.Sqrt(m.m2 / float64(m.n-1))
}
