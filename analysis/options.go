package analysis

import (
	"fmt"
	"math"
	"math/rand/v2"
	"time"
)

// Options describe a run to the accumulator. The zero value analyses a plain
// arrival log with the documented defaults.
type Options struct {
	// Scenario, Engine, Seed and Command are copied into the Result so every
	// report says what produced it and how to reproduce it. Seed is nil when
	// it is not known (a log of `chaos serve`).
	Scenario string
	Engine   string
	Seed     *uint64
	Command  string
	// Version is the version of the harness; "" reads the build information.
	Version string
	// Run and ScenarioText are copied into the Result too: what was run, and
	// the scenario's text as read.
	Run          *RunInfo
	ScenarioText string
	// Created is the time the Result is stamped with; zero means the time
	// Finish is called.
	Created time.Time

	// Connections are the first pass of the identity inference over the
	// same Records (see Headerless): with them, a header-less Record on a
	// connection that carried more than one is keyed per connection. Nil
	// keys every header-less Record per remote address and User-Agent.
	Connections *Connections

	// DefaultPolicy names the group of Records whose Policy is empty, as in a
	// log of `chaos serve`; "" means "client".
	DefaultPolicy string

	// Phases are the scenario's phases, for shading plots and measuring time
	// to recover. Nil means: infer them from the Records' phase field.
	Phases []Phase

	// BinWidth is the width of the arrival-rate bins; 0 chooses it from the
	// run by the Freedman–Diaconis rule. It is rounded to a multiple of the
	// timeline resolution (1 ms for runs up to 262 s, doubling beyond).
	BinWidth time.Duration
	// Window is the sliding window for max_window_arrivals and for the
	// success rate that decides recovery; 0 means one second.
	Window time.Duration
	// RetryWindow is the sliding window of the herd figures, retry_max_window
	// and retry_peak_rate, and of peak_to_capacity; 0 means DefaultRetryWindow.
	// It is one setting for every log and policy, so that runs analysed apart
	// compare.
	RetryWindow time.Duration
	// Capacity is the server's overload model (the scenario's
	// server.capacity), for peak_to_capacity; nil means none is known, and
	// peak_to_capacity is null.
	Capacity *Capacity
	// RecoveryThreshold is the sliding success rate at which a policy counts
	// as recovered after a fault phase; 0 means 0.95.
	RecoveryThreshold float64
	// RetryAfterSlack is how much earlier than the Retry-After deadline a
	// retry may arrive before it counts as a violation, to absorb rounding and
	// clock granularity; 0 means 1 ms.
	RetryAfterSlack time.Duration

	// ExpectedDelay gives, per policy, the exact distribution of the delay
	// before each retry (retry 1 precedes attempt 2) as a CDF over
	// milliseconds; a nil map, a missing policy or a nil CDF skips the
	// Kolmogorov-Smirnov test for it. Delays that followed a Retry-After are
	// left out of the test, as the backoff alone does not decide them.
	ExpectedDelay map[string]DelayCDF
	// BreakerOpen gives, per policy, the intervals in which its circuit
	// breaker was open, as the runner saw them.
	BreakerOpen map[string][]Interval

	// Unsent gives, per policy, the logical requests that ended without any
	// attempt: an open breaker, the client-side rate limit or the retry
	// budget refused them before they were sent. They have no Record, so only
	// the runner knows them; each counts as a logical request that failed.
	Unsent map[string]int
	// Unreached gives, per policy, the logical requests that were sent but
	// none of whose attempts reached the server's log: the client gave up, or
	// its connection failed, before the server read the request. Only the
	// runner knows them too; each counts as a logical request that failed.
	Unreached map[string]int
	// FallbackServed gives, per policy, the logical requests that failed
	// (sent or unsent) and were then answered by the policy's fallback. They
	// stay failures in success_rate and are reported as fallback_served.
	FallbackServed map[string]int
	// Hedges gives, per hedging policy, its hedges sent, won and wasted, as
	// only the runner knows them (hedges in result.json).
	Hedges map[string]Hedges
	// Replacements gives, per replacing policy (replace:), the late answers
	// it replaced, as only the runner knows them (replacements in result.json).
	Replacements map[string]int

	// BootstrapResamples is the number of resamples for the interval on the
	// difference in peak-to-mean; 0 means 1000.
	BootstrapResamples int
	// SampleSize caps the values kept per policy and retry number for
	// quantiles and the KS test (a seeded reservoir sample beyond it);
	// 0 means 16384.
	SampleSize int
	// Rand drives the reservoir samples and the bootstrap; nil seeds one from
	// Seed (or 1 when Seed is nil), so results are reproducible.
	Rand *rand.Rand
}

// Phase is a span of the run in which the server followed one script phase.
type Phase struct {
	Name string
	// Policy limits the phase to one policy's run; "" applies to all.
	Policy string
	// Start and End are offsets from the start of the run.
	Start, End time.Duration
	// Fault marks a phase that injects failures; recovery is measured from
	// its end.
	Fault bool
}

// Interval is a span [Start, End) of a run, as offsets from its start.
type Interval struct {
	Start, End time.Duration
}

// DelayCDF returns the exact CDF, over milliseconds, of the delay before the
// given retry (1 = the delay between attempts 1 and 2), or nil when there is
// no closed form for it. The retry numbers are tested side by side, so it
// and the CDFs it returns may be called from several goroutines at once.
type DelayCDF func(retry int) func(ms float64) float64

// Capacity is a server's overload model, as in faultserver.CapacitySpec: a
// limit on requests in flight and a token bucket.
type Capacity struct {
	// Concurrency is the most requests in flight at once; 0 means unlimited.
	Concurrency int
	// Rate is the bucket's refill in requests per second; 0 means unlimited.
	Rate float64
	// Burst is the bucket's size; 0 means one second's worth of Rate, at
	// least 1, as faultserver.NewCapacity fills it.
	Burst int
}

