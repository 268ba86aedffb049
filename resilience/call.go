package resilience

import (
	"net/http"
	"time"

	"github.com/chaos-harness/chaos/resilience/breaker"
	"github.com/chaos-harness/chaos/resilience/internal/delay"
	"github.com/chaos-harness/chaos/resilience/retryafter"
	"github.com/chaos-harness/chaos/resilience/retrybudget"
)

// RequestMeta describes a call to the policy.
type RequestMeta struct {
	// Method is the HTTP method. Only the methods RFC 9110 §9.2.2 defines as
	// idempotent (GET, HEAD, OPTIONS, TRACE, PUT, DELETE), spelled exactly so
	// (method names are case-sensitive), are safe to repeat; any other,
	// including "post", LOCK or MKCOL, is not. An empty Method (a non-HTTP
	// operation run by Do) is taken as safe to repeat.
	Method string
	// Key identifies the request for the stale fallback (method and URL, for
	// example); empty: no stale fallback for this call.
	Key string
	// Idempotent says the request is safe to repeat whatever its method,
	// for example because it carries an Idempotency-Key.
	Idempotent bool
	// OneShot says the request cannot be sent twice (its body cannot be
	// re-read), so it is never retried.
	OneShot bool
	// CallerFallback says the caller has its own fallback, to be used (as
	// FallbackCaller) when no stale value applies.
	CallerFallback bool
}

func (r RequestMeta) repeatable() bool {
	return r.Idempotent || r.Method == "" || idempotentMethod(r.Method)
}

// idempotentMethod reports whether RFC 9110 §9.2.2 defines method as
// idempotent. Method names are case-sensitive (RFC 9110 §9.1): "get" is not
// GET, and is as unknown, so as unsafe, as any extension method.
func idempotentMethod(method string) bool {
	switch method {
	case http.MethodGet, http.MethodHead, http.MethodOptions, http.MethodTrace, http.MethodPut, http.MethodDelete:
		return true
	}
	return false
}

// AttemptOutcome is what became of one attempt, as the driver reports it to Record.
type AttemptOutcome struct {
	// Status is the HTTP status; 0 when there was no response.
	Status int
	// Err is the attempt's error: a transport error, one of the network
	// sentinels (ErrReset ...), a *StatusError, or the operation's error.
	Err error
	// Kind, when set, overrides classification; ClassUnset derives it from
	// Status and Err (see Classify).
	Kind AttemptClass
	// RetryAfter is the raw Retry-After header of the response.
	RetryAfter string
	// Response is the HTTP response, for WithRetryIf predicates; may be nil.
	Response *http.Response
	// Value is a success's result, kept for the stale fallback.
	Value any
}

// Action is what a Step asks the driver to do.
type Action uint8

// Actions.
const (
	// ActionSend: send attempt Step.Attempt within Step.Timeout, then Record.
	ActionSend Action = iota + 1
	// ActionWait: wait Step.Wait, then call Next again.
	ActionWait
	// ActionSucceed: the call succeeded; the last attempt's result stands.
	ActionSucceed
	// ActionGiveUp: the call failed for good with Step.Err (*GiveUpError).
	ActionGiveUp
	// ActionFallback: answer with the fallback Step.Fallback; Step.Err is the
	// failure it replaces.
	ActionFallback
	// ActionAwait (hedging only): attempts are in flight; report the next
	// answer with ReportAttempt, or call Next again after Step.Wait when it
	// is not 0 (a hedge is due then), whichever comes first.
	ActionAwait
)

var actionNames = [...]string{"", "send", "wait", "succeed", "give_up", "fallback", "await"}

func (a Action) String() string {
	if int(a) < len(actionNames) {
		return actionNames[a]
	}
	return "unknown"
}

// FallbackSource says where a fallback answer comes from.
type FallbackSource uint8

// Fallback sources, in the order they are tried.
const (
	FallbackNone FallbackSource = iota
	// FallbackStale is the last good value of the request key (Step.Value).
	FallbackStale
	// FallbackCaller is the caller's own fallback (RequestMeta.CallerFallback).
	FallbackCaller
	// FallbackStatic is the configured static response (Step.Static).
	FallbackStatic
)

