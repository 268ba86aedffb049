package analysis

// Result is result.json (docs/DESIGN.md): the fields of the contract first, with
// their names and nesting unchanged, then the extensions. Every number is
// finite, so the Result always encodes as JSON.
type Result struct {
	Scenario string         `json:"scenario"`
	Engine   string         `json:"engine"`
	Seed     *uint64        `json:"seed"`
	Policies []PolicyResult `json:"policies"`

	// SchemaVersion is the layout of this file (see analysis.SchemaVersion).
	SchemaVersion int `json:"schema_version"`
	// Created is when the result was made, RFC 3339 in UTC: the only field
	// that differs between two identical runs.
	Created string `json:"created"`
	// ScenarioText is the scenario file's text exactly as read (a built-in's
	// YAML for a library scenario), so the run can be made again from
	// result.json alone; "" for a log that names no scenario.
	ScenarioText string `json:"scenario_text"`
	// Run says what was run: the fleet, every policy's settings and the
	// server script; for a log, the files analysed.
	Run *RunInfo `json:"run"`
	// Version of the harness that produced the result, and the command that
	// reproduces it.
	Version string `json:"version"`
	Command string `json:"command"`
	// BinWidthMs is the width of the arrival-rate bins behind peak_to_mean,
	// cv and the series; WindowMs the sliding window of max_window_arrivals
	// and recovery; ResolutionMs the timeline resolution both are exact to.
	BinWidthMs float64 `json:"bin_width_ms"`
	WindowMs   float64 `json:"window_ms"`
	// RetryWindowMs is the sliding window of retry_max_window, retry_peak_rate
	// and peak_to_capacity: Options.RetryWindow, 16 ms unless set, the same
	// for every policy.
	RetryWindowMs float64 `json:"retry_window_ms"`
	ResolutionMs  float64 `json:"resolution_ms"`
	// Phases are the spans shaded in plots, given or inferred from Records.
	Phases []PhaseSpan `json:"phases"`
	// Best names the strategy that did best by the ranking rule (see
	// RankingRule): the cheapest of those whose success rate is not
	// significantly below the highest.
	Best string `json:"best"`
	// Standings order the strategies best first by the ranking rule: Best is
	// the first, and Ranking (when set) has the same order.
	Standings []string `json:"standings"`
	// Tradeoffs are sentences naming a lower-ranked strategy that beats Best
	// on p99 completion time or on the retry herd (retry_max_window), and why
	// the rule still ranks Best first; empty when none does.
	Tradeoffs []string `json:"tradeoffs"`
	// Comparisons set the best strategy against each of the others, in the
	// order of the standings.
	Comparisons []Comparison `json:"comparisons"`
	// Ranking is the standings with each policy's cost and the Pareto
	// frontier marked (see Rank); empty unless a caller ranked them.
	Ranking []Ranked `json:"ranking,omitempty"`
	// Frontier says what the Pareto frontier of Ranking is computed on; nil
	// unless a caller ranked the policies.
	Frontier *Frontier `json:"frontier,omitempty"`
	// LoadSweep is the verdict at each load of a sweep over the offered load
	// and its bistable band (tune --vary load, loadsweep.go); nil otherwise.
	LoadSweep *LoadSweep `json:"load_sweep,omitempty"`
	// Notes say where the analysis had to approximate or guess.
	Notes []string `json:"notes"`

	// Repeat is set on the result of a repeated run (run --repeat): which
	// seeds each policy's over_seeds summarise.
	Repeat *Repeat `json:"repeat,omitempty"`
}

