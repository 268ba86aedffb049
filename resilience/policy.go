package resilience

import (
	crand "crypto/rand"
	"encoding/binary"
	"math/rand/v2"
	"slices"
	"sync"
	"time"

	"github.com/chaos-harness/chaos/resilience/backoff"
	"github.com/chaos-harness/chaos/resilience/breaker"
	"github.com/chaos-harness/chaos/resilience/ratelimit"
	"github.com/chaos-harness/chaos/resilience/retrybudget"
)

// Policy is one composed client policy, built from a Config. It owns the
// state shared by the calls of one client: breaker, rate limiter, retry
// budget, stale cache, random source and counters. It is safe for concurrent
// use; each call's own state lives in its Call.
type Policy struct {
	cfg      Config
	name     string
	retry    retrySettings
	breaker  *breaker.Breaker
	limiter  *ratelimit.Bucket
	adaptive *ratelimit.Adaptive // rate_limit mode adaptive, instead of limiter
	throttle attemptSet          // what the adaptive limiter takes as a throttle
	limit    limitSettings
	budget   *retrybudget.Budget
	hedge    *hedgeSettings   // nil: no hedging
	replace  *replaceSettings // nil: late answers are not replaced
	// replaceUntil: late answers at or after it are not replaced (zero: no end).
	replaceUntil time.Time
	stale        *staleCache
	static       *StaticResponse
	attempt      time.Duration // per-attempt timeout, 0: none
	overall      time.Duration // overall timeout, 0: none
	outer        gates         // gates passed once per call, outermost first
	inner        gates         // gates passed before every attempt
	tripOn       attemptSet
	retryIf      func(AttemptOutcome) RetryDecision
	observer     Observer
	clock        Clock
	rngMu        sync.Mutex
	rng          *rand.Rand
	counters     counterSet
	// epoch is the instant a Call's times count from (since); time.Now()
	// when the policy was built, so that times read from the same clock
	// compare by its monotonic reading.
	epoch time.Time
}

// since is t as a Call keeps it: the time from the policy's epoch to t.
// Times more than 292 years from the epoch saturate (time.Time.Sub).
func (p *Policy) since(t time.Time) time.Duration { return t.Sub(p.epoch) }

type retrySettings struct {
	maxRetries    int
	backoff       backoff.Strategy
	history       backoff.HistoryStrategy // backoff, when it carries state beyond prev
	on            attemptSet
	honor         bool // honor or floor
	floor         bool // delay = max(backoff, Retry-After)
	clamp         bool // a Retry-After over raMax waits raMax
	raMax         time.Duration
	raJitter      time.Duration
	nonIdempotent bool
}

type limitSettings struct {
	reject  bool
	maxWait time.Duration // < 0: no bound
}

// gate is a policy an attempt (or a call) passes before it is sent.
type gate uint8

const (
	gateBreaker gate = iota + 1
	gateLimiter
)

type gates struct {
	n int
	g [2]gate
}

// RetryDecision is a retry predicate's verdict.
type RetryDecision int8

// Decisions.
const (
	// DecideDefault leaves the decision to the retry policy's `on` list.
	DecideDefault RetryDecision = iota
	// DecideRetry retries (still subject to idempotency, limits and budget).
	DecideRetry
	// DecideStop does not retry.
	DecideStop
)

// Option configures what a Config cannot say: injected time, randomness,
// observers and predicates.
type Option func(*Policy)

// WithRand sets the random source. Without it New seeds one from
// crypto/rand, so runs are not reproducible; tests and the simulator always
// pass one. The policy serialises its use.
func WithRand(rng *rand.Rand) Option { return func(p *Policy) { p.rng = rng } }

// WithClock sets the clock the executor and RoundTripper use (default
// RealClock). The step driver itself takes time as arguments.
func WithClock(c Clock) Option { return func(p *Policy) { p.clock = c } }

// WithObserver sets the observer of events.
func WithObserver(o Observer) Option { return func(p *Policy) { p.observer = o } }

// WithRetryIf adds a predicate over each failed attempt's AttemptOutcome (with its
// *http.Response in the RoundTripper); DecideDefault defers to `on`.
func WithRetryIf(f func(AttemptOutcome) RetryDecision) Option {
	return func(p *Policy) { p.retryIf = f }
}