// Defaults of the zero Options.
const (
	DefaultPolicyName = "client"
	DefaultWindow     = time.Second
	// DefaultRetryWindow is 16 ms. It must be much shorter than the spread
	// jitter gives a wave of retries, or a jittered wave fits in one window as
	// well as a synchronized one: full jitter spreads a first retry over the
	// base delay, 100 ms in the built-in scenarios and often more in retry
	// libraries, and with a 100 ms window the default compare scores
	// full jitter a worse herd than none (512 retries against 436, all inside
	// the first wave). It must be longer than the few milliseconds by which
	// network hops and timers smear a synchronized wave: there none keeps its
	// 436 in any window down to 5 ms. At 16 ms the default compare reads none
	// 436, equal 155, full 91, decorrelated 45. And 16 ms is a whole number of
	// timeline bins at every resolution up to 16 ms, so it is exact, the same
	// window, for runs up to 70 minutes; longer runs round it, with a note.
	DefaultRetryWindow        = 16 * time.Millisecond
	DefaultRecoveryThreshold  = 0.95
	DefaultRetryAfterSlack    = time.Millisecond
	DefaultBootstrapResamples = 1000
	DefaultSampleSize         = 16384
)

// withDefaults validates o and fills in its defaults.
func (o Options) withDefaults() (Options, error) {
	if o.DefaultPolicy == "" {
		o.DefaultPolicy = DefaultPolicyName
	}
	if o.BinWidth < 0 {
		return o, fmt.Errorf("bin width %v: must not be negative", o.BinWidth)
	}
	if o.Window < 0 {
		return o, fmt.Errorf("window %v: must not be negative", o.Window)
	}
	if o.Window == 0 {
		o.Window = DefaultWindow
	}
	if o.RetryWindow < 0 {
		return o, fmt.Errorf("retry window %v: must not be negative", o.RetryWindow)
	}
	if o.RetryWindow == 0 {
		o.RetryWindow = DefaultRetryWindow
	}
	if c := o.Capacity; c != nil {
		if c.Concurrency < 0 || c.Burst < 0 || math.IsNaN(c.Rate) || math.IsInf(c.Rate, 0) || c.Rate < 0 {
			return o, fmt.Errorf("capacity %+v: concurrency, rate and burst must be finite and not negative", *c)
		}
	}
	if math.IsNaN(o.RecoveryThreshold) || o.RecoveryThreshold < 0 || o.RecoveryThreshold > 1 {
		return o, fmt.Errorf("recovery threshold %v: want a share in [0, 1]", o.RecoveryThreshold)
	}
	if o.RecoveryThreshold == 0 {
		o.RecoveryThreshold = DefaultRecoveryThreshold
	}
	if o.RetryAfterSlack < 0 {
		return o, fmt.Errorf("retry-after slack %v: must not be negative", o.RetryAfterSlack)
	}
	if o.RetryAfterSlack == 0 {
		o.RetryAfterSlack = DefaultRetryAfterSlack
	}
	if o.BootstrapResamples < 0 {
		return o, fmt.Errorf("bootstrap resamples %d: must not be negative", o.BootstrapResamples)
	}
	if o.BootstrapResamples == 0 {
		o.BootstrapResamples = DefaultBootstrapResamples
	}
	if o.SampleSize < 0 {
		return o, fmt.Errorf("sample size %d: must not be negative", o.SampleSize)
	}
	if o.SampleSize == 0 {
		o.SampleSize = DefaultSampleSize
	}
	for i, p := range o.Phases {
		if p.Name == "" {
			return o, fmt.Errorf("phases[%d]: has no name", i)
		}
		if p.Start < 0 || p.End < p.Start {
			return o, fmt.Errorf("phases[%d] %q: span %v to %v is not a forward span from the run start", i, p.Name, p.Start, p.End)
		}
	}
	for policy, spans := range o.BreakerOpen {
		for i, iv := range spans {
			if iv.Start < 0 || iv.End < iv.Start {
				return o, fmt.Errorf("breaker-open intervals of %q, [%d]: span %v to %v is not a forward span from the run start", policy, i, iv.Start, iv.End)
			}
		}
	}
	if err := checkCounts("unsent", o.Unsent); err != nil {
		return o, err
	}
	if err := checkCounts("unreached", o.Unreached); err != nil {
		return o, err
	}
	if err := checkCounts("fallback-served", o.FallbackServed); err != nil {
		return o, err
	}
	if err := checkCounts("replacements", o.Replacements); err != nil {
		return o, err
	}
	for policy, h := range o.Hedges {
		if h.Sent < 0 || h.Won < 0 || h.Wasted < 0 || h.Won > h.Sent {
			return o, fmt.Errorf("hedges of %q: %+v are not counts with won at most sent", policy, h)
		}
	}
	if o.Rand == nil {
		seed := uint64(1)
		if o.Seed != nil {
			seed = *o.Seed
		}
		// A stream of its own, so analysis draws never mirror the run's draws.
		o.Rand = rand.New(rand.NewPCG(seed, 0x616e616c79736973)) // "analysis"
	}
	return o, nil
}

// checkCounts refuses a negative count of logical requests.
func checkCounts(what string, counts map[string]int) error {
	for policy, n := range counts {
		if n < 0 {
			return fmt.Errorf("%s requests of %q: %d must not be negative", what, policy, n)
		}
	}
	return nil
}

// ms converts a duration to float milliseconds, the unit of Records.
func ms(d time.Duration) float64 { return float64(d) / float64(time.Millisecond) }
