// Package ratelimit is the client-side token bucket of resilience policies
// (Bucket) and the AWS SDKs' adaptive client rate limiter (Adaptive), with
// explicit time so the simulator drives them in virtual time.
package ratelimit

import (
	"fmt"
	"math"
	"sync"
	"time"
)

// Bucket is a client-side token bucket with explicit time: rate tokens
// per second refill a bucket of burst tokens. A reservation may take the
// bucket below zero; the caller then waits until its token has refilled, so
// waiters are served in order without a queue.
type Bucket struct {
	mu      sync.Mutex
	rate    float64 // tokens per nanosecond
	burst   float64
	tokens  float64
	last    time.Time
	started bool
}

// New returns a full bucket. rate is tokens per second (> 0),
// burst the bucket size (>= 1).
func New(rate float64, burst int) (*Bucket, error) {
	if !(rate > 0) || math.IsInf(rate, 0) {
		return nil, fmt.Errorf("rate limit: rate must be a finite number > 0, got %v", rate)
	}
	if burst < 1 {
		return nil, fmt.Errorf("rate limit: burst must be 1 or more, got %d", burst)
	}
	return &Bucket{rate: rate / float64(time.Second), burst: float64(burst), tokens: float64(burst)}, nil
}

// Reserve takes one token and returns how long the caller must wait before
// using it (0: now). When that wait would exceed maxWait (maxWait < 0: no
// bound) nothing is taken and ok is false.
func (l *Bucket) Reserve(now time.Time, maxWait time.Duration) (wait time.Duration, ok bool) {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.refillLocked(now)
	l.tokens--
	if l.tokens >= 0 {
		return 0, true
	}
	wait = time.Duration(math.Ceil(-l.tokens / l.rate))
	if maxWait >= 0 && wait > maxWait {
		l.tokens++
		return 0, false
	}
	return wait, true
}

// Available returns the tokens in the bucket at now (negative while
// reservations are waiting).
func (l *Bucket) Available(now time.Time) float64 {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.refillLocked(now)
	return l.tokens
}

func (l *Bucket) refillLocked(now time.Time) {
	if !l.started {
		l.started, l.last = true, now
		return
	}
	if now.After(l.last) {
		l.tokens = min(l.burst, l.tokens+float64(now.Sub(l.last))*l.rate)
		l.last = now
	}
}