// PolicyResult is one strategy's statistics.
type PolicyResult struct {
	Name string `json:"name"`
	// LogicalRequests counts those the Records show and those that left no
	// Record (Unsent, Unreached); SuccessRate is Succeeded over all of them.
	LogicalRequests int        `json:"logical_requests"`
	Succeeded       int        `json:"succeeded"`
	SuccessRate     float64    `json:"success_rate"`
	SuccessRateCI   [2]float64 `json:"success_rate_ci"` // Wilson 95%
	Attempts        int        `json:"attempts"`
	// Amplification is attempts over logical requests; nil when the Records
	// cannot be grouped into logical requests (see Identity), with a note.
	Amplification *float64 `json:"amplification"`
	// PeakToMean is the largest bin of the arrival rate over its mean, across
	// the bins from the policy's first arrival to its last.
	PeakToMean float64 `json:"peak_to_mean"`
	// MaxWindowArrivals is the most arrivals in any sliding window.
	MaxWindowArrivals int `json:"max_window_arrivals"`
	// CompletionMs are quantiles over the logical requests that were sent
	// (Unsent and Unreached ones have no attempt to time) of the time from the
	// first attempt's arrival to the end of the response that decided it (the
	// first success, else the last attempt).
	CompletionMs Quantiles `json:"completion_ms"`
	// MakespanMs is from the first arrival to the end of the last response,
	// both at the server.
	MakespanMs float64 `json:"makespan_ms"`
	// ClientMakespanMs is from the first attempt's send to the last outcome
	// a client received (Record.SentMs, ReceivedMs): MakespanMs plus the first
	// hop to the server and the last hop back. Nil, with a note, unless every
	// Record carries both (a log of `chaos serve` has neither).
	ClientMakespanMs *float64 `json:"client_makespan_ms"`
	// RetryAfterViolations counts retries that arrived before the Retry-After
	// of the previous response of the same logical request had elapsed; nil,
	// like Amplification, when retries cannot be told from new requests.
	RetryAfterViolations *int `json:"retry_after_violations"`
	// RetryMaxWindow is the most retries (attempts after the first of their
	// logical request) arriving within any window of retry_window_ms, and
	// RetryPeakRate the same per second: the herd the policy's retries make,
	// without the first burst that every fleet started together shares. Both
	// are null when no attempt could be grouped into logical requests.
	RetryMaxWindow *int     `json:"retry_max_window"`
	RetryPeakRate  *float64 `json:"retry_peak_rate"`
	// PeakToCapacity is retry_max_window over the most requests the server's
	// capacity model admits in a window of retry_window_ms: B + R·w for a
	// token bucket of rate R and size B, C for a concurrency limit C (the
	// smaller with both; see admittedIn). Above 1, one retry wave alone is more
	// than the server takes. Null without a capacity model.
	PeakToCapacity *float64 `json:"peak_to_capacity"`
	// RetryAfterMarginMs is the distribution of how long after the earliest
	// time the server allowed (the end of the previous response plus its
	// Retry-After) each retry that followed a Retry-After arrived; negative is
	// early. Null when no retry followed a Retry-After.
	RetryAfterMarginMs *RetryAfterMargin `json:"retry_after_margin_ms"`

	// Unsent counts logical requests refused before any attempt (an open
	// breaker, the client-side rate limit or the retry budget), as the runner
	// reported them: they left no Record, yet they are in logical_requests
	// and count as failures; they have no completion time.
	Unsent int `json:"unsent"`
	// Unreached counts logical requests that were sent but none of whose
	// attempts reached the server's log (the client gave up, or its
	// connection failed, first), as the runner reported them; like Unsent
	// they are failures in logical_requests with no completion time.
	Unreached int `json:"unreached"`
	// FallbackServed counts logical requests that failed and were then
	// answered by the policy's fallback, as the runner reported them. They
	// are failures in success_rate: a stale answer is not a success.
	FallbackServed int `json:"fallback_served"`
	// CV is the coefficient of variation (sd / mean) of the binned arrivals.
	CV float64 `json:"cv"`
	// RetryAfterRetries counts retries that followed a response carrying a
	// Retry-After: the denominator of the violations; nil when
	// RetryAfterViolations is.
	RetryAfterRetries *int `json:"retry_after_retries"`
	// AttemptsPerRequest is how many logical requests took each number of
	// attempts, as the server saw them: Unsent and Unreached ones took 0.
	AttemptsPerRequest []AttemptCount `json:"attempts_per_request"`
	// Faults counts attempts by the fault the server injected.
	Faults map[string]int `json:"faults"`
	// RetryDelays describe the delay before each retry number.
	RetryDelays []RetryDelay `json:"retry_delays"`
	// RetrySpread is the thundering-herd spread of each retry's arrival time
	// across logical requests.
	RetrySpread []RetrySpread `json:"retry_spread"`
	// TimeToRecoverMs is the longest recovery after any fault phase, from the
	// phase's end to sustained success, never before the first success after
	// it; nil when there was no fault phase or the policy never recovered (see
	// Recovery).
	TimeToRecoverMs *float64   `json:"time_to_recover_ms"`
	Recovery        []Recovery `json:"recovery"`
	// BreakerOpenShare is the share of the makespan the breaker was open;
	// nil when the runner did not report breaker intervals.
	BreakerOpenShare *float64 `json:"breaker_open_share"`
	// FirstMs and LastMs are the first and last arrival times.
	FirstMs float64 `json:"first_ms"`
	LastMs  float64 `json:"last_ms"`
	// Series are the per-time and distribution data the plots draw.
	Series Series `json:"series"`

	// OverSeeds summarises the policy's figures across the seeds of a
	// repeated run (run --repeat); nil otherwise.
	OverSeeds *OverSeeds `json:"over_seeds,omitempty"`
	// Faults after the work (issue 15; duplicate.go).
	// DuplicateEffects counts the logical requests whose attempts reached
	// the upstream more than once (Records with upstream_status): work done
	// twice, as when an after_upstream fault lost the first answer and the
	// client retried. UnsafeDuplicateEffects counts those among them with a
	// method that is not idempotent (POST, PATCH; RFC 9110 §9.2.2) and an
	// attempt that reached the upstream with no Idempotency-Key. Both are
	// left out when no Record of the policy reached an upstream (no proxy
	// mode), and, with a note, when the attempts cannot be grouped into
	// logical requests.
	DuplicateEffects       *int `json:"duplicate_effects,omitempty"`
	UnsafeDuplicateEffects *int `json:"unsafe_duplicate_effects,omitempty"`
	// Hedging (issue 14).
	// Hedges counts the policy's hedged requests, as the runner reported
	// them; absent for a policy that does not hedge.
	Hedges *Hedges `json:"hedges,omitempty"`
	// Replacements counts the late answers a replacing policy (replace:)
	// followed with a replacement attempt, as the runner reported them;
	// absent for a policy that does not replace. Each replacement is also
	// an attempt in attempts.
	Replacements *int `json:"replacements,omitempty"`
	// Layers (issue 14; layers.go): attempts, amplification and successes
	// per layer of a layered scenario, layer 0 first; left out when no
	// Record came from below layer 0. Every other figure of the policy is
	// layer 0's alone: the fleet's own.
	Layers []LayerFigures `json:"layers,omitempty"`
}

