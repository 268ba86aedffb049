package breaker

import (
	"cmp"
	"errors"
	"math"
	"sync"
	"time"

	"github.com/chaos-harness/chaos/resilience/internal/delay"
	"github.com/chaos-harness/chaos/resilience/internal/window"
)

// State is the state of a circuit breaker.
type State uint8

// States.
const (
	Closed State = iota
	Open
	HalfOpen
)

func (s State) String() string {
	switch s {
	case Closed:
		return "closed"
	case Open:
		return "open"
	case HalfOpen:
		return "half_open"
	}
	return "unknown"
}

// Change is one state transition. At is when it took effect: for the
// lazy open -> half-open transition that is the end of the open period, even
// when it is noticed later, so time spent open can be summed exactly.
type Change struct {
	From, To State
	At       time.Time
}

// Result is what the protected call amounted to for the breaker.
type Result uint8

// Results.
const (
	// Success resets the failure count (closed) or counts toward
	// closing (half-open).
	Success Result = iota
	// Failure counts toward tripping (closed) or reopens (half-open).
	Failure
	// Ignore releases the admission without counting, for a call the
	// caller abandoned (its own cancellation).
	Ignore
)

// Ticket is an admission by Allow, handed back to Record. Results of
// calls admitted in an earlier generation (before the last transition) are
// ignored, so a slow call from before a trip cannot close the breaker.
type Ticket struct {
	// held is the breaker's generation when it admitted the call, plus 1,
	// in 32 bits (a resilience.Call holds two); 0 for no admission. A call
	// would have to stay in flight over 2^32 transitions for a wrapped
	// generation to be taken for the current one.
	held uint32
}

// Valid reports whether the ticket is an admission (the zero Ticket is none).
func (t Ticket) Valid() bool { return t.held != 0 }

// Breaker is a circuit breaker with explicit time: Allow(now) before the
// protected call, Report(now, ticket, result) after it. Transitions are
// computed lazily when it is called: no goroutines, no timers. Its lock is
// held only inside Allow, Record and State, never while the call runs, and
// OnChange runs after the lock is released.
type Breaker struct {
	mu   sync.Mutex
	s    Settings
	st   State
	gen  uint64
	fail int           // consecutive failures while closed
	win  window.Counts // a: failures, b: total, while closed
	// recent holds the times of the last Failures failures while closed,
	// oldest first, when Within is set.
	recent []time.Time
	// openUntil is when the current open period ends; opens counts opens
	// since the last close, for a growing open duration.
	openUntil        time.Time
	opens            int
	probes, probesOK int
	trips            int64
	onChange         func(Change)
}

// Settings are a breaker's thresholds. As in gobreaker, the zero value of
// each field is its default (resilience.BreakerConfig, which a policy file
// writes, documents the same fields).
type Settings struct {
	// Failures trips on that many consecutive failures. Default
	// DefaultFailures when Ratio is 0; 0 with a Ratio trips on the ratio alone.
	Failures int
	// Ratio, in (0, 1], trips on this failure ratio over Window (default
	// DefaultWindow) once MinRequests (default DefaultMinRequests) calls are
	// in it; 0: not on a ratio.
	Ratio       float64
	Window      time.Duration
	MinRequests int
	// Open is the first open period (default DefaultOpen); each reopening
	// without a close in between multiplies it by OpenMultiplier (default 1,
	// at least 1), up to OpenMax (default 10*Open).
	Open, OpenMax  time.Duration
	OpenMultiplier float64
	// HalfOpenProbes calls (default 1) are let through half-open;
	// HalfOpenSuccesses of them (default HalfOpenProbes) close it, any
	// failure reopens it.
	HalfOpenProbes, HalfOpenSuccesses int

	// N failures within a period (issue 14).
	// Within, when set, makes Failures count the failures within the
	// sliding period Within (successes between them do not reset the
	// count) instead of consecutive failures; 0 keeps consecutive.
	Within time.Duration
}

// Defaults of Settings.
const (
	DefaultFailures    = 5
	DefaultWindow      = 10 * time.Second
	DefaultMinRequests = 10
	DefaultOpen        = 30 * time.Second
)

// ErrOpen is Allow's refusal while the breaker is open, or half-open with
// every probe taken.
var ErrOpen = errors.New("circuit breaker is open")

// ErrSettings is returned by New for settings no breaker can run with.
var ErrSettings = errors.New("breaker: settings must not be negative, Ratio at most 1, OpenMultiplier at least 1, OpenMax at least Open, HalfOpenSuccesses at most HalfOpenProbes")

// New builds a breaker. onChange, if not nil, is told of every transition,
// after the breaker's lock is released.
func New(s Settings, onChange func(Change)) (*Breaker, error) {
	if s.Failures == 0 && s.Ratio == 0 {
		s.Failures = DefaultFailures
	}
	s.Window = cmp.Or(s.Window, DefaultWindow)
	s.MinRequests = cmp.Or(s.MinRequests, DefaultMinRequests)
	s.Open = cmp.Or(s.Open, DefaultOpen)
	s.OpenMultiplier = cmp.Or(s.OpenMultiplier, 1)
	s.OpenMax = cmp.Or(s.OpenMax, 10*s.Open)
	s.HalfOpenProbes = cmp.Or(s.HalfOpenProbes, 1)
	s.HalfOpenSuccesses = cmp.Or(s.HalfOpenSuccesses, s.HalfOpenProbes)
	if s.Failures < 0 || s.Within < 0 || s.Ratio < 0 || s.Ratio > 1 || s.Window < 0 || s.MinRequests < 0 || s.Open < 0 ||
		s.OpenMax < s.Open || s.OpenMultiplier < 1 || s.HalfOpenProbes < 0 ||
		s.HalfOpenSuccesses < 0 || s.HalfOpenSuccesses > s.HalfOpenProbes {
		return nil, ErrSettings
	}
	return &Breaker{s: s, win: window.New(s.Window), onChange: onChange}, nil
}