func (s FallbackSource) String() string {
	return [...]string{"none", "stale", "caller", "static"}[min(int(s), 3)]
}

// Step is the driver's next move.
type Step struct {
	Action Action
	// Attempt is the attempt number, 1 for the first (X-Chaos-Attempt).
	Attempt int
	// Timeout bounds the attempt (ActionSend); 0 is no bound.
	Timeout time.Duration
	// Wait is how long to wait (ActionWait).
	Wait time.Duration
	// Err is the final failure (ActionGiveUp, ActionFallback).
	Err error
	// Fallback, Value, Age and Static describe an ActionFallback.
	Fallback FallbackSource
	Value    any
	Age      time.Duration
	Static   *StaticResponse

	// Hedging (hedge.go).
	// Hedge marks an ActionSend that is a hedge: another attempt while
	// earlier ones are in flight.
	Hedge bool
	// HedgeAfter, on an ActionSend, asks the driver to call Next again once
	// this long has passed without an answer, for a hedge; 0: no hedge.
	HedgeAfter time.Duration
}

type callPhase uint8

const (
	phaseGates    callPhase = iota // passing gates before an attempt
	phaseWaiting                   // waiting until at
	phaseInFlight                  // an attempt was sent; Record is due
	phaseDone                      // final holds the last step
)

// Call is one logical request driven step by step with explicit time:
//
//	call := p.Begin(now, meta)
//	for step := call.Next(now); ; step = call.Next(now) {
//		switch step.Action {
//		case ActionSend: // perform attempt step.Attempt, then call.Report(now, outcome)
//		case ActionWait: // let step.Wait pass
//		default:         // ActionSucceed, ActionGiveUp or ActionFallback: done
//		}
//	}
//
// The real-time executors and the simulator both drive Calls, so the
// composition of the policies is written once, here. A Call is used by one
// goroutine; its Policy may serve many Calls at once.
type Call struct {
	p *Policy
	// deadline and at are instants as durations since the policy's epoch
	// (Policy.since): one word each instead of a time.Time's three. The
	// deadline holds only when the policy has an overall timeout. at is,
	// while the call waits (phaseWaiting), when it may go on, and while an
	// attempt is in flight, when that attempt was sent (which replace
	// reads). A simulated fleet holds a Call per client in flight, so its
	// size is the fleet's memory (docs/PERFORMANCE.md, issue 16).
	deadline time.Duration
	at       time.Duration
	prev     time.Duration // the backoff's previous delay
	// lastFail is the latest attempt's error until the call is done, then
	// the final step's error (which is all the Call reads of it then).
	lastFail error
	outerT   breaker.Ticket
	innerT   breaker.Ticket
	grant    retrybudget.Grant // what the budget granted the attempt in flight
	// x holds what only some policies use (hedging, a backoff with
	// history, replacement) or only some calls have (a key, a fallback
	// answer); nil until one of them needs it.
	x          *callExtra
	attempt    int32
	retries    int32
	lastStatus int32 // the latest attempt's status
	phase      callPhase
	done       Action // the final step's action, once phaseDone
	lastKind   AttemptClass
	bits       callBits // flags, and the gates passed (gate)
}

// callBits are a Call's flags, and in its top bits how many gates of the
// current round it has passed: one byte, which keeps a Call at 88 bytes.
type callBits uint8

const (
	bitStarted   callBits = 1 << iota // outer gates passed
	bitReplacing                      // the next attempt replaces a late answer (replace.go)
	// What the Call keeps of its RequestMeta besides the key.
	bitOneShot
	bitRepeatable
	bitCallerFallback

	gateShift = iota // the gates passed, 0 to 2 (gates holds at most 2)
)

func (c *Call) has(b callBits) bool { return c.bits&b != 0 }

func (c *Call) set(b callBits, on bool) {
	if on {
		c.bits |= b
	} else {
		c.bits &^= b
	}
}

// gate is how many gates of the current round the call has passed.
func (c *Call) gate() int { return int(c.bits >> gateShift) }

func (c *Call) setGate(n int) { c.bits = c.bits&(1<<gateShift-1) | callBits(n)<<gateShift }

