package scenarios

import (
	"context"
	"strconv"
	"sync"
	"time"
)

// openLoop is one open-loop client of the live engine: it starts each of its
// logical requests at its arrival time (OpenLoop.arrivals, the draws of the
// sim engine), each on a goroutine of its own, all through the client's one
// Transport and policy, and returns when every call has ended.
func (lr *liveRun) openLoop(ctx context.Context, c *liveClient, _ time.Duration) error {
	var wg sync.WaitGroup
	errs := make(chan error, 1)
	for n, at := range lr.s.Clients.Open.arrivals(lr.seed, c.number) {
		if err := lr.clock.sleepUntil(ctx, at); err != nil {
			break
		}
		wg.Add(1)
		go func() {
			defer wg.Done()
			if err := c.call(ctx, lr, n+1); err != nil {
				select {
				case errs <- err:
				default:
				}
			}
		}()
	}
	wg.Wait()
	select {
	case err := <-errs:
		return err
	default:
	}
	if err := ctx.Err(); err != nil {
		return err
	}
	if b := c.policy.Breaker(); b != nil {
		until := b.OpenUntil(lr.clock.Now())
		lr.mu.Lock()
		lr.ledger.clientDone(&c.ledger, until)
		lr.mu.Unlock()
	}
	return nil
}

// announcedTimeout is the X-Chaos-Timeout the live clients send: their
// attempt timeout in scenario milliseconds, which a queue under abandoned:
// cancel needs to free a place when its client leaves (the sim engine knows
// each attempt's deadline). It is sent only to a queueing server, so other
// runs send what they always did. A last attempt that an overall timeout
// cuts shorter still announces the whole attempt timeout.
func (lr *liveRun) announcedTimeout() string {
	if lr.s.Server.Queue == nil || lr.cfg.Timeout == nil || lr.cfg.Timeout.Attempt <= 0 {
		return ""
	}
	return strconv.FormatFloat(float64(lr.cfg.Timeout.Attempt)/float64(time.Millisecond), 'f', -1, 64)
}
