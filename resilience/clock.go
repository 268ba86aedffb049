package resilience

import (
	"context"
	"sort"
	"sync"
	"time"
)

// Clock is the source of time for the real-time executor and the RoundTripper.
// Policies themselves never read a clock: they take the time as an argument.
type Clock interface {
	Now() time.Time
	// Sleep waits for d or until ctx is done, whichever comes first, and
	// returns ctx.Err() in the second case. A d <= 0 returns at once.
	Sleep(ctx context.Context, d time.Duration) error
}

// timerClock is implemented by clocks that can run a function after a delay
// without a goroutine per timer; the executor uses it for per-attempt timeouts.
type timerClock interface {
	AfterFunc(d time.Duration, f func()) (stop func() bool)
}

// RealClock is the wall clock. Its zero value is ready to use.
type RealClock struct{}

// Now returns time.Now().
func (RealClock) Now() time.Time { return time.Now() }

// Sleep waits on a timer or the context.
func (RealClock) Sleep(ctx context.Context, d time.Duration) error {
	if d <= 0 {
		return ctx.Err()
	}
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-t.C:
		return nil
	case <-ctx.Done():
		return ctx.Err()
	}
}

// AfterFunc runs f in its own goroutine after d (time.AfterFunc).
func (RealClock) AfterFunc(d time.Duration, f func()) (stop func() bool) {
	return time.AfterFunc(d, f).Stop
}

// VirtualClock is a clock that moves only when told to. Sleepers wake when
// Advance (or Set) moves the time to or past their wake-up time, in wake-up
// order. It is safe for concurrent use. Tests use it so policy timing is exact
// to the nanosecond and takes no wall time.
type VirtualClock struct {
	mu      sync.Mutex
	now     time.Time
	seq     uint64
	waiters []*virtualWaiter // unordered; small in practice
	auto    bool
	changed chan struct{} // closed and replaced whenever the set of waiters changes
}

type virtualWaiter struct {
	at   time.Time
	seq  uint64 // ties wake in arrival order
	fire func() // closes the sleeper's channel, or runs an AfterFunc
	done bool
}

// NewVirtualClock returns a clock that reads start until it is advanced.
func NewVirtualClock(start time.Time) *VirtualClock {
	return &VirtualClock{now: start, changed: make(chan struct{})}
}

// Now returns the virtual time.
func (c *VirtualClock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.now
}

// SetAutoAdvance makes every Sleep move the clock forward by its duration at
// once instead of blocking: a single goroutine driving retries then runs a
// whole schedule instantly, and the clock ends at the exact total wait.
func (c *VirtualClock) SetAutoAdvance(on bool) {
	c.mu.Lock()
	c.auto = on
	c.mu.Unlock()
}

// Sleep blocks until the virtual time reaches Now()+d or ctx is done.
func (c *VirtualClock) Sleep(ctx context.Context, d time.Duration) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	if d <= 0 {
		return nil
	}
	c.mu.Lock()
	if c.auto {
		c.mu.Unlock()
		c.Advance(d)
		return ctx.Err()
	}
	woke := make(chan struct{})
	w := c.addLocked(d, func() { close(woke) })
	c.mu.Unlock()
	select {
	case <-woke:
		return nil
	case <-ctx.Done():
		c.mu.Lock()
		fired := w.done
		c.removeLocked(w)
		c.mu.Unlock()
		if fired {
			return nil
		}
		return ctx.Err()
	}
}

// AfterFunc runs f (in its own goroutine) once the virtual time has advanced
// by d. The returned stop cancels it and reports whether it had not yet fired.
func (c *VirtualClock) AfterFunc(d time.Duration, f func()) (stop func() bool) {
	c.mu.Lock()
	w := c.addLocked(max(d, 0), func() { go f() })
	due := !w.at.After(c.now)
	c.mu.Unlock()
	if due {
		c.Advance(0)
	}
	return func() bool {
		c.mu.Lock()
		defer c.mu.Unlock()
		if w.done {
			return false
		}
		c.removeLocked(w)
		return true
	}
}

// Advance moves the clock forward by d (d < 0 counts as 0) and wakes every
// sleeper whose time has come, earliest first.
func (c *VirtualClock) Advance(d time.Duration) {
	c.mu.Lock()
	c.setLocked(c.now.Add(max(d, 0)))
}

// Set moves the clock to t if t is later than the current time.
func (c *VirtualClock) Set(t time.Time) {
	c.mu.Lock()
	if t.Before(c.now) {
		t = c.now
	}
	c.setLocked(t)
}

// setLocked is called with mu held and releases it.
func (c *VirtualClock) setLocked(t time.Time) {
	c.now = t
	var due []*virtualWaiter
	keep := c.waiters[:0]
	for _, w := range c.waiters {
		if !w.at.After(t) {
			w.done = true
			due = append(due, w)
		} else {
			keep = append(keep, w)
		}
	}
	clear(c.waiters[len(keep):])
	c.waiters = keep
	if len(due) > 0 {
		c.notifyLocked()
	}
	c.mu.Unlock()
	sort.Slice(due, func(i, j int) bool {
		if !due[i].at.Equal(due[j].at) {
			return due[i].at.Before(due[j].at)
		}
		return due[i].seq < due[j].seq
	})
	for _, w := range due {
		w.fire()
	}
}

// Sleepers returns the wake-up delays, from now, of every pending sleeper and
// timer, shortest first. Tests read it to check a wait to the nanosecond.
func (c *VirtualClock) Sleepers() []time.Duration {
	c.mu.Lock()
	defer c.mu.Unlock()
	out := make([]time.Duration, len(c.waiters))
	for i, w := range c.waiters {
		out[i] = w.at.Sub(c.now)
	}
	sort.Slice(out, func(i, j int) bool { return out[i] < out[j] })
	return out
}

// WaitForSleepers blocks until at least n sleepers or timers are pending, or
// ctx is done. It lets a test advance the clock only once the code under test
// has started to wait.
func (c *VirtualClock) WaitForSleepers(ctx context.Context, n int) error {
	for {
		c.mu.Lock()
		count, changed := len(c.waiters), c.changed
		c.mu.Unlock()
		if count >= n {
			return nil
		}
		select {
		case <-changed:
		case <-ctx.Done():
			return ctx.Err()
		}
	}
}

func (c *VirtualClock) addLocked(d time.Duration, fire func()) *virtualWaiter {
	c.seq++
	w := &virtualWaiter{at: c.now.Add(d), seq: c.seq, fire: fire}
	c.waiters = append(c.waiters, w)
	c.notifyLocked()
	return w
}

func (c *VirtualClock) removeLocked(w *virtualWaiter) {
	for i, x := range c.waiters {
		if x == w {
			c.waiters = append(c.waiters[:i], c.waiters[i+1:]...)
			c.notifyLocked()
			return
		}
	}
}

func (c *VirtualClock) notifyLocked() {
	close(c.changed)
	c.changed = make(chan struct{})
}