// callExtra is the part of a Call only some policies or calls need.
type callExtra struct {
	key      string     // RequestMeta.Key, when not empty
	hedge    hedgeState // with hedging
	state    float64    // a backoff.HistoryStrategy's state
	replaced int32      // late answers replaced so far
	answer   *Step      // the final step when it is a fallback answer
}

// extra returns the Call's extension, allocating it on first use.
func (c *Call) extra() *callExtra {
	if c.x == nil {
		c.x = &callExtra{}
	}
	return c.x
}

// key is the call's RequestMeta.Key.
func (c *Call) key() string {
	if c.x == nil {
		return ""
	}
	return c.x.key
}

// hedging reports whether the Call hedges (its extension holds the round).
func (c *Call) hedging() bool { return c.p.hedge != nil }

// hasDeadline reports whether the call has an overall deadline.
func (c *Call) hasDeadline() bool { return c.p.overall > 0 }

// pastDeadline reports whether the deadline, if any, has come at now.
func (c *Call) pastDeadline(now time.Duration) bool {
	return c.hasDeadline() && now >= c.deadline
}

// setLast keeps what the Call needs of its latest attempt's outcome.
func (c *Call) setLast(o AttemptOutcome) {
	c.lastFail, c.lastStatus, c.lastKind = o.Err, int32(o.Status), o.Kind
}

// lastOutcome is the latest attempt's outcome as the breaker reads it.
func (c *Call) lastOutcome() AttemptOutcome {
	return AttemptOutcome{Status: int(c.lastStatus), Err: c.lastFail, Kind: c.lastKind}
}

// final is the step that ended the call; phase must be phaseDone.
func (c *Call) final() Step {
	if c.x != nil && c.x.answer != nil {
		return *c.x.answer
	}
	return Step{Action: c.done, Attempt: int(c.attempt), Err: c.lastFail}
}

// end ends the call with step (whose Attempt is c.attempt).
func (c *Call) end(step Step) {
	c.phase, c.done, c.lastFail = phaseDone, step.Action, step.Err
	if step.Action == ActionFallback {
		answer := step // only a fallback's step goes to the heap
		c.extra().answer = &answer
	}
}

// Begin starts a call at now.
func (p *Policy) Begin(now time.Time, req RequestMeta) Call {
	p.counters.requests.Add(1)
	if p.budget != nil {
		p.budget.OnCall(now)
	}
	c := Call{p: p}
	c.set(bitOneShot, req.OneShot)
	c.set(bitRepeatable, req.repeatable())
	c.set(bitCallerFallback, req.CallerFallback)
	if req.Key != "" || p.hedge != nil || p.replace != nil || p.retry.history != nil {
		c.x = &callExtra{key: req.Key}
	}
	if p.overall > 0 {
		c.deadline = p.since(now) + p.overall
	}
	return c
}

// Attempts returns how many attempts have been sent.
func (c *Call) Attempts() int { return int(c.attempt) }

// Next returns what to do at now.
func (c *Call) Next(now time.Time) Step {
	switch c.phase {
	case phaseDone:
		return c.final()
	case phaseInFlight:
		if c.hedging() {
			return c.nextHedge(now)
		}
		return Step{Action: ActionGiveUp, Attempt: int(c.attempt), Err: errMisuse}
	case phaseWaiting:
		if t := c.p.since(now); t < c.at {
			return Step{Action: ActionWait, Attempt: int(c.attempt), Wait: c.at - t}
		}
		c.phase = phaseGates
	}
	if c.pastDeadline(c.p.since(now)) {
		if c.has(bitReplacing) { // no time left for the replacement: the late answer stands
			return c.lateStands(now)
		}
		return c.finish(now, ReasonDeadline, ClassTimeout, ErrDeadline, true)
	}
	if !c.has(bitStarted) {
		if step, blocked := c.passGates(now, &c.p.outer, &c.outerT); blocked {
			return step
		}
		c.set(bitStarted, true)
		c.setGate(0)
	}
	if step, blocked := c.passGates(now, &c.p.inner, &c.innerT); blocked {
		return step
	}
	c.setGate(0)
	c.attempt++
	c.phase = phaseInFlight
	c.at = c.p.since(now)
	c.set(bitReplacing, false)
	c.p.counters.attempts.Add(1)
	c.p.emit(Event{Kind: EventAttempt, At: now, Key: c.key(), Attempt: int(c.attempt)})
	step := Step{Action: ActionSend, Attempt: int(c.attempt), Timeout: c.attemptTimeout(now)}
	if c.hedging() {
		c.startRound(now, &step)
	}
	return step
}

