package resilience

import "sync/atomic"

// Counters is a snapshot of a policy's counts since it was built.
type Counters struct {
	Requests          int64 // calls begun
	Succeeded         int64 // calls that ended in success
	Failed            int64 // calls that failed for good (with or without a fallback)
	Fallbacks         int64 // failed calls a fallback answered
	Attempts          int64 // attempts sent
	Retries           int64 // retries scheduled
	BreakerTrips      int64 // times the breaker opened
	BreakerRejections int64 // attempts refused by an open breaker
	RateLimited       int64 // attempts delayed or refused by the rate limit
	BudgetExhausted   int64 // retries refused by the retry budget

	// Hedging (issue 14).
	Hedges       int64 // hedges sent (attempts beyond the first of a round, while it was in flight)
	HedgesWon    int64 // rounds a hedge's answer won
	HedgesWasted int64 // attempts cancelled in flight because another answer won their round

	// Late-answer replacement (issue 14).
	Replacements int64 // late answers followed by a replacement attempt
}

// SuccessRate is Succeeded / (Succeeded + Failed), 0 before any call ended.
func (c Counters) SuccessRate() float64 {
	done := c.Succeeded + c.Failed
	if done == 0 {
		return 0
	}
	return float64(c.Succeeded) / float64(done)
}

// counterSet is the live, lock-free form of Counters.
type counterSet struct {
	requests, succeeded, failed, fallbacks, attempts, retries atomic.Int64
	trips, rejections, rateLimited, budgetExhausted           atomic.Int64
	hedges, hedgesWon, hedgesWasted                           atomic.Int64
	replacements                                              atomic.Int64
}

func (c *counterSet) snapshot() Counters {
	return Counters{
		Requests:          c.requests.Load(),
		Succeeded:         c.succeeded.Load(),
		Failed:            c.failed.Load(),
		Fallbacks:         c.fallbacks.Load(),
		Attempts:          c.attempts.Load(),
		Retries:           c.retries.Load(),
		BreakerTrips:      c.trips.Load(),
		BreakerRejections: c.rejections.Load(),
		RateLimited:       c.rateLimited.Load(),
		BudgetExhausted:   c.budgetExhausted.Load(),
		Hedges:            c.hedges.Load(),
		HedgesWon:         c.hedgesWon.Load(),
		HedgesWasted:      c.hedgesWasted.Load(),
		Replacements:      c.replacements.Load(),
	}
}