// New builds a Policy from cfg, which must have no Problems.
func New(cfg Config, opts ...Option) (*Policy, error) {
	if ps := cfg.Problems(); len(ps) > 0 {
		return nil, ProblemsError(ps)
	}
	p := &Policy{cfg: cfg, name: cfg.Name, clock: RealClock{}, epoch: time.Now()}
	for _, o := range opts {
		o(p)
	}
	if p.rng == nil {
		p.rng = seededRand()
	}
	if err := p.buildRetry(cfg.Retry); err != nil {
		return nil, err
	}
	if b := cfg.Breaker; b != nil {
		br, err := breaker.New(b.settings(), p.breakerChanged)
		if err != nil {
			return nil, err
		}
		p.breaker = br
		p.tripOn = mustAttemptSet(DefaultTripOn)
		if len(b.TripOn) > 0 {
			p.tripOn, _ = parseAttemptSet(b.TripOn) // checked by Problems
		}
	}
	if r := cfg.RateLimit; r != nil && r.Mode == RateLimitAdaptive {
		p.adaptive = ratelimit.NewAdaptive()
		p.throttle = mustAttemptSet(DefaultThrottleOn)
		if len(r.ThrottleOn) > 0 {
			p.throttle, _ = parseAttemptSet(r.ThrottleOn) // checked by Problems
		}
		p.limit = limitSettings{maxWait: -1}
		if r.MaxWait > 0 {
			p.limit.maxWait = r.MaxWait
		}
	} else if r != nil {
		l, err := ratelimit.New(r.Rate, orInt(r.Burst, 1))
		if err != nil {
			return nil, err
		}
		p.limiter = l
		p.limit = limitSettings{reject: r.Mode == RateLimitReject, maxWait: -1}
		if p.limit.reject {
			p.limit.maxWait = 0
		} else if r.MaxWait > 0 {
			p.limit.maxWait = r.MaxWait
		}
	}
	if b := cfg.Budget; b != nil {
		p.budget = b.build()
	}
	if f := cfg.Fallback; f != nil {
		if f.Stale > 0 {
			p.stale = newStaleCache(f.Stale)
		}
		p.static = f.Static
	}
	if t := cfg.Timeout; t != nil {
		p.attempt, p.overall = t.Attempt, t.Overall
	}
	if h := cfg.Hedge; h != nil {
		p.hedge = &hedgeSettings{delay: h.Delay, max: orInt(h.Max, DefaultHedgeMax)}
	}
	if r := cfg.Replace; r != nil {
		p.replace = &replaceSettings{slowerThan: r.SlowerThan, max: orInt(r.Max, DefaultReplaceMax)}
	}
	p.buildOrder(cfg.Order)
	return p, nil
}

func (p *Policy) buildRetry(r *RetryConfig) error {
	p.retry.on = mustAttemptSet(DefaultRetryOn)
	p.retry.honor = true
	p.retry.raMax = DefaultRetryAfterMax
	if r == nil {
		return nil // no retries; the `on` list still tells transient failures for fallback
	}
	strategy, err := r.BuildBackoff()
	if err != nil {
		return ProblemsError{{Path: "retry", Msg: err.Error()}}
	}
	p.retry.backoff = strategy
	p.retry.history, _ = strategy.(backoff.HistoryStrategy)
	p.retry.maxRetries = r.Retries()
	if len(r.On) > 0 {
		p.retry.on, _ = parseAttemptSet(r.On) // checked by Problems
	}
	p.retry.honor = r.RetryAfter != RetryAfterIgnore
	p.retry.floor = r.RetryAfter == RetryAfterFloor
	p.retry.clamp = r.RetryAfterOverMax == RetryAfterOverMaxClamp
	p.retry.raMax = orDuration(r.RetryAfterMax, DefaultRetryAfterMax)
	p.retry.raJitter = r.RetryAfterJitter
	p.retry.nonIdempotent = r.NonIdempotent
	return nil
}