// attemptTimeout bounds an attempt sent at now: the attempt timeout, or the
// time left before the deadline when that is shorter.
func (c *Call) attemptTimeout(now time.Time) time.Duration {
	timeout := c.p.attempt
	if c.hasDeadline() {
		if left := c.deadline - c.p.since(now); timeout == 0 || left < timeout {
			timeout = left
		}
	}
	return timeout
}

// passGates passes the gates of set from c.gate() on; blocked is true when a
// gate asks to wait or refuses, and step says which.
func (c *Call) passGates(now time.Time, set *gates, ticket *breaker.Ticket) (step Step, blocked bool) {
	for ; c.gate() < set.n; c.setGate(c.gate() + 1) {
		switch set.g[c.gate()] {
		case gateBreaker:
			t, err := c.p.breaker.Allow(now)
			if err != nil {
				c.p.counters.rejections.Add(1)
				if c.has(bitReplacing) { // the replacement is refused: the late answer stands
					return c.lateStands(now), true
				}
				return c.finish(now, ReasonBreakerOpen, ClassRejected, ErrBreakerOpen, true), true
			}
			*ticket = t
		case gateLimiter:
			maxWait := c.p.limit.maxWait
			if c.hasDeadline() {
				if left := c.deadline - c.p.since(now); maxWait < 0 || left < maxWait {
					maxWait = left
				}
			}
			wait, ok := c.p.reserve(now, maxWait)
			if !ok {
				c.p.counters.rateLimited.Add(1)
				c.p.emit(Event{Kind: EventRateLimited, At: now, Key: c.key(), Attempt: int(c.attempt) + 1, Err: ErrRateLimited})
				if c.has(bitReplacing) {
					return c.lateStands(now), true
				}
				return c.finish(now, ReasonRateLimited, ClassRejected, ErrRateLimited, true), true
			}
			if wait > 0 {
				c.setGate(c.gate() + 1) // the token is ours; resume after this gate
				c.p.counters.rateLimited.Add(1)
				c.p.emit(Event{Kind: EventRateLimited, At: now, Key: c.key(), Attempt: int(c.attempt) + 1, Delay: wait})
				c.phase, c.at = phaseWaiting, c.p.since(now)+wait
				return Step{Action: ActionWait, Attempt: int(c.attempt), Wait: wait}, true
			}
		}
	}
	return Step{}, false
}

// Report reports the outcome of the attempt Next asked for, at now (with
// hedging, of the earliest attempt in flight; see ReportAttempt).
func (c *Call) Report(now time.Time, o AttemptOutcome) {
	if c.hedging() && len(c.x.hedge.flights) > 0 {
		c.ReportAttempt(now, c.x.hedge.flights[0].attempt, o)
		return
	}
	c.report(now, o)
}

