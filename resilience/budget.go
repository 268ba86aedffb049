package resilience

import (
	"sync"
	"time"

	"github.com/chaos-harness/chaos/resilience/internal/window"
)

// RetryBudget limits retries across every call of a client, so a fleet in
// trouble does not multiply its load. It combines, when configured:
//   - a token bucket (gRPC retry throttling, gRFC A6): each failed attempt
//     costs one token, each successful call earns Refill, and no retry is made
//     while the bucket holds Max/2 tokens or fewer;
//   - a recent-ratio budget (Finagle's RetryBudget): retries in the last
//     Window may number at most Ratio times the calls begun in it, plus
//     MinPerSecond*Window so a quiet client can still retry.
type RetryBudget struct {
	mu     sync.Mutex
	tokens *tokenBudget
	recent *recentBudget
}

type tokenBudget struct {
	max, refill, tokens float64
}

type recentBudget struct {
	ratio, floor float64
	counts       window.Counts // a: calls, b: retries
}

// NewRetryBudget builds a budget; zero fields are the documented defaults,
// and a config with neither part is the recent-ratio budget.
func NewRetryBudget(cfg BudgetConfig) (*RetryBudget, error) {
	if ps := (Config{Budget: &cfg}).Problems(); len(ps) > 0 {
		return nil, ProblemsError(ps)
	}
	b := &RetryBudget{}
	if t := cfg.Tokens; t != nil {
		m := orFloat(t.Max, DefaultTokenBudgetMax)
		b.tokens = &tokenBudget{max: m, refill: orFloat(t.Refill, DefaultTokenBudgetRefill), tokens: m}
	}
	r := cfg.Recent
	if r == nil && cfg.Tokens == nil {
		r = &RecentBudgetConfig{}
	}
	if r != nil {
		span := orDuration(r.Window, DefaultRecentWindow)
		perSecond := DefaultRecentMinPerSec
		if r.MinPerSecond != nil {
			perSecond = *r.MinPerSecond
		}
		b.recent = &recentBudget{
			ratio:  orFloat(r.Ratio, DefaultRecentRatio),
			floor:  perSecond * span.Seconds(),
			counts: window.New(span),
		}
	}
	return b, nil
}

// OnCall records that a call began.
func (b *RetryBudget) OnCall(now time.Time) {
	if b.recent == nil {
		return
	}
	b.mu.Lock()
	b.recent.counts.Add(now, 1, 0)
	b.mu.Unlock()
}

// OnSuccess records a successful call.
func (b *RetryBudget) OnSuccess() {
	if b.tokens == nil {
		return
	}
	b.mu.Lock()
	b.tokens.tokens = min(b.tokens.max, b.tokens.tokens+b.tokens.refill)
	b.mu.Unlock()
}

// OnFailure records a failed attempt of a retryable kind.
func (b *RetryBudget) OnFailure() {
	if b.tokens == nil {
		return
	}
	b.mu.Lock()
	b.tokens.tokens = max(0, b.tokens.tokens-1)
	b.mu.Unlock()
}

// TryRetry reports whether a retry may be made now, and if so counts it.
func (b *RetryBudget) TryRetry(now time.Time) bool {
	b.mu.Lock()
	defer b.mu.Unlock()
	if b.tokens != nil && b.tokens.tokens <= b.tokens.max/2 {
		return false
	}
	if r := b.recent; r != nil {
		calls, retries := r.counts.Sums(now)
		if retries+1 > r.ratio*calls+r.floor {
			return false
		}
		r.counts.Add(now, 0, 1)
	}
	return true
}

// Tokens returns the token bucket's level (0 when there is none).
func (b *RetryBudget) Tokens() float64 {
	b.mu.Lock()
	defer b.mu.Unlock()
	if b.tokens == nil {
		return 0
	}
	return b.tokens.tokens
}
