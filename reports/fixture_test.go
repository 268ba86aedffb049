package reports_test

import (
	"fmt"
	"math"
	"math/rand/v2"
	"slices"
	"time"

	. "github.com/onsi/gomega"

	"github.com/chaos-harness/chaos/analysis"
	"github.com/chaos-harness/chaos/record"
)

// outageRun simulates, in the test, a small outage-recovery scenario under
// several jitter strategies: clients arrive over the first three seconds,
// each sends three logical requests with 1.5 s think time; the server fails with 503
// from 2 s to 6 s (a third of them with Retry-After: 1 s); clients retry up to
// six times with exponential backoff (base 100 ms, cap 2 s) and honour
// Retry-After. Seeded, so every run is the same.
func outageRun(clients int, jitters ...string) []record.Record {
	var recs []record.Record
	for _, jitter := range jitters {
		rng := rand.New(rand.NewPCG(11, 12))
		for c := range clients {
			id := fmt.Sprintf("c%d", c)
			t := math.Floor(rng.Float64() * 3000)
			for r := 1; r <= 3; r++ {
				prev := 0.0
				for attempt := 1; attempt <= 7; attempt++ {
					rec := record.Record{TMs: t, Client: id, Request: fmt.Sprintf("%s/%d", id, r), Attempt: attempt,
						Method: "GET", Path: "/api/orders", Policy: jitter}
					switch {
					case t < 2000:
						rec.Phase, rec.Fault, rec.Status, rec.LatencyMs, rec.Outcome = "healthy", "none", 200, 5+rng.Float64()*20, record.OutcomeOK
					case t < 6000:
						rec.Phase, rec.Fault, rec.Status, rec.LatencyMs, rec.Outcome = "outage", "status", 503, 1, record.OutcomeStatus
						if rng.IntN(3) == 0 {
							rec.RetryAfterMs = 1000
						}
					default:
						rec.Phase, rec.Fault, rec.Status, rec.LatencyMs, rec.Outcome = "recovered", "none", 200, 5+rng.Float64()*20, record.OutcomeOK
					}
					recs = append(recs, rec)
					end := t + rec.LatencyMs
					if rec.Outcome == record.OutcomeOK || attempt == 7 {
						t = end
						break
					}
					d := backoff(jitter, attempt, prev, rng)
					prev = d
					t = math.Round((end+math.Max(d, rec.RetryAfterMs))*1000) / 1000
				}
				t += 1500
			}
		}
	}
	slices.SortStableFunc(recs, func(a, b record.Record) int {
		switch {
		case a.TMs < b.TMs:
			return -1
		case a.TMs > b.TMs:
			return 1
		}
		return 0
	})
	return recs
}

// backoff is the delay before retry k (AWS Architecture Blog, "Exponential
// Backoff And Jitter", 2015).
func backoff(jitter string, k int, prev float64, rng *rand.Rand) float64 {
	const base, cap = 100.0, 2000.0
	exp := math.Min(cap, base*math.Pow(2, float64(k-1)))
	switch jitter {
	case "full":
		return rng.Float64() * exp
	case "equal":
		return exp/2 + rng.Float64()*exp/2
	case "decorrelated":
		if prev == 0 {
			prev = base
		}
		return math.Min(cap, base+rng.Float64()*(3*prev-base))
	}
	return exp
}

// fullJitterCDF is the exact delay distribution of full jitter.
func fullJitterCDF(k int) func(float64) float64 {
	exp := math.Min(2000, 100*math.Pow(2, float64(k-1)))
	return func(x float64) float64 { return math.Min(1, math.Max(0, x/exp)) }
}

// outageResult analyses outageRun with the scenario's phases.
func outageResult(clients int, jitters ...string) analysis.Result {
	seed := uint64(11)
	acc, err := analysis.New(analysis.Options{
		Scenario: "outage-recovery", Engine: "sim", Seed: &seed,
		Command: "chaos compare outage-recovery --jitter none,full,equal --engine sim",
		Phases: []analysis.Phase{
			{Name: "healthy", Start: 0, End: 2 * time.Second},
			{Name: "outage", Start: 2 * time.Second, End: 6 * time.Second, Fault: true},
			{Name: "recovered", Start: 6 * time.Second, End: 12 * time.Second},
		},
		ExpectedDelay: map[string]analysis.DelayCDF{"full": fullJitterCDF},
		BreakerOpen:   map[string][]analysis.Interval{"full": {{Start: 2500 * time.Millisecond, End: 4 * time.Second}}},
	})
	Expect(err).NotTo(HaveOccurred())
	for _, r := range outageRun(clients, jitters...) {
		Expect(acc.Add(r)).To(Succeed())
	}
	res, err := acc.Finish()
	Expect(err).NotTo(HaveOccurred())
	return res
}
