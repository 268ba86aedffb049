package scenarios

import (
	"math/rand/v2"
	"slices"
	"time"
)

// fleetStarts returns when each client of the fleet starts: the clients of a
// spike (the last indices) together at its time, the others by the start
// process.
func fleetStarts(c Clients, rng *rand.Rand) []time.Duration {
	n := c.ClientCount()
	spiked := 0
	if c.Spike != nil {
		spiked = c.Spike.Count
	}
	out := startTimes(c.Start, n-spiked, rng)
	for range spiked {
		out = append(out, c.Spike.At)
	}
	return out
}

// startTimes returns when each of n clients starts under the arrival process s,
// drawn from rng:
//   - together: all at 0 (a synchronized fleet, the worst case for a herd);
//   - spread D: independent uniform times in [0, D), sorted;
//   - poisson R: a Poisson process of rate R, so gaps are exponential with mean
//     1/R (the open-loop arrival model of queueing theory).
func startTimes(s Start, n int, rng *rand.Rand) []time.Duration {
	out := make([]time.Duration, 0, n)
	eachStart(s, n, rng, func(t time.Duration) { out = append(out, t) })
	if s.Kind == StartSpread {
		slices.Sort(out)
	}
	return out
}

// eachStart draws n start times under s, in draw order, calling fn with each.
func eachStart(s Start, n int, rng *rand.Rand, fn func(time.Duration)) {
	var t float64 // seconds, for poisson
	for range n {
		switch s.Kind {
		case StartSpread:
			fn(time.Duration(rng.Int64N(int64(s.Spread))))
		case StartPoisson:
			t += rng.ExpFloat64() / s.Rate
			fn(saturated(t * float64(time.Second)))
		default:
			fn(0)
		}
	}
}
