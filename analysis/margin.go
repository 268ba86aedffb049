package analysis

import (
	"math"
	"math/rand/v2"
	"slices"
)

// marginAcc accumulates a policy's Retry-After margins: for each retry that
// followed a response carrying a Retry-After, its arrival minus the earliest
// time the server allowed (the end of that response plus its Retry-After).
// Count, minimum and the early counts are exact; the quantiles rest on a
// seeded reservoir sample beyond Options.SampleSize.
type marginAcc struct {
	sample                 reservoir[float64]
	min                    float64
	early, over100, over1s int
}

// marginResolution is the clock tick behind Records (a time.Duration, 1 ns)
// in milliseconds. Margins are rounded to it, so float noise in
// end + Retry-After does not make a retry on the deadline early.
const marginResolution = 1e-6

// add takes one margin in ms and returns it rounded to the nanosecond.
func (m *marginAcc) add(margin float64, rng *rand.Rand) float64 {
	margin = math.Round(margin/marginResolution) * marginResolution
	if m.sample.seen == 0 || margin < m.min {
		m.min = margin
	}
	m.sample.add(margin, rng)
	switch {
	case margin < -1000:
		m.over1s++
		fallthrough
	case margin < -100:
		m.over100++
		fallthrough
	case margin < 0:
		m.early++
	}
	return margin
}

// result is the distribution of the margins, nil when there was none.
func (m *marginAcc) result() *RetryAfterMargin {
	if m.sample.seen == 0 {
		return nil
	}
	sorted := slices.Clone(m.sample.items)
	slices.Sort(sorted)
	return &RetryAfterMargin{
		Count:          m.sample.seen,
		Min:            m.min,
		P1:             quantileOf(sorted, 0.01),
		P50:            quantileOf(sorted, 0.5),
		P99:            quantileOf(sorted, 0.99),
		Early:          m.early,
		EarlyOver100Ms: m.over100,
		EarlyOver1s:    m.over1s,
		Sampled:        m.sample.sampled(),
	}
}