// Quantiles of a distribution in milliseconds (empirical quantiles, the
// inverse of the empirical CDF).
type Quantiles struct {
	P50 float64 `json:"p50"`
	P90 float64 `json:"p90"`
	P99 float64 `json:"p99"`
	Max float64 `json:"max"`
}

// RetryAfterMargin is the distribution of Retry-After margins in ms: retry
// arrival minus (end of the previous response + its Retry-After), rounded to
// the nanosecond. Count, Min and the early counts are exact; the quantiles
// (empirical) rest on a seeded sample when Sampled.
type RetryAfterMargin struct {
	Count int     `json:"count"`
	Min   float64 `json:"min"`
	P1    float64 `json:"p1"`
	P50   float64 `json:"p50"`
	P99   float64 `json:"p99"`
	// Early counts margins below 0 by any amount: unlike
	// retry_after_violations it grants no Options.RetryAfterSlack, so it shows
	// the retries a few milliseconds early that the slack forgives.
	Early int `json:"early"`
	// EarlyOver100Ms and EarlyOver1s count margins below −100 ms and −1 s.
	EarlyOver100Ms int  `json:"early_over_100ms"`
	EarlyOver1s    int  `json:"early_over_1s"`
	Sampled        bool `json:"sampled"`
}

// AttemptCount is the number of logical requests that took Attempts attempts.
type AttemptCount struct {
	Attempts int `json:"attempts"`
	Requests int `json:"requests"`
}

