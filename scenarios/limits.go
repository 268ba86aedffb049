package scenarios

import (
	"context"
	"fmt"
	"runtime/debug"
	"runtime/metrics"
	"sync"
	"time"
)

// The limits of Options, by the command-line flag that raises each.
const (
	LimitDuration = "max-duration"
	LimitMemory   = "max-memory"
)

// LimitError is a run refused before it started, or stopped, because it
// would exceed, or exceeded, Options.MaxDuration or Options.MaxMemory. Its
// message gives the figures and how to raise the limit.
type LimitError struct {
	Limit  string // LimitDuration or LimitMemory
	Before bool   // refused from its Estimate, before anything ran
	Msg    string
}

func (e *LimitError) Error() string { return e.Msg }

// Check refuses, with a *LimitError, a run whose estimate does not fit the
// limits of opts. Scenario.Run checks it too; a caller checks it first to refuse a
// run before it has prepared anything.
func (e Estimate) Check(opts Options) error {
	if opts.MaxMemory > 0 && e.Memory > opts.MaxMemory {
		return &LimitError{Limit: LimitMemory, Before: true, Msg: fmt.Sprintf(
			"the run would need about %s of memory (%d clients and %d logical requests per policy, %d policies, engine %s), more than the limit of %s: "+
				"raise it (--max-memory, 0 for none) or run fewer clients or requests",
			FormatByteSize(e.Memory), e.Clients, e.Logical, e.Policies, e.Engine, FormatByteSize(opts.MaxMemory))}
	}
	if opts.MaxDuration > 0 && e.MinRealTime > opts.MaxDuration {
		return &LimitError{Limit: LimitDuration, Before: true, Msg: fmt.Sprintf(
			"a live run would take at least %v of real time (%d policies, each at least %v of scenario time: the last client starts at %v, then makes its requests a think time apart), more than the limit of %v: "+
				"raise it (--max-duration, 0 for none), lower clients.time_scale, or use --engine sim",
			e.MinRealTime.Round(time.Second), e.Policies, e.MinScenarioTime.Round(time.Millisecond), e.LastStart.Round(time.Millisecond), opts.MaxDuration)}
	}
	return nil
}

// memoryInterval is how often a run with MaxMemory looks at its memory.
const memoryInterval = 50 * time.Millisecond

// guard enforces the limits while a run goes on: it cancels the returned
// context with a *LimitError when the run has taken MaxDuration of wall-clock
// time, or when the process's memory in use passes MaxMemory. It also sets
// the garbage collector's soft memory limit a little below MaxMemory for the
// run (process-wide), so garbage is collected before it counts against the
// limit. release undoes both.
func guard(ctx context.Context, opts Options, prog *progress) (context.Context, func()) {
	ctx, cancel := context.WithCancelCause(ctx)
	var stops []func()
	if d := opts.MaxDuration; d > 0 {
		t := time.AfterFunc(d, func() {
			done, total := prog.snapshot()
			cancel(&LimitError{Limit: LimitDuration, Msg: fmt.Sprintf(
				"the run was stopped after %v of wall-clock time, its limit, with %d of %d logical requests done: raise it (--max-duration, 0 for none)",
				d, done, total)})
		})
		stops = append(stops, func() { t.Stop() })
	}
	if m := opts.MaxMemory; m > 0 {
		before := debug.SetMemoryLimit(-1)
		if soft := m / 10 * 9; soft < before {
			debug.SetMemoryLimit(soft)
		}
		stop := make(chan struct{})
		var wg sync.WaitGroup
		wg.Add(1)
		go func() {
			defer wg.Done()
			watchMemory(m, stop, func(used int64) {
				done, total := prog.snapshot()
				cancel(&LimitError{Limit: LimitMemory, Msg: fmt.Sprintf(
					"the run was stopped when it used %s of memory, more than its limit of %s, with %d of %d logical requests done: raise it (--max-memory, 0 for none) or run fewer clients",
					FormatByteSize(used), FormatByteSize(m), done, total)})
			})
		}()
		stops = append(stops, func() {
			close(stop)
			wg.Wait()
			debug.SetMemoryLimit(before)
		})
	}
	return ctx, func() {
		for _, s := range stops {
			s()
		}
		cancel(nil)
	}
}

// watchMemory calls over, once, when the memory in use passes limit; it
// looks every memoryInterval until stop is closed.
func watchMemory(limit int64, stop <-chan struct{}, over func(used int64)) {
	t := time.NewTicker(memoryInterval)
	defer t.Stop()
	for {
		select {
		case <-stop:
			return
		case <-t.C:
			if used := memoryInUse(); used > limit {
				over(used)
				return
			}
		}
	}
}

// memoryInUse is the memory the Go runtime holds from the operating system
// and has not returned to it: close to the process's resident size. Tests
// replace it.
var memoryInUse = func() int64 {
	s := []metrics.Sample{{Name: "/memory/classes/total:bytes"}, {Name: "/memory/classes/heap/released:bytes"}}
	metrics.Read(s)
	return int64(s[0].Value.Uint64() - s[1].Value.Uint64())
}
