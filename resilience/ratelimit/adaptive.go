package ratelimit

import (
	"math"
	"sync"
	"time"
)

// Adaptive is the client-side rate limiter of the AWS SDKs' adaptive retry
// mode (aws-sdk-go-v2 aws/retry's adaptive rate limit, botocore's
// ClientRateLimiter), with explicit time. It lets everything through until
// the first throttle; from then on every attempt takes a token from a
// bucket whose fill rate follows CUBIC (RFC 8312): on a throttle the rate
// drops to Beta times the measured send rate, and after it grows along
// Scale*(t-K)^3 + Wmax back toward, then past, the rate that was throttled.
// The new rate is capped at twice the measured send rate.
type Adaptive struct {
	mu      sync.Mutex
	started bool
	enabled bool // the bucket is used: a throttle has been seen

	fillRate, capacity, tokens float64 // tokens per second; the bucket
	lastRefill                 time.Time

	origin       time.Time // the first use; half-seconds are counted from it
	measured     float64   // smoothed send rate, requests per second
	lastBucket   float64   // start of the current half-second, seconds from origin
	count        float64   // requests counted in it
	lastMaxRate  float64   // Wmax: the rate at the last throttle
	lastThrottle time.Time
	window       float64 // K, seconds
}

// The AWS SDKs' constants of the adaptive rate limiter.
const (
	AdaptiveSmooth      = 0.8 // weight of the latest half-second's rate in the measured rate
	AdaptiveBeta        = 0.7 // the multiplicative decrease on a throttle
	AdaptiveScale       = 0.4 // CUBIC's scaling constant C
	AdaptiveMinFillRate = 0.5 // tokens per second the bucket never falls below
)

// NewAdaptive returns an adaptive limiter that has seen no throttle.
func NewAdaptive() *Adaptive { return &Adaptive{} }

// startLocked sets the origin at the first use. The SDKs count
// half-seconds from the Unix epoch and start at the whole second before
// their creation; counting from the first use only moves the phase of the
// half-seconds, and keeps the arithmetic exact in virtual time.
func (a *Adaptive) startLocked(now time.Time) {
	if !a.started {
		a.started = true
		a.origin, a.lastThrottle = now, now
	}
}

// Reserve takes one token and returns how long the caller must wait before
// sending (0: now), as Bucket.Reserve does: a reservation may take the
// bucket below zero, and when the wait would exceed maxWait (< 0: no bound)
// nothing is taken and ok is false. Before the first throttle it never
// waits.
func (a *Adaptive) Reserve(now time.Time, maxWait time.Duration) (wait time.Duration, ok bool) {
	a.mu.Lock()
	defer a.mu.Unlock()
	a.startLocked(now)
	if !a.enabled {
		return 0, true
	}
	a.refillLocked(now)
	a.tokens--
	if a.tokens >= 0 {
		return 0, true
	}
	wait = time.Duration(math.Ceil(-a.tokens / a.fillRate * float64(time.Second)))
	if maxWait >= 0 && wait > maxWait {
		a.tokens++
		return 0, false
	}
	return wait, true
}

// Update reports an attempt's response at now: throttled says the server
// asked the client to slow down.
func (a *Adaptive) Update(now time.Time, throttled bool) {
	a.mu.Lock()
	defer a.mu.Unlock()
	a.startLocked(now)
	a.measureLocked(now)
	var rate float64
	if throttled {
		use := a.measured
		if a.enabled {
			use = math.Min(a.measured, a.fillRate)
		}
		a.lastMaxRate = use
		a.windowLocked()
		a.lastThrottle = now
		rate = use * AdaptiveBeta
		a.enabled = true
	} else {
		a.windowLocked()
		dt := now.Sub(a.lastThrottle).Seconds()
		rate = AdaptiveScale*math.Pow(dt-a.window, 3) + a.lastMaxRate
	}
	a.setRateLocked(now, math.Min(rate, 2*a.measured))
}

// windowLocked is CUBIC's K = cbrt(Wmax*(1-Beta)/Scale), the time the rate
// takes to grow back to Wmax.
func (a *Adaptive) windowLocked() {
	a.window = math.Cbrt(a.lastMaxRate * (1 - AdaptiveBeta) / AdaptiveScale)
}

// measureLocked counts a request in its half-second and, when a new
// half-second began, folds the last one's rate into the measured rate.
func (a *Adaptive) measureLocked(now time.Time) {
	bucket := float64(now.Sub(a.origin)/(time.Second/2)) / 2
	a.count++
	if bucket > a.lastBucket {
		current := a.count / (bucket - a.lastBucket)
		a.measured = current*AdaptiveSmooth + a.measured*(1-AdaptiveSmooth)
		a.count = 0
		a.lastBucket = bucket
	}
}

// setRateLocked refills at the old rate up to now, then sets the new rate
// (at least AdaptiveMinFillRate) and the bucket's size to one second of it
// (at least one token, so a slow rate still lets one request through).
func (a *Adaptive) setRateLocked(now time.Time, rate float64) {
	a.refillLocked(now)
	a.fillRate = math.Max(rate, AdaptiveMinFillRate)
	a.capacity = math.Max(rate, 1)
	a.tokens = math.Min(a.tokens, a.capacity)
}

func (a *Adaptive) refillLocked(now time.Time) {
	if a.lastRefill.IsZero() {
		a.lastRefill = now
		return
	}
	if now.After(a.lastRefill) {
		a.tokens = math.Min(a.capacity, a.tokens+now.Sub(a.lastRefill).Seconds()*a.fillRate)
		a.lastRefill = now
	}
}

// Rate returns the bucket's fill rate in tokens per second, and whether the
// bucket is in use (a throttle has been seen).
func (a *Adaptive) Rate() (perSecond float64, enabled bool) {
	a.mu.Lock()
	defer a.mu.Unlock()
	return a.fillRate, a.enabled
}

// Measured returns the smoothed measured send rate, requests per second.
func (a *Adaptive) Measured() float64 {
	a.mu.Lock()
	defer a.mu.Unlock()
	return a.measured
}