func (c *Call) report(now time.Time, o AttemptOutcome) {
	if c.phase != phaseInFlight {
		return
	}
	o.resolve()
	c.setLast(o)
	p := c.p
	if p.adaptive != nil && o.Kind != ClassCanceled {
		p.adaptive.Update(now, p.throttle.Matches(o.Kind, o.Status))
	}
	if o.Kind == ClassOK {
		if c.late(now) {
			c.replaceLate(now, o)
			return
		}
		c.succeed(now, o)
		return
	}
	p.recordBreaker(now, &c.innerT, o)
	p.emit(Event{Kind: EventAttemptFailed, At: now, Key: c.key(), Attempt: c.answered(),
		Outcome: o.Kind, Status: o.Status, Err: o.Err})
	if o.Kind == ClassCanceled {
		c.finish(now, ReasonCanceled, o.Kind, c.lastErr(), false)
		return
	}
	transient := p.transient(o)
	if transient && p.budget != nil {
		p.budget.OnFailure()
	}
	switch {
	case !transient:
		c.finish(now, ReasonNotRetryable, o.Kind, c.lastErr(), false)
		return
	case c.has(bitOneShot):
		c.finish(now, ReasonOneShot, o.Kind, c.lastErr(), true)
		return
	case !c.has(bitRepeatable) && !p.retry.nonIdempotent && o.Kind != ClassRefused:
		c.finish(now, ReasonNotIdempotent, o.Kind, c.lastErr(), true)
		return
	case int(c.retries) >= p.retry.maxRetries:
		c.finish(now, ReasonExhausted, o.Kind, c.lastErr(), true)
		return
	}
	delay, fromRA, tooLong := c.delay(now, o)
	if tooLong != nil {
		c.finish(now, ReasonRetryAfter, o.Kind, tooLong, true)
		return
	}
	if c.pastDeadline(p.since(now) + delay) {
		c.finish(now, ReasonDeadline, o.Kind, ErrDeadline, true)
		return
	}
	if p.budget != nil {
		g, ok := p.budget.Retry(now, retryCause(o))
		if !ok {
			p.counters.budgetExhausted.Add(1)
			p.emit(Event{Kind: EventBudgetExhausted, At: now, Key: c.key(), Attempt: int(c.attempt), Err: ErrBudgetExhausted})
			c.finish(now, ReasonBudget, o.Kind, ErrBudgetExhausted, true)
			return
		}
		c.grant = g
	}
	c.retries++
	p.counters.retries.Add(1)
	p.emit(Event{Kind: EventRetry, At: now, Key: c.key(), Attempt: int(c.attempt), Delay: delay,
		FromRetryAfter: fromRA, Outcome: o.Kind, Status: o.Status})
	c.phase, c.at = phaseWaiting, p.since(now)+delay
}

// succeed ends the call at now with the success o, the last attempt's.
func (c *Call) succeed(now time.Time, o AttemptOutcome) Step {
	p := c.p
	p.recordBreaker(now, &c.innerT, o)
	if p.stale != nil && c.key() != "" {
		p.stale.put(c.key(), now, o.Value)
	}
	return c.succeeded(now, o.Status)
}

// succeeded ends the call with a success whose status is status, once the
// inner breaker and the stale cache have learned the answer.
func (c *Call) succeeded(now time.Time, status int) Step {
	p := c.p
	p.recordBreaker(now, &c.outerT, AttemptOutcome{Status: status, Kind: ClassOK})
	if p.budget != nil {
		p.budget.Succeeded(c.grant)
	}
	p.counters.succeeded.Add(1)
	p.emit(Event{Kind: EventSuccess, At: now, Key: c.key(), Attempt: c.answered(), Status: status, Outcome: ClassOK})
	c.end(Step{Action: ActionSucceed, Attempt: int(c.attempt)})
	return c.final()
}

// retryCause is what failed an attempt, as the AWS quota charges it.
func retryCause(o AttemptOutcome) retrybudget.Cause {
	switch {
	case o.Kind == ClassTimeout:
		return retrybudget.CauseTimeout
	case o.Status == http.StatusTooManyRequests:
		return retrybudget.CauseThrottle
	}
	return retrybudget.CauseFailure
}

// transient reports whether the retry policy would retry this failure: the
// predicate's verdict, else the `on` list.
func (p *Policy) transient(o AttemptOutcome) bool {
	if p.retryIf != nil {
		switch p.retryIf(o) {
		case DecideRetry:
			return true
		case DecideStop:
			return false
		}
	}
	return p.retry.on.Matches(o.Kind, o.Status)
}

// delay is the wait before the next retry: the server's Retry-After when
// honoured and valid (over the maximum: a failure, or the maximum when
// clamped), otherwise the backoff's delay; in floor mode the larger of the
// two. The backoff's own sequence (prev) is its draw, whatever was waited.
func (c *Call) delay(now time.Time, o AttemptOutcome) (d time.Duration, fromRA bool, tooLong error) {
	r := &c.p.retry
	var asked time.Duration
	if r.honor && o.RetryAfter != "" {
		if a, ok := retryafter.Parse(o.RetryAfter, now); ok {
			if a > r.raMax {
				if !r.clamp {
					return 0, true, &RetryAfterError{Asked: a, Max: r.raMax}
				}
				a = r.raMax
			}
			if r.raJitter > 0 {
				c.p.rngMu.Lock()
				a += delay.UniformInt(0, r.raJitter, c.p.rng)
				c.p.rngMu.Unlock()
			}
			if !r.floor {
				return a, true, nil
			}
			asked, fromRA = a, true
		}
	}
	c.p.rngMu.Lock()
	if r.history != nil {
		d = r.history.DelayState(int(c.retries)+1, c.prev, &c.x.state, c.p.rng)
	} else {
		d = r.backoff.Delay(int(c.retries)+1, c.prev, c.p.rng)
	}
	c.p.rngMu.Unlock()
	c.prev = d
	if fromRA && asked > d {
		return asked, true, nil
	}
	return d, false, nil
}

