package resilience

import (
	"time"

	"github.com/chaos-harness/chaos/problem"
)

// Late-answer replacement (issue 14): the client of Brooker's omission
// model (mbrooker/simulator_example omission/omission.py,
// OpenLoopClientWithTimeout) offers one replacement job whenever a job
// completes more than its timeout after it was created. The caller has
// stopped waiting for such an answer, but the server did the work: the
// late answer is a success for its attempt (the breaker and the stale
// cache learn it), and the call sends a replacement attempt at once, at the
// late answer's time, not at the threshold. A replacement is an attempt
// like any other (it passes the breaker and the rate limit inside retry,
// and a failed one is retried), and it may itself be late and be replaced,
// up to Max replacements per call. It is not a retry: it costs no retry
// and the retry budget is not asked; the budget learns how the call ended.

// ReplaceConfig replaces late answers: a success that arrives more than
// SlowerThan after its attempt was sent is followed by a replacement
// attempt sent at once, up to Max per call.
type ReplaceConfig struct {
	// SlowerThan is how long after its attempt was sent an answer is late;
	// required. It must be shorter than timeout.attempt, or no answer is.
	SlowerThan time.Duration `yaml:"slower_than,omitempty"`
	// Max is the most replacements per call, a replacement's own
	// replacements included. Default 1.
	Max int `yaml:"max,omitempty"`
}

// DefaultReplaceMax is ReplaceConfig.Max when it is not given.
const DefaultReplaceMax = 1

// replaceSettings is the replace section, resolved.
type replaceSettings struct {
	slowerThan time.Duration
	max        int
}

func (r *ReplaceConfig) check(ps *problem.List, c *Config) {
	if r.SlowerThan <= 0 {
		ps.Add("replace.slower_than", "must be more than 0 (how long after its attempt was sent an answer is late), got %v", r.SlowerThan)
	}
	if r.Max < 0 {
		ps.Add("replace.max", "must be 1 or more, got %d", r.Max)
	}
	if t := c.Timeout; t != nil && t.Attempt > 0 && r.SlowerThan >= t.Attempt {
		ps.Add("replace.slower_than", "%v is not below timeout.attempt %v: an attempt that slow times out, so no answer is ever late", r.SlowerThan, t.Attempt)
	}
	if c.Hedge != nil {
		ps.Add("replace", "does not combine with hedge: a hedge already answers a slow attempt")
	}
}

// late reports whether a success reported at now is a late answer to
// replace: the policy replaces, the attempt took more than slower_than, the
// call has replacements left, the request may be sent again, there is time
// left before the call's deadline, and the policy still replaces
// (WithReplaceUntil).
func (c *Call) late(now time.Time) bool {
	r := c.p.replace
	switch {
	case r == nil || c.hedging():
		return false
	case c.p.since(now)-c.at <= r.slowerThan || int(c.x.replaced) >= r.max:
		return false
	case c.has(bitOneShot) || !(c.has(bitRepeatable) || c.p.retry.nonIdempotent):
		return false
	case c.pastDeadline(c.p.since(now)):
		return false
	case !c.p.replaceUntil.IsZero() && !now.Before(c.p.replaceUntil):
		return false
	}
	return true
}

// replaceLate takes the late success o, reported at now, and readies the
// replacement: the next Next passes the inner gates and sends it.
func (c *Call) replaceLate(now time.Time, o AttemptOutcome) {
	p := c.p
	p.recordBreaker(now, &c.innerT, o)
	if p.stale != nil && c.key() != "" {
		p.stale.put(c.key(), now, o.Value)
	}
	c.x.replaced++
	c.set(bitReplacing, true)
	p.counters.replacements.Add(1)
	p.emit(Event{Kind: EventReplace, At: now, Key: c.key(), Attempt: int(c.attempt), Status: o.Status,
		Outcome: ClassOK, Delay: p.since(now) - c.at})
	c.phase = phaseGates
}

// lateStands ends the call with the late answer it could not replace (the
// deadline, the breaker or the rate limit refused the replacement): the
// inner breaker and the stale cache learned it in replaceLate.
func (c *Call) lateStands(now time.Time) Step { return c.succeeded(now, int(c.lastStatus)) }

// Replacements returns how many late answers of the call were replaced.
func (c *Call) Replacements() int {
	if c.x == nil {
		return 0
	}
	return int(c.x.replaced)
}

// WithReplaceUntil stops the policy's calls replacing late answers that
// come at or after t (zero: never): an open-loop caller that has stopped
// offering requests sets it, as Brooker's omission model stops with its
// run.
func WithReplaceUntil(t time.Time) Option { return func(p *Policy) { p.replaceUntil = t } }
