package resilience

import (
	"time"

	"github.com/chaos-harness/chaos/resilience/breaker"
)

// EventKind names what happened.
type EventKind uint8

// Event kinds.
const (
	// EventAttempt: an attempt is about to be sent (Attempt).
	EventAttempt EventKind = iota + 1
	// EventAttemptFailed: an attempt failed (AttemptOutcome, Status, Err).
	EventAttemptFailed
	// EventRetry: a retry is scheduled after Delay; FromRetryAfter says the
	// delay is the server's Retry-After; AttemptOutcome and Status are the reason.
	EventRetry
	// EventSuccess: the call succeeded.
	EventSuccess
	// EventGaveUp: the call failed for good (Err is the *GiveUpError).
	EventGaveUp
	// EventBreaker: the breaker changed state (Change).
	EventBreaker
	// EventFallback: a fallback answered the call (Fallback, Age).
	EventFallback
	// EventRateLimited: the rate limit delayed an attempt by Delay, or
	// refused it (Err is ErrRateLimited).
	EventRateLimited
	// EventBudgetExhausted: the retry budget refused a retry.
	EventBudgetExhausted

	// Hedging (issue 14).
	// EventHedge: a hedge, attempt Attempt, was sent while earlier ones
	// were in flight (an EventAttempt comes with it).
	EventHedge
	// EventHedgeWon: the answer of hedge Attempt won its round.
	EventHedgeWon
	// EventHedgeWasted: attempt Attempt was still in flight when another
	// answer settled its round, and is cancelled.
	EventHedgeWasted

	// Late-answer replacement (issue 14).
	// EventReplace: the success of attempt Attempt came Delay after it was
	// sent, more than replace.slower_than: a replacement attempt follows.
	EventReplace
)

var eventNames = [...]string{"", "attempt", "attempt_failed", "retry", "success", "gave_up", "breaker",
	"fallback", "rate_limited", "budget_exhausted", "hedge", "hedge_won", "hedge_wasted", "replace"}

func (k EventKind) String() string {
	if int(k) < len(eventNames) {
		return eventNames[k]
	}
	return "unknown"
}

// Event is one thing a policy did, with the explicit time it happened.
type Event struct {
	Kind    EventKind
	At      time.Time
	Policy  string // the policy's name
	Key     string // the call's request key
	Attempt int    // the attempt it concerns (0 for breaker events)
	Delay   time.Duration
	// FromRetryAfter marks a retry delay that the server asked for.
	FromRetryAfter bool
	Outcome        AttemptClass
	Status         int
	Err            error
	Change         breaker.Change
	Fallback       FallbackSource
	Age            time.Duration // of a stale fallback
}

// Observer is told of every event. It runs synchronously on the goroutine
// of the call (or of the simulator) and outside every lock of this package,
// so it may read the policy; it should be quick, and it must be safe for
// concurrent use when calls run on several goroutines.
type Observer interface {
	Observe(Event)
}

// ObserverFunc adapts a function to Observer.
type ObserverFunc func(Event)

// Observe calls f(e).
func (f ObserverFunc) Observe(e Event) { f(e) }
