// Package retrybudget limits retries across every call of a client, so a
// fleet in trouble does not multiply its load, with explicit time.
package retrybudget

import (
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
//     MinPerSecond*Window so a quiet client can still retry.
type Budget struct {
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

// Tokens is the token-bucket part, resolved: Max tokens, Refill per success.
type Tokens struct{ Max, Refill float64 }

// Recent is the recent-ratio part, resolved: Ratio of the calls begun in the
// last Window, plus MinPerSecond*Window.
type Recent struct {
	Ratio        float64
	Window       time.Duration
	MinPerSecond float64
}

// New builds a budget of the parts given (nil: not used); the token bucket
// starts full. resilience.BudgetConfig documents the parts and their
// defaults, and resilience.New resolves one into these.
func New(tokens *Tokens, recent *Recent) *Budget {
	b := &Budget{}
	if tokens != nil {
		b.tokens = &tokenBudget{max: tokens.Max, refill: tokens.Refill, tokens: tokens.Max}
	}
	if recent != nil {
		b.recent = &recentBudget{
			ratio:  recent.Ratio,
			floor:  recent.MinPerSecond * recent.Window.Seconds(),
			counts: window.New(recent.Window),
		}
	}
	return b
}

// OnCall records that a call began.
func (b *Budget) OnCall(now time.Time) {
	if b.recent == nil {
		return
	}
	b.mu.Lock()
	b.recent.counts.Add(now, 1, 0)
	b.mu.Unlock()
}

// OnSuccess records a successful call.
func (b *Budget) OnSuccess() {
	if b.tokens == nil {
		return
	}
	b.mu.Lock()
	b.tokens.tokens = min(b.tokens.max, b.tokens.tokens+b.tokens.refill)
	b.mu.Unlock()
}

// OnFailure records a failed attempt of a retryable kind.
func (b *Budget) OnFailure() {
	if b.tokens == nil {
		return
	}
	b.mu.Lock()
	b.tokens.tokens = max(0, b.tokens.tokens-1)
	b.mu.Unlock()
}

// TryRetry reports whether a retry may be made now, and if so counts it.
func (b *Budget) TryRetry(now time.Time) bool {
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
func (b *Budget) Tokens() float64 {
	b.mu.Lock()
	defer b.mu.Unlock()
	if b.tokens == nil {
		return 0
	}
	return b.tokens.tokens
}