// buildOrder splits the breaker and rate-limit gates into those outside
// retry (once per call) and inside it (every attempt), keeping their order.
func (p *Policy) buildOrder(order []string) {
	if len(order) == 0 {
		order = DefaultOrder
	}
	retryAt := slices.Index(order, LayerRetry)
	for i, name := range order {
		var g gate
		switch {
		case name == LayerBreaker && p.breaker != nil:
			g = gateBreaker
		case name == LayerRateLimit && (p.limiter != nil || p.adaptive != nil):
			g = gateLimiter
		default:
			continue
		}
		set := &p.inner
		if retryAt >= 0 && i < retryAt {
			set = &p.outer
		}
		set.g[set.n] = g
		set.n++
	}
}

// BuildBackoff returns the backoff this retry section describes.
func (r *RetryConfig) BuildBackoff() (backoff.CDFStrategy, error) {
	base := orDuration(r.Base, DefaultBase)
	limit := orDuration(r.Cap, max(DefaultCap, base))
	switch r.jitterKind() {
	case JitterDecorrelated:
		return backoff.Decorrelated(base, limit)
	case JitterDecorrelatedV2:
		return backoff.DecorrelatedV2(base, limit)
	}
	var s backoff.Curve
	var err error
	switch r.backoffKind() {
	case BackoffConstant:
		s, err = backoff.Constant(base)
	case BackoffLinear:
		s, err = backoff.Linear(base, orDuration(r.Step, base), limit)
	case BackoffList:
		delays := make([]time.Duration, len(r.Delays))
		for i, d := range r.Delays {
			delays[i] = d
		}
		s, err = backoff.List(delays...)
	default:
		s, err = backoff.Exponential(base, orFloat(r.Multiplier, DefaultMultiplier), limit)
	}
	if err != nil {
		return nil, err
	}
	switch r.jitterKind() {
	case JitterNone:
		return s, nil
	case JitterEqual:
		return backoff.EqualJitter(s), nil
	case JitterFactor:
		return backoff.FactorJitter(s, orFloat(r.JitterFactor, DefaultJitterFactor))
	default:
		return backoff.FullJitter(s), nil
	}
}

func seededRand() *rand.Rand {
	var b [16]byte
	_, _ = crand.Read(b[:]) // crypto/rand.Read never fails (Go 1.24+)
	return rand.New(rand.NewPCG(binary.LittleEndian.Uint64(b[:8]), binary.LittleEndian.Uint64(b[8:])))
}

// Name returns the policy's name.
func (p *Policy) Name() string { return p.name }

// Config returns the configuration the policy was built from.
func (p *Policy) Config() Config { return p.cfg }

// Clock returns the clock the executors use.
func (p *Policy) Clock() Clock { return p.clock }

// Breaker returns the policy's breaker, nil when it has none.
func (p *Policy) Breaker() *breaker.Breaker { return p.breaker }

// Budget returns the policy's retry budget, nil when it has none.
func (p *Policy) Budget() *retrybudget.Budget { return p.budget }

// RateLimiter returns the policy's rate limiter, nil when it has none or
// it is adaptive.
func (p *Policy) RateLimiter() *ratelimit.Bucket { return p.limiter }

// AdaptiveLimiter returns the policy's adaptive rate limiter (rate_limit
// mode adaptive), nil when it has none.
func (p *Policy) AdaptiveLimiter() *ratelimit.Adaptive { return p.adaptive }

// reserve takes a token of the policy's rate limiter, adaptive or not.
func (p *Policy) reserve(now time.Time, maxWait time.Duration) (time.Duration, bool) {
	if p.adaptive != nil {
		return p.adaptive.Reserve(now, maxWait)
	}
	return p.limiter.Reserve(now, maxWait)
}

// Counters returns a snapshot of the counts.
func (p *Policy) Counters() Counters {
	c := p.counters.snapshot()
	if p.breaker != nil {
		c.BreakerTrips = p.breaker.Trips()
	}
	return c
}

func (p *Policy) emit(e Event) {
	if p.observer != nil {
		e.Policy = p.name
		p.observer.Observe(e)
	}
}

func (p *Policy) breakerChanged(c breaker.Change) {
	p.emit(Event{Kind: EventBreaker, At: c.At, Change: c})
}