func (p *Policy) recordBreaker(now time.Time, t *breaker.Ticket, o AttemptOutcome) {
	if !t.Valid() {
		return
	}
	r := breaker.Success
	switch {
	case o.Kind == ClassCanceled || o.Kind == ClassRejected:
		r = breaker.Ignore
	case o.Kind != ClassOK && p.tripOn.Matches(o.Kind, o.Status):
		r = breaker.Failure
	}
	p.breaker.Report(now, *t, r)
	*t = breaker.Ticket{}
}

// lastErr is the last attempt's failure as an error.
func (c *Call) lastErr() error {
	if c.lastFail != nil {
		return c.lastFail
	}
	return &StatusError{Code: int(c.lastStatus)}
}

// Abort ends the call at now because its caller gave up (cancellation),
// releasing any breaker admission it holds. It returns the final step.
func (c *Call) Abort(now time.Time, err error) Step {
	switch c.phase {
	case phaseDone:
		return c.final()
	case phaseInFlight:
		if c.hedging() {
			c.cancelFlights(now, false)
		}
		c.report(now, AttemptOutcome{Err: err, Kind: ClassCanceled})
		return c.final()
	}
	return c.finish(now, ReasonCanceled, ClassCanceled, err, false)
}

// finish ends the call with a failure; eligible says whether a fallback may
// answer it (transient failures and rejections, not definite answers).
func (c *Call) finish(now time.Time, reason Reason, kind AttemptClass, err error, eligible bool) Step {
	p := c.p
	// An outer breaker learns how the whole call went: its last attempt's
	// outcome, or nothing if none was sent or the caller gave up.
	callOutcome := AttemptOutcome{Kind: ClassCanceled}
	if c.attempt > 0 && reason != ReasonCanceled {
		callOutcome = c.lastOutcome()
	}
	p.recordBreaker(now, &c.innerT, AttemptOutcome{Kind: ClassCanceled}) // an admission never sent
	p.recordBreaker(now, &c.outerT, callOutcome)
	gaveUp := &GiveUpError{Attempts: int(c.attempt), Reason: reason, Kind: kind, Status: int(c.lastStatus), Err: err}
	step := Step{Action: ActionGiveUp, Attempt: int(c.attempt), Err: gaveUp}
	if eligible {
		c.fallback(now, &step)
	}
	p.counters.failed.Add(1)
	p.emit(Event{Kind: EventGaveUp, At: now, Key: c.key(), Attempt: int(c.attempt), Outcome: kind,
		Status: int(c.lastStatus), Err: gaveUp})
	if step.Action == ActionFallback {
		p.counters.fallbacks.Add(1)
		p.emit(Event{Kind: EventFallback, At: now, Key: c.key(), Attempt: int(c.attempt),
			Fallback: step.Fallback, Age: step.Age, Err: gaveUp})
	}
	c.end(step)
	return step
}

// fallback turns step into a fallback answer when one is available:
// stale value, then the caller's own, then the static response.
func (c *Call) fallback(now time.Time, step *Step) {
	p := c.p
	if p.stale != nil && c.key() != "" {
		if v, age, ok := p.stale.get(c.key(), now); ok {
			step.Action, step.Fallback, step.Value, step.Age = ActionFallback, FallbackStale, v, age
			return
		}
	}
	if c.has(bitCallerFallback) {
		step.Action, step.Fallback = ActionFallback, FallbackCaller
		return
	}
	if p.static != nil {
		step.Action, step.Fallback, step.Static = ActionFallback, FallbackStatic, p.static
	}
}
