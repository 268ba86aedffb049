package scenarios

import (
	"context"
	"errors"
	"fmt"
	"math"
	"sync"
	"time"

	"github.com/chaos-harness/chaos/analysis"
	"github.com/chaos-harness/chaos/record"
	"github.com/chaos-harness/chaos/resilience"
)

// Engines.
const (
	EngineSim  = "sim"  // discrete events in virtual time
	EngineLive = "live" // real HTTP on loopback
)

// Engines lists the engine names.
var Engines = []string{EngineSim, EngineLive}

// Options configure a run. The zero value runs every policy in sim with the
// scenario's own seed.
type Options struct {
	// Engine is EngineSim (default) or EngineLive.
	Engine string
	// Seed, when set, replaces the scenario's seed.
	Seed *uint64
	// Policies runs only these policies, in this order; nil runs them all.
	Policies []string
	// Sink receives every Record, one policy after another, each policy's
	// Records in acceptance order (t_ms). It is called from one goroutine at a
	// time and must not keep the pointer, nor change the Record (under
	// RunAnalyzed the analysis reads it at the same time). Nil discards them.
	Sink func(*record.Record) error
	// KeepRecords makes RunAnalyzed keep every Record in AnalyzedRun.Records,
	// in memory (a large fleet's run makes millions). Run ignores it.
	KeepRecords bool
	// Progress, when set, is called now and then with the logical requests
	// finished and the total, across all policies.
	Progress func(done, total int64)

	// MaxDuration bounds the wall-clock time of the run: a live run whose
	// Estimate is longer is refused before it starts, and any run still going
	// after it is stopped. 0 means no limit. Either way the error is a
	// *LimitError.
	MaxDuration time.Duration
	// RetryWindow is the analysis's retry window (analysis.Options.RetryWindow)
	// for retry_max_window, retry_peak_rate and peak_to_capacity; 0 means
	// analysis.DefaultRetryWindow.
	RetryWindow time.Duration
	// MaxMemory bounds the memory of the process in bytes: a run whose
	// Estimate needs more is refused before it starts, and a run is stopped
	// when the memory in use passes it. 0 means no limit.
	MaxMemory int64
}

// Run is what a run produced besides its Records: per policy, the phase
// timeline, the breaker-open intervals and the tallies of logical requests.
type Run struct {
	Scenario string
	Engine   string
	Seed     uint64
	Policies []PolicyRun
	// Info says what was run (Scenario.Describe of the policies run), and
	// Text is the scenario's YAML as read, for result.json.
	Info *analysis.RunInfo
	Text string
	// RetryWindow and Capacity are what the run's analysis takes from the
	// options and the scenario: Options.RetryWindow and server.capacity.
	RetryWindow time.Duration
	Capacity    *analysis.Capacity
}

// PolicyRun is one policy's run: the whole fleet with that policy against a
// fresh server.
type PolicyRun struct {
	Name string
	// Phases are the server's top-level phases as they happened in this run
	// (Policy set to Name); empty when the phases are per client.
	Phases []analysis.Phase
	// BreakerOpen are the spans in which at least one client's breaker was
	// open (each client has its own breaker).
	BreakerOpen []analysis.Interval
	// ExpectedDelay is the exact law of the delay before each retry, when the
	// policy's backoff has one that does not depend on earlier draws.
	ExpectedDelay analysis.DelayCDF
	// Tallies of logical requests, as the clients saw them.
	LogicalRequests int64
	Succeeded       int64
	Fallbacks       int64
	GaveUp          int64
	// Unsent counts logical requests that ended without any attempt (an open
	// breaker, the rate limit or the budget refused them): they have no Record.
	Unsent int64
	// Unreached counts logical requests that were sent but none of whose
	// attempts reached the server's log (live engine: the client gave up, or
	// its connection failed, before the server read the request).
	Unreached int64
	Attempts  int64
	// Duration is when the last logical request finished (scenario time).
	Duration time.Duration

	// Hedging (issue 14): the policy's hedges sent, won and wasted; nil for
	// a policy that does not hedge.
	Hedges *analysis.Hedges
	// Replacements (issue 14) counts the late answers the policy replaced
	// (replace:); nil for a policy that does not replace.
	Replacements *int
}

// SeedOf is the seed a run with opts uses.
func (s *Scenario) SeedOf(opts Options) uint64 {
	if opts.Seed != nil {
		return *opts.Seed
	}
	return s.Seed
}