// RetryDelay describes the delays before one retry number. Mean and Delay
// are as the server saw them: from the end of the previous response to the
// arrival of the retry. Sleep is as the client took it: from when it had the
// previous outcome to when it sent the retry (Record.ReceivedMs, SentMs).
type RetryDelay struct {
	Retry int       `json:"retry"` // 1 = the delay before attempt 2
	Count int       `json:"count"`
	Mean  float64   `json:"mean_ms"`
	Delay Quantiles `json:"delay_ms"`
	// Sleep are the quantiles of the client's sleeps; nil unless every delay
	// of this retry number has one (Records of harness runs).
	Sleep *Quantiles `json:"sleep_ms"`
	// AfterRetryAfter counts delays that followed a Retry-After.
	AfterRetryAfter int `json:"after_retry_after"`
	// Measured says what CDF and KS are of: MeasuredClientSleep when Sleep
	// is known, else MeasuredServerGap, which includes network and response
	// time, so that a schedule without jitter cannot match it.
	Measured string `json:"measured"`
	// KS tests the delays (as Measured says) not following a Retry-After
	// against the expected distribution; nil when none was given.
	KS *KS `json:"ks"`
	// CDF is the empirical CDF of the delays (as Measured says) that did not
	// follow a Retry-After (the backoff's own, as the KS test sees them),
	// Exact the expected CDF on a grid from 0 to past the longest delay
	// (empty when none was given).
	CDF   []Point `json:"cdf"`
	Exact []Point `json:"exact_cdf"`
	// Sampled is true when more delays arrived than were kept, so quantiles,
	// CDF and KS rest on a seeded reservoir sample of them.
	Sampled bool `json:"sampled"`
}

// What RetryDelay.Measured says its CDF and KS test are of.
const (
	MeasuredClientSleep = "client_sleep" // the client's send − its receipt of the previous outcome
	MeasuredServerGap   = "server_gap"   // the retry's arrival − the previous response's end at the server
)

// RetrySpread is the spread across logical requests of when their k-th retry
// arrived, absolute (since the run start) and relative to the first attempt.
type RetrySpread struct {
	Retry       int     `json:"retry"`
	Count       int     `json:"count"`
	SdMs        float64 `json:"sd_ms"`
	IQRMs       float64 `json:"iqr_ms"`
	OffsetSdMs  float64 `json:"offset_sd_ms"`
	OffsetIQRMs float64 `json:"offset_iqr_ms"`
	Sampled     bool    `json:"sampled"`
}

// Recovery is the time from the end of a fault phase to sustained success
// after it: the first successful attempt after the phase from which on, up to
// the next fault phase or the end of the run, the sliding success rate (over
// the trailing window_ms) stays at or above the threshold (see recoveries).
type Recovery struct {
	Phase string  `json:"phase"`
	EndMs float64 `json:"end_ms"`
	// TimeToRecoverMs is nil when the rate never came back.
	TimeToRecoverMs *float64 `json:"time_to_recover_ms"`
}

// PhaseSpan is a phase of the run as shaded in the plots.
type PhaseSpan struct {
	Name    string  `json:"name"`
	Policy  string  `json:"policy,omitempty"` // "" = every policy
	StartMs float64 `json:"start_ms"`
	EndMs   float64 `json:"end_ms"`
	Fault   bool    `json:"fault"`
}

