package scenarios

import (
	"time"

	"github.com/chaos-harness/chaos/resilience"
)

// simClient is one client of the simulated fleet: its own policy (built when
// it starts, dropped when it is done), the logical request in progress and
// the attempt in flight.
type simClient struct {
	key       string // X-Chaos-Client: c1, c2, ...
	policy    *resilience.Policy
	call      resilience.Call
	inCall    bool
	logical   int32  // logical requests begun
	request   string // the current one's id: c17/3
	began     time.Duration
	attemptNo int32
	version   uint64 // the row version the last read returned
	attempt   simAttempt
	spans     *breakerSpans // set when the policy has a breaker
	openSince time.Time     // when this client's breaker last opened
	open      bool
}

// Observe collects the client's breaker transitions; the policy calls it
// synchronously on the simulator's goroutine.
func (c *simClient) Observe(e resilience.Event) {
	if e.Kind != resilience.EventBreaker {
		return
	}
	switch {
	case e.Change.To == resilience.BreakerOpen && !c.open:
		c.open, c.openSince = true, e.Change.At
	case e.Change.From == resilience.BreakerOpen && e.Change.To != resilience.BreakerOpen && c.open:
		c.open = false
		c.spans.add(c.openSince.Sub(simEpoch), e.Change.At.Sub(simEpoch))
	}
}
