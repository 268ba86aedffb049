// Package retrybudget limits retries across every call of a client, so a
// fleet in trouble does not multiply its load, with explicit time: gRPC's
// retry throttling, Finagle's ratio budget, the AWS SDKs' standard retry
// quota, and Brooker's retry token bucket and retry circuit breaker.
package retrybudget

import (
	"math"
	"sync"
	"time"

	"github.com/chaos-harness/chaos/resilience/internal/window"
)

// Budget limits retries across every call of a client, so a fleet in
// trouble does not multiply its load. It combines, when configured:
//   - a token bucket (gRPC retry throttling, gRFC A6): each failed attempt
//     costs one token, each successful call earns Refill, and no retry is made
//     while the bucket holds Max/2 tokens or fewer;
//   - a recent-ratio budget (Finagle's RetryBudget): retries in the last
//     Window may number at most Ratio times the calls begun in it, plus
//     MinPerSecond*Window so a quiet client can still retry;
//   - the AWS SDKs' standard retry quota (Quota);
//   - Brooker's retry token bucket (Bucket);
//   - Brooker's retry circuit breaker (FailureRatio).
//
// A retry is made only when every configured part allows it; a part takes
// its cost only then.
type Budget struct {
	mu     sync.Mutex
	tokens *tokenBudget
	recent *recentBudget
	quota  *quotaBudget
	bucket *bucketBudget
	ratio  *ratioBudget
}

type tokenBudget struct {
	max, refill, tokens float64
}

type recentBudget struct {
	ratio, floor float64
	counts       window.Counts // a: calls, b: retries
}

// Tokens is the token-bucket part, resolved: Max tokens, Refill per success.
type Tokens struct{ Max, Refill float64 }

// Recent is the recent-ratio part, resolved: Ratio of the calls begun in the
// last Window, plus MinPerSecond*Window.
type Recent struct {
	Ratio        float64
	Window       time.Duration
	MinPerSecond float64
}

// Parts are the parts of a budget; a nil part is not used.
type Parts struct {
	Tokens       *Tokens
	Recent       *Recent
	Quota        *Quota
	Bucket       *Bucket
	FailureRatio *FailureRatio
}

// New builds a budget of the parts given (nil: not used); the token bucket
// starts full. resilience.BudgetConfig documents the parts and their
// defaults, and resilience.New resolves one into these.
func New(tokens *Tokens, recent *Recent) *Budget {
	return Build(Parts{Tokens: tokens, Recent: recent})
}

// Build builds a budget of every part in ps; buckets and quotas start full.
func Build(ps Parts) *Budget {
	b := &Budget{}
	if t := ps.Tokens; t != nil {
		b.tokens = &tokenBudget{max: t.Max, refill: t.Refill, tokens: t.Max}
	}
	if r := ps.Recent; r != nil {
		b.recent = &recentBudget{
			ratio:  r.Ratio,
			floor:  r.MinPerSecond * r.Window.Seconds(),
			counts: window.New(r.Window),
		}
	}
	if q := ps.Quota; q != nil {
		b.quota = &quotaBudget{Quota: *q, level: q.Size}
	}
	if k := ps.Bucket; k != nil {
		b.bucket = &bucketBudget{Bucket: *k, level: k.Size}
	}
	if f := ps.FailureRatio; f != nil {
		b.ratio = &ratioBudget{threshold: f.Threshold}
	}
	return b
}

// Grant is what a retry the budget allowed took from it, handed back to
// Succeeded when that retry succeeds. The zero Grant is a first attempt.
type Grant struct {
	// held is 0 for a first attempt, else the bits of the AWS quota's cost
	// of this retry (math.Float64bits) plus 1: one word, as a
	// resilience.Call holds one. (A cost whose bits are all ones, a NaN,
	// would read as a first attempt.)
	held uint64
}

func retriedGrant(cost float64) Grant { return Grant{held: math.Float64bits(cost) + 1} }

// retried reports whether the grant is a retry's, and its quota cost.
func (g Grant) retried() (cost float64, ok bool) {
	if g.held == 0 {
		return 0, false
	}
	return math.Float64frombits(g.held - 1), true
}

// OnCall records that a call began (its first try).
func (b *Budget) OnCall(now time.Time) {
	if b.recent == nil && b.bucket == nil && b.ratio == nil {
		return
	}
	b.mu.Lock()
	if b.recent != nil {
		b.recent.counts.Add(now, 1, 0)
	}
	if k := b.bucket; k != nil {
		k.level = min(k.Size, k.level+k.Deposit)
	}
	if r := b.ratio; r != nil {
		r.firsts++
	}
	b.mu.Unlock()
}

// OnSuccess records a successful call whose last attempt was not a retry
// the budget granted (Succeeded(Grant{})).
func (b *Budget) OnSuccess() { b.Succeeded(Grant{}) }

// Succeeded records a successful attempt; g is the grant of the retry it
// was, the zero Grant for a first attempt.
func (b *Budget) Succeeded(g Grant) {
	if b.tokens == nil && b.quota == nil {
		return
	}
	b.mu.Lock()
	if t := b.tokens; t != nil {
		t.tokens = min(t.max, t.tokens+t.refill)
	}
	if q := b.quota; q != nil {
		q.succeeded(g)
	}
	b.mu.Unlock()
}

// OnFailure records a failed attempt of a retryable kind.
func (b *Budget) OnFailure() {
	if b.tokens == nil && b.ratio == nil {
		return
	}
	b.mu.Lock()
	if t := b.tokens; t != nil {
		t.tokens = max(0, t.tokens-1)
	}
	if r := b.ratio; r != nil {
		r.failures++
	}
	b.mu.Unlock()
}

// Cause is what failed the attempt a retry follows, for the AWS quota,
// which charges by it.
type Cause uint8

// Causes.
const (
	CauseFailure  Cause = iota // any other retryable failure
	CauseTimeout               // the attempt timed out
	CauseThrottle              // the server throttled it (a 429)
)

// TryRetry reports whether a retry after a failure other than a timeout or
// a throttle may be made now, and if so counts it.
func (b *Budget) TryRetry(now time.Time) bool {
	_, ok := b.Retry(now, CauseFailure)
	return ok
}

// Retry reports whether a retry may be made now after an attempt that
// failed for cause, and if so takes its cost from every part and returns
// the Grant.
func (b *Budget) Retry(now time.Time, cause Cause) (Grant, bool) {
	b.mu.Lock()
	defer b.mu.Unlock()
	if b.tokens != nil && b.tokens.tokens <= b.tokens.max/2 {
		return Grant{}, false
	}
	r := b.recent
	if r != nil {
		calls, retries := r.counts.Sums(now)
		if retries+1 > r.ratio*calls+r.floor {
			return Grant{}, false
		}
	}
	var cost float64
	if q := b.quota; q != nil {
		c, ok := q.allows(cause)
		if !ok {
			return Grant{}, false
		}
		cost = c
	}
	g := retriedGrant(cost)
	if k := b.bucket; k != nil && !k.allows() {
		return Grant{}, false
	}
	if f := b.ratio; f != nil && !f.allows() {
		return Grant{}, false
	}
	// Every part allows it: take the costs.
	if r != nil {
		r.counts.Add(now, 0, 1)
	}
	if q := b.quota; q != nil {
		q.level -= cost
	}
	if k := b.bucket; k != nil {
		k.level -= k.Cost
	}
	return g, true
}

// Tokens returns the token bucket's level (0 when there is none).
func (b *Budget) Tokens() float64 {
	b.mu.Lock()
	defer b.mu.Unlock()
	if b.tokens == nil {
		return 0
	}
	return b.tokens.tokens
}