// transitions collects the changes of one operation, to be reported after
// the lock is released.
type transitions struct {
	n  int
	ch [2]Change
}

func (t *transitions) add(c Change) {
	if t.n < len(t.ch) {
		t.ch[t.n] = c
		t.n++
	}
}

func (b *Breaker) report(t *transitions) {
	if b.onChange == nil {
		return
	}
	for i := 0; i < t.n; i++ {
		b.onChange(t.ch[i])
	}
}

// Allow admits a call or refuses it with ErrOpen: always while
// closed, never while open, and up to HalfOpenProbes probes while half-open.
func (b *Breaker) Allow(now time.Time) (Ticket, error) {
	var t transitions
	b.mu.Lock()
	b.lazyLocked(now, &t)
	var ticket Ticket
	var err error
	switch b.st {
	case Closed:
		ticket = Ticket{held: uint32(b.gen + 1)}
	case Open:
		err = ErrOpen
	case HalfOpen:
		if b.probes < b.s.HalfOpenProbes {
			b.probes++
			ticket = Ticket{held: uint32(b.gen + 1)}
		} else {
			err = ErrOpen
		}
	}
	b.mu.Unlock()
	b.report(&t)
	return ticket, err
}

// Report reports the result of a call that Allow admitted.
func (b *Breaker) Report(now time.Time, ticket Ticket, r Result) {
	if !ticket.Valid() {
		return
	}
	var t transitions
	b.mu.Lock()
	b.lazyLocked(now, &t)
	if ticket.held == uint32(b.gen+1) {
		switch b.st {
		case Closed:
			b.recordClosedLocked(now, r, &t)
		case HalfOpen:
			b.recordProbeLocked(now, r, &t)
		}
	}
	b.mu.Unlock()
	b.report(&t)
}

func (b *Breaker) recordClosedLocked(now time.Time, r Result, t *transitions) {
	ratio := b.s.Ratio > 0 // the window is kept only for the ratio trigger
	switch r {
	case Success:
		if b.s.Within == 0 {
			b.fail = 0
		}
		if ratio {
			b.win.Add(now, 0, 1)
		}
	case Failure:
		b.fail++
		if b.s.Within > 0 && b.s.Failures > 0 {
			b.recordRecentLocked(now)
		}
		if ratio {
			b.win.Add(now, 1, 1)
		}
		if b.tripsLocked(now) {
			b.openLocked(now, t)
		}
	}
}

// recordRecentLocked keeps the last Failures failure times and sets fail
// to how many of them are within the period ending at now.
func (b *Breaker) recordRecentLocked(now time.Time) {
	if len(b.recent) == b.s.Failures {
		b.recent = append(b.recent[:0], b.recent[1:]...)
	}
	b.recent = append(b.recent, now)
	b.fail = 0
	for _, at := range b.recent {
		if now.Sub(at) < b.s.Within {
			b.fail++
		}
	}
}

func (b *Breaker) tripsLocked(now time.Time) bool {
	if b.s.Failures > 0 && b.fail >= b.s.Failures {
		return true
	}
	if b.s.Ratio > 0 {
		failures, total := b.win.Sums(now)
		return total >= float64(b.s.MinRequests) && failures >= b.s.Ratio*total
	}
	return false
}

func (b *Breaker) recordProbeLocked(now time.Time, r Result, t *transitions) {
	switch r {
	case Failure:
		b.openLocked(now, t)
	case Success:
		b.probesOK++
		if b.probesOK >= b.s.HalfOpenSuccesses {
			b.setLocked(Closed, now, t)
			b.opens = 0
		}
	case Ignore:
		b.probes--
	}
}

// openLocked opens the breaker for the (possibly grown) open duration.
func (b *Breaker) openLocked(now time.Time, t *transitions) {
	b.opens++
	d := float64(b.s.Open) * math.Pow(b.s.OpenMultiplier, float64(b.opens-1))
	b.openUntil = now.Add(delay.ClampFloat(d, b.s.OpenMax))
	b.trips++
	b.setLocked(Open, now, t)
}

func (b *Breaker) setLocked(to State, at time.Time, t *transitions) {
	t.add(Change{From: b.st, To: to, At: at})
	b.st = to
	b.gen++
	b.fail, b.probes, b.probesOK = 0, 0, 0
	b.recent = b.recent[:0]
	b.win.Reset()
}

// lazyLocked performs the open -> half-open transition once its time came.
func (b *Breaker) lazyLocked(now time.Time, t *transitions) {
	if b.st == Open && !now.Before(b.openUntil) {
		b.setLocked(HalfOpen, b.openUntil, t)
	}
}

// State returns the state at now (performing a due transition).
func (b *Breaker) State(now time.Time) State {
	var t transitions
	b.mu.Lock()
	b.lazyLocked(now, &t)
	st := b.st
	b.mu.Unlock()
	b.report(&t)
	return st
}

// OpenUntil returns when the current open period ends (zero when not open).
func (b *Breaker) OpenUntil(now time.Time) time.Time {
	if b.State(now) != Open {
		return time.Time{}
	}
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.openUntil
}

// Trips returns how many times the breaker has opened.
func (b *Breaker) Trips() int64 {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.trips
}