// Run runs the scenario's policies one after another on the chosen engine,
// each with the whole fleet against a fresh server compiled with the same
// seed, handing every Record to opts.Sink, and returns what the run counted
// besides them. A run that would not fit opts.MaxDuration or opts.MaxMemory
// is refused before it starts, and one that outgrows them is stopped, with a
// *LimitError. RunAnalyzed also analyses the Records.
func (s *Scenario) Run(ctx context.Context, opts Options) (*Run, error) {
	est, err := s.Estimate(opts) // checks the engine and the policies
	if err != nil {
		return nil, err
	}
	if err := est.Check(opts); err != nil {
		return nil, err
	}
	engine := est.Engine
	policies, _ := s.selectPolicies(opts.Policies)
	run := &Run{Scenario: s.Name, Engine: engine, Seed: s.SeedOf(opts), Info: s.Describe(policies), Text: string(s.Source),
		RetryWindow: opts.RetryWindow, Capacity: s.AnalysisCapacity()}
	progress := newProgress(opts.Progress, int64(len(policies))*est.Logical)
	ctx, release := guard(ctx, opts, progress)
	defer release()
	for _, pol := range policies {
		var pr PolicyRun
		switch engine {
		case EngineSim:
			pr, err = simulate(ctx, s, pol, run.Seed, opts.Sink, progress)
		default:
			pr, err = runLive(ctx, s, pol, run.Seed, opts.Sink, progress)
		}
		if err != nil {
			var limit *LimitError
			if errors.As(context.Cause(ctx), &limit) {
				return nil, fmt.Errorf("policy %s: %w", pol.Name, limit)
			}
			return nil, fmt.Errorf("policy %s: %w", pol.Name, err)
		}
		pr.ExpectedDelay = expectedDelay(pol.Config)
		run.Policies = append(run.Policies, pr)
	}
	return run, nil
}

func (s *Scenario) selectPolicies(names []string) ([]Policy, error) {
	if names == nil {
		return s.Policies, nil
	}
	out := make([]Policy, 0, len(names))
	for _, n := range names {
		p, err := s.Policy(n)
		if err != nil {
			return nil, err
		}
		out = append(out, p)
	}
	return out, nil
}

// logicalTotal is the number of logical requests of one policy's run with
// seed.
func (s *Scenario) logicalTotal(seed uint64) int64 {
	if o := s.Clients.Open; o != nil {
		return o.total(s.Clients.ClientCount(), seed) // the count is drawn
	}
	return int64(s.Clients.ClientCount()) * int64(s.Clients.RequestsPerClient())
}

// effectiveConfig is the policy as the fleet runs it: the clients' per-attempt
// timeout is the policy's attempt timeout unless the policy sets a shorter one.
func effectiveConfig(cfg resilience.Config, c Clients) resilience.Config {
	t := c.AttemptTimeout()
	if t <= 0 {
		return cfg
	}
	tc := resilience.TimeoutConfig{}
	if cfg.Timeout != nil {
		tc = *cfg.Timeout
	}
	if tc.Attempt == 0 || tc.Attempt > t {
		tc.Attempt = time.Duration(t)
	}
	if tc.Overall != 0 && tc.Attempt > tc.Overall {
		tc.Attempt = tc.Overall
	}
	cfg.Timeout = &tc
	return cfg
}

// expectedDelay is the exact CDF of the delay before each retry, from the
// backoff's own law; nil when there is no retry or the law depends on the
// previous delay (decorrelated jitter).
func expectedDelay(cfg resilience.Config) analysis.DelayCDF {
	if cfg.Retry == nil {
		return nil
	}
	switch cfg.Retry.Jitter {
	case resilience.JitterDecorrelated, resilience.JitterDecorrelatedV2:
		return nil
	}
	backoff, err := cfg.Retry.BuildBackoff()
	if err != nil {
		return nil
	}
	return func(retry int) func(ms float64) float64 {
		cdf := backoff.CDF(retry, 0)
		// Rounded to the nanosecond: a delay in milliseconds is a difference of
		// floats, a hair off the whole nanoseconds the backoff drew.
		return func(ms float64) float64 { return cdf(time.Duration(math.Round(ms * float64(time.Millisecond)))) }
	}
}

// progress counts finished logical requests and reports them, rate-limited
// to every 1024. The live engine's clients report from their own goroutines.
type progress struct {
	mu          sync.Mutex
	fn          func(done, total int64)
	done, total int64
}

func newProgress(fn func(done, total int64), total int64) *progress {
	p := &progress{fn: fn, total: total}
	if fn != nil {
		fn(0, total)
	}
	return p
}

func (p *progress) add(n int64) {
	p.mu.Lock()
	defer p.mu.Unlock()
	before := p.done
	p.done += n
	if p.fn != nil && (p.done/1024 != before/1024 || p.done == p.total) {
		p.fn(p.done, p.total)
	}
}

// snapshot is the logical requests done so far, and the total.
func (p *progress) snapshot() (done, total int64) {
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.done, p.total
}
