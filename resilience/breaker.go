package resilience

import (
	"math"
	"sync"
	"time"

	"github.com/chaos-harness/chaos/resilience/internal/delay"
)

// BreakerState is the state of a circuit breaker.
type BreakerState uint8

// Breaker states.
const (
	BreakerClosed BreakerState = iota
	BreakerOpen
	BreakerHalfOpen
)

func (s BreakerState) String() string {
	switch s {
	case BreakerClosed:
		return "closed"
	case BreakerOpen:
		return "open"
	case BreakerHalfOpen:
		return "half_open"
	}
	return "unknown"
}

// BreakerChange is one state transition. At is when it took effect: for the
// lazy open -> half-open transition that is the end of the open period, even
// when it is noticed later, so time spent open can be summed exactly.
type BreakerChange struct {
	From, To BreakerState
	At       time.Time
}

// BreakerResult is what the protected call amounted to for the breaker.
type BreakerResult uint8

// Breaker results.
const (
	// BreakerSuccess resets the failure count (closed) or counts toward
	// closing (half-open).
	BreakerSuccess BreakerResult = iota
	// BreakerFailure counts toward tripping (closed) or reopens (half-open).
	BreakerFailure
	// BreakerIgnore releases the admission without counting, for a call the
	// caller abandoned (its own cancellation).
	BreakerIgnore
)

// BreakerTicket is an admission by Allow, handed back to Record. Results of
// calls admitted in an earlier generation (before the last transition) are
// ignored, so a slow call from before a trip cannot close the breaker.
type BreakerTicket struct {
	gen   uint64
	probe bool
	valid bool
}

// Breaker is a circuit breaker with explicit time: Allow(now) before the
// protected call, Record(now, ticket, result) after it. Transitions are
// computed lazily when it is called: no goroutines, no timers. Its lock is
// held only inside Allow, Record and State, never while the call runs, and
// OnChange runs after the lock is released.
type Breaker struct {
	mu   sync.Mutex
	s    breakerSettings
	st   BreakerState
	gen  uint64
	fail int           // consecutive failures while closed
	win  slidingCounts // a: failures, b: total, while closed
	// openUntil is when the current open period ends; opens counts opens
	// since the last close, for a growing open duration.
	openUntil        time.Time
	opens            int
	probes, probesOK int
	trips            int64
	onChange         func(BreakerChange)
}

type breakerSettings struct {
	failures        int
	ratio           float64
	window          time.Duration
	minRequests     int
	open, openMax   time.Duration
	openMultiplier  float64
	probes, success int
}

// NewBreaker builds a breaker from its configuration (zero fields are the
// documented defaults). onChange, if not nil, is told of every transition.
func NewBreaker(cfg BreakerConfig, onChange func(BreakerChange)) (*Breaker, error) {
	if ps := (Config{Breaker: &cfg}).Problems(); len(ps) > 0 {
		return nil, ProblemsError(ps)
	}
	s := breakerSettings{
		failures:       cfg.Failures,
		ratio:          cfg.Ratio,
		window:         orDuration(cfg.Window, DefaultBreakerWindow),
		minRequests:    orInt(cfg.MinRequests, DefaultBreakerMinRequest),
		open:           orDuration(cfg.Open, DefaultBreakerOpen),
		openMultiplier: orFloat(cfg.OpenMultiplier, 1),
		probes:         orInt(cfg.HalfOpenProbes, 1),
	}
	if s.failures == 0 && s.ratio == 0 {
		s.failures = DefaultBreakerFailures
	}
	s.openMax = orDuration(cfg.OpenMax, 10*s.open)
	s.success = orInt(cfg.HalfOpenSuccesses, s.probes)
	return &Breaker{s: s, win: newSlidingCounts(s.window), onChange: onChange}, nil
}

// transitions collects the changes of one operation, to be reported after
// the lock is released.
type transitions struct {
	n  int
	ch [2]BreakerChange
}

