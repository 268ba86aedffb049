package faultserver

import (
	"net/http"
	"sync"
	"time"

	"github.com/chaos-harness/chaos/record"
)

// Capacity is the overload model of a server: a concurrency limit and a token
// bucket, on explicit time (elapsed since the server or simulation began), so
// the live server and the simulator drive the same type. It is safe for
// concurrent use.
type Capacity struct {
	limit int     // 0: unlimited
	rate  float64 // tokens per second; 0: unlimited
	burst float64

	mu       sync.Mutex
	inFlight int
	tokens   float64
	last     time.Duration
}

// NewCapacity builds the model of a validated spec (see Spec.Problems).
func NewCapacity(spec CapacitySpec) *Capacity {
	c := &Capacity{limit: spec.Concurrency, rate: spec.Rate, burst: float64(spec.Burst)}
	if c.burst == 0 {
		c.burst = max(1, c.rate) // one second's worth
	}
	c.tokens = c.burst
	return c
}

// Admit takes a slot for a request arriving at now, or reports that the
// server is over capacity: all concurrency slots are taken or the bucket is
// empty. A refused request takes nothing.
func (c *Capacity) Admit(now time.Duration) bool {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.limit > 0 && c.inFlight >= c.limit {
		return false
	}
	if c.rate > 0 {
		// Token bucket: refill at rate per second since the last arrival, up to
		// burst. An arrival stamped earlier than the last (concurrent callers)
		// refills nothing.
		if now > c.last {
			c.tokens = min(c.burst, c.tokens+c.rate*(now-c.last).Seconds())
			c.last = now
		}
		if c.tokens < 1 {
			return false
		}
		c.tokens--
	}
	c.inFlight++
	return true
}

// Release frees the slot of an admitted request that finished at now.
func (c *Capacity) Release(time.Duration) {
	c.mu.Lock()
	if c.inFlight > 0 {
		c.inFlight--
	}
	c.mu.Unlock()
}

// InFlight is the number of admitted requests not yet released.
func (c *Capacity) InFlight() int {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.inFlight
}

// overloadAction compiles the answer to a refused request.
func overloadAction(spec *CapacitySpec) *action {
	status := spec.Status
	if status == 0 {
		status = http.StatusServiceUnavailable
	}
	a := &action{kind: record.FaultOverload, status: status, body: []byte(defaultBody(status))}
	a.shape(&FaultSpec{RetryAfter: spec.RetryAfter, RetryAfterDate: spec.RetryAfterDate})
	return a
}