// Series holds what the plots draw, so reports never re-read Records.
type Series struct {
	// Arrivals and Succeeded count attempts per bin of bin_width_ms, from the
	// run start; every policy has the same number of bins.
	Arrivals  []int `json:"arrivals"`
	Succeeded []int `json:"succeeded"`
	// Retries counts the retries among the arrivals, in the same bins.
	Retries []int `json:"retries"`
	// Completion is the empirical CDF of completion times.
	Completion []Point `json:"completion_cdf"`
}

// Point is a point (x, y) of a curve; for a CDF, x is milliseconds and y the
// share at or below it.
type Point struct {
	X float64 `json:"x"`
	Y float64 `json:"y"`
}

// Comparison sets strategy A against strategy B (A − B throughout).
type Comparison struct {
	A string `json:"a"`
	B string `json:"b"`
	// SuccessRateDiff with Newcombe's hybrid score 95% interval.
	SuccessRateDiff   float64    `json:"success_rate_diff"`
	SuccessRateDiffCI [2]float64 `json:"success_rate_diff_ci"`
	// Completion compares completion times (two-sided Mann-Whitney U).
	Completion MannWhitney `json:"completion_mann_whitney"`
	// PeakToMeanDiff with a basic bootstrap 95% interval.
	PeakToMeanDiff     float64    `json:"peak_to_mean_diff"`
	PeakToMeanDiffCI   [2]float64 `json:"peak_to_mean_diff_ci"`
	BootstrapResamples int        `json:"bootstrap_resamples"`
	// AmplificationDiff is nil when either amplification is unknown.
	AmplificationDiff *float64 `json:"amplification_diff"`
}

// Ranked is one policy's place under the ranking rule.
type Ranked struct {
	Name string `json:"name"`
	Rank int    `json:"rank"` // 1 = best, the same as Result.Best
	// Cost is RankCost: lower is better within a tier.
	Cost float64 `json:"cost"`
	// Tier is the success tier of the ranking rule: 1 for the policies
	// whose success rate is not significantly below the highest, 2 for
	// those not significantly below the highest of the rest, and so on.
	Tier int `json:"tier"`
	// BelowMinSuccess: the success rate is below Frontier.MinSuccess, so the
	// policy is never on the frontier.
	BelowMinSuccess bool `json:"below_min_success"`
	// Pareto: on the frontier of Frontier.Objectives among the policies
	// that reach Frontier.MinSuccess.
	Pareto bool `json:"pareto"`
}

// Frontier is what tune's Pareto frontier is computed on.
type Frontier struct {
	// Objectives are result.json fields of a policy, each lower is better.
	Objectives []string `json:"objectives"`
	// MinSuccess is the success floor (tune --min-success).
	MinSuccess float64 `json:"min_success"`
}

// AmplificationBound is the amplification, or where the Records cannot tell
// it (nil) the largest it could be: every attempt one logical request's. Ranking
// and scores use it, so an unknown amplification never wins.
func (p *PolicyResult) AmplificationBound() float64 {
	if p.Amplification != nil {
		return *p.Amplification
	}
	return float64(p.Attempts)
}

// Policy returns the named policy's result.
func (r *Result) Policy(name string) (*PolicyResult, bool) {
	for i := range r.Policies {
		if r.Policies[i].Name == name {
			return &r.Policies[i], true
		}
	}
	return nil, false
}

// Hedges is what a hedging policy did: hedges sent (attempts sent while an
// earlier one of the same round was in flight), rounds a hedge's answer
// won, and attempts wasted (cancelled in flight because another answer won
// their round). Each hedge is also an attempt in attempts.
type Hedges struct {
	Sent   int `json:"sent"`
	Won    int `json:"won"`
	Wasted int `json:"wasted"`
}