func (t *transitions) add(c BreakerChange) {
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

// Allow admits a call or refuses it with ErrBreakerOpen: always while
// closed, never while open, and up to HalfOpenProbes probes while half-open.
func (b *Breaker) Allow(now time.Time) (BreakerTicket, error) {
	var t transitions
	b.mu.Lock()
	b.lazyLocked(now, &t)
	var ticket BreakerTicket
	var err error
	switch b.st {
	case BreakerClosed:
		ticket = BreakerTicket{gen: b.gen, valid: true}
	case BreakerOpen:
		err = ErrBreakerOpen
	case BreakerHalfOpen:
		if b.probes < b.s.probes {
			b.probes++
			ticket = BreakerTicket{gen: b.gen, probe: true, valid: true}
		} else {
			err = ErrBreakerOpen
		}
	}
	b.mu.Unlock()
	b.report(&t)
	return ticket, err
}

// Record reports the result of a call that Allow admitted.
func (b *Breaker) Record(now time.Time, ticket BreakerTicket, r BreakerResult) {
	if !ticket.valid {
		return
	}
	var t transitions
	b.mu.Lock()
	b.lazyLocked(now, &t)
	if ticket.gen == b.gen {
		switch b.st {
		case BreakerClosed:
			b.recordClosedLocked(now, r, &t)
		case BreakerHalfOpen:
			b.recordProbeLocked(now, r, &t)
		}
	}
	b.mu.Unlock()
	b.report(&t)
}

func (b *Breaker) recordClosedLocked(now time.Time, r BreakerResult, t *transitions) {
	ratio := b.s.ratio > 0 // the window is kept only for the ratio trigger
	switch r {
	case BreakerSuccess:
		b.fail = 0
		if ratio {
			b.win.add(now, 0, 1)
		}
	case BreakerFailure:
		b.fail++
		if ratio {
			b.win.add(now, 1, 1)
		}
		if b.tripsLocked(now) {
			b.openLocked(now, t)
		}
	}
}

func (b *Breaker) tripsLocked(now time.Time) bool {
	if b.s.failures > 0 && b.fail >= b.s.failures {
		return true
	}
	if b.s.ratio > 0 {
		failures, total := b.win.sums(now)
		return total >= float64(b.s.minRequests) && failures >= b.s.ratio*total
	}
	return false
}

func (b *Breaker) recordProbeLocked(now time.Time, r BreakerResult, t *transitions) {
	switch r {
	case BreakerFailure:
		b.openLocked(now, t)
	case BreakerSuccess:
		b.probesOK++
		if b.probesOK >= b.s.success {
			b.setLocked(BreakerClosed, now, t)
			b.opens = 0
		}
	case BreakerIgnore:
		b.probes--
	}
}

// openLocked opens the breaker for the (possibly grown) open duration.
func (b *Breaker) openLocked(now time.Time, t *transitions) {
	b.opens++
	d := float64(b.s.open) * math.Pow(b.s.openMultiplier, float64(b.opens-1))
	b.openUntil = now.Add(delay.ClampFloat(d, b.s.openMax))
	b.trips++
	b.setLocked(BreakerOpen, now, t)
}

func (b *Breaker) setLocked(to BreakerState, at time.Time, t *transitions) {
	t.add(BreakerChange{From: b.st, To: to, At: at})
	b.st = to
	b.gen++
	b.fail, b.probes, b.probesOK = 0, 0, 0
	b.win.reset()
}

// lazyLocked performs the open -> half-open transition once its time came.
func (b *Breaker) lazyLocked(now time.Time, t *transitions) {
	if b.st == BreakerOpen && !now.Before(b.openUntil) {
		b.setLocked(BreakerHalfOpen, b.openUntil, t)
	}
}

// State returns the state at now (performing a due transition).
func (b *Breaker) State(now time.Time) BreakerState {
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
	if b.State(now) != BreakerOpen {
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
