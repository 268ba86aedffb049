package scenarios

import (
	"context"
	"time"

	"github.com/chaos-harness/chaos/resilience"
)

// scaledClock is a resilience.Clock (and a faultserver.Clock) on which
// scenario time passes 1/k times as fast as real time: with k = 0.1 a
// scenario second takes 100 ms. The live engine's fault server and clients
// run on it, so the script's delays, hangs, phases and slow bodies, and the
// clients' backoffs, Retry-After waits (HTTP-dates included: both sides read
// them on this clock), attempt timeouts and breaker periods, all written in
// scenario time, pass k times faster for real.
type scaledClock struct {
	k      float64
	origin time.Time // scenario time zero, in scenario terms (simEpoch)
	real0  time.Time // real time at scenario time zero
}

func newScaledClock(k float64, real0 time.Time) *scaledClock {
	return &scaledClock{k: k, origin: simEpoch, real0: real0}
}

// from is the clock that runs at c's pace with its scenario time zero at t,
// an instant read from c: the live clients time themselves from the fault
// server's start on it, the origin of t_ms.
func (c *scaledClock) from(t time.Time) *scaledClock {
	return newScaledClock(c.k, c.real0.Add(c.toReal(t.Sub(c.origin))))
}

// Now is the scenario time.
func (c *scaledClock) Now() time.Time {
	return c.origin.Add(c.toScenario(time.Since(c.real0)))
}

// Sleep waits d of scenario time.
func (c *scaledClock) Sleep(ctx context.Context, d time.Duration) error {
	return resilience.RealClock{}.Sleep(ctx, c.toReal(d))
}

// AfterFunc runs f after d of scenario time; the resilience executors use it
// for attempt timeouts.
func (c *scaledClock) AfterFunc(d time.Duration, f func()) (stop func() bool) {
	return time.AfterFunc(c.toReal(d), f).Stop
}

// sleepUntil waits until scenario time t (since the origin).
func (c *scaledClock) sleepUntil(ctx context.Context, t time.Duration) error {
	return c.Sleep(ctx, t-c.toScenario(time.Since(c.real0)))
}

func (c *scaledClock) toReal(d time.Duration) time.Duration {
	return time.Duration(float64(d) * c.k)
}

func (c *scaledClock) toScenario(d time.Duration) time.Duration {
	return time.Duration(float64(d) / c.k)
}
