package resilience

import (
	"time"

	"github.com/chaos-harness/chaos/resilience/breaker"
	"github.com/chaos-harness/chaos/resilience/retrybudget"
)

// Config is one named client policy: an entry of a scenario's `policies:`
// list. A nil section is a policy that is not used; the zero value of every
// section and field is its documented default, so `breaker: {}` is a breaker
// with default settings. Problems reports what is wrong with a Config; New
// refuses a Config that has problems.
type Config struct {
	Name      string           `yaml:"name"`
	Retry     *RetryConfig     `yaml:"retry,omitempty"`
	Breaker   *BreakerConfig   `yaml:"breaker,omitempty"`
	Fallback  *FallbackConfig  `yaml:"fallback,omitempty"`
	RateLimit *RateLimitConfig `yaml:"rate_limit,omitempty"`
	Budget    *BudgetConfig    `yaml:"budget,omitempty"`
	Timeout   *TimeoutConfig   `yaml:"timeout,omitempty"`
	// Order is the composition, outermost first, of fallback, retry, breaker
	// and rate_limit (the sections in use; default: that order). Fallback
	// must be outside retry. A breaker or rate limit inside retry sees every
	// attempt; outside it, once per call. Timeouts are not ordered: the
	// attempt timeout is always innermost and the overall one outermost.
	Order []string `yaml:"order,omitempty"`

	// Hedging (issue 14).
	Hedge *HedgeConfig `yaml:"hedge,omitempty"`

	// Late-answer replacement (issue 14; replace.go).
	Replace *ReplaceConfig `yaml:"replace,omitempty"`
}

// HedgeConfig sends hedges: when an attempt has not answered within Delay,
// another copy of the request goes out while it is in flight, up to Max
// more per round; the first answer wins and the rest are cancelled. It sits
// inside retry (a round of hedged attempts is what a retry repeats) and
// each hedge passes the breaker and, without waiting, the rate limit. Only
// requests safe to repeat are hedged.
type HedgeConfig struct {
	// Delay is how long an attempt may go unanswered before the next hedge;
	// required.
	Delay time.Duration `yaml:"delay,omitempty"`
	// Max is the most hedges per round. Default 1.
	Max int `yaml:"max,omitempty"`
}

// RetryConfig retries failed attempts with a backoff.
type RetryConfig struct {
	// MaxRetries is the number of retries after the first attempt, so a call
	// makes at most 1+MaxRetries attempts. The zero value is the default,
	// DefaultMaxRetries (3); NoRetries makes none. A file says none with
	// `max_retries: 0` (the scenario decoder maps it to NoRetries).
	MaxRetries int `yaml:"max_retries,omitempty"`
	// Backoff is constant, linear, exponential (default) or list.
	Backoff string `yaml:"backoff,omitempty"`
	// Base is the first delay (constant: every delay; decorrelated jitters:
	// the lower bound and median). Default 100ms.
	Base time.Duration `yaml:"base,omitempty"`
	// Cap bounds the delay (see Jitter for where) of the exponential and
	// linear backoffs and the decorrelated jitters. Default 30s (or Base, if
	// larger).
	Cap time.Duration `yaml:"cap,omitempty"`
	// Multiplier is the exponential growth factor. Default 2.
	Multiplier float64 `yaml:"multiplier,omitempty"`
	// Step is the linear increment. Default: Base.
	Step time.Duration `yaml:"step,omitempty"`
	// Delays is the list backoff's delays, the last repeated.
	Delays []time.Duration `yaml:"delays,omitempty"`
	// Jitter is none, full (default), equal, decorrelated, decorrelated_v2
	// or factor.
	Jitter Jitter `yaml:"jitter,omitempty"`
	// JitterFactor is f of the factor jitter, in (0, 1]. Default 0.5.
	JitterFactor float64 `yaml:"jitter_factor,omitempty"`
	// On lists what is retried (see attemptSet). Default DefaultRetryOn.
	On []string `yaml:"on,omitempty"`
	// RetryAfter is honor (default), ignore or floor (max of the backoff
	// delay and the Retry-After).
	RetryAfter RetryAfterMode `yaml:"retry_after,omitempty"`
	// RetryAfterMax is the longest Retry-After honoured; a server that asks
	// for more gets a fast failure carrying the asked delay (or, with
	// RetryAfterOverMax clamp, a wait of RetryAfterMax). Default 60s.
	RetryAfterMax time.Duration `yaml:"retry_after_max,omitempty"`
	// RetryAfterJitter adds U(0, RetryAfterJitter) to an honoured
	// Retry-After, so a fleet told "2" does not return in one wave. Default 0.
	RetryAfterJitter time.Duration `yaml:"retry_after_jitter,omitempty"`
	// NonIdempotent retries requests whose method is not idempotent (POST,
	// PATCH, and any method outside RFC 9110's GET, HEAD, OPTIONS, TRACE, PUT,
	// DELETE) without an Idempotency-Key. By default they are retried only
	// after failures where the request provably never left (refused dials).
	NonIdempotent bool `yaml:"non_idempotent,omitempty"`

	// Retry-After beyond the maximum (issue 14).
	// RetryAfterOverMax is fail (default: the call fails at once) or clamp
	// (wait RetryAfterMax instead).
	RetryAfterOverMax string `yaml:"retry_after_over_max,omitempty"`
}

// Retries is the number of retries the section makes: MaxRetries with the
// default applied, 0 for NoRetries.
func (r *RetryConfig) Retries() int {
	switch {
	case r.MaxRetries == NoRetries:
		return 0
	case r.MaxRetries == 0:
		return DefaultMaxRetries
	}
	return r.MaxRetries
}

// FileMaxRetries converts a count of retries as files write it (0: none) to
// RetryConfig.MaxRetries (0: the default).
func FileMaxRetries(n int) int {
	if n == 0 {
		return NoRetries
	}
	return n
}

// BreakerConfig is a circuit breaker. It trips on Failures consecutive
// failures (or Failures within the period Within), or (when Ratio is set) on a failure ratio over a sliding Window
// with at least MinRequests requests, or on either when both are set.
type BreakerConfig struct {
	// Failures is the consecutive-failure threshold. Default 5 when Ratio is
	// not set; 0 with Ratio set trips on the ratio alone.
	Failures int `yaml:"failures,omitempty"`
	// Ratio is the failure ratio in (0, 1] that trips the breaker.
	Ratio float64 `yaml:"ratio,omitempty"`
	// Window is the sliding window of the ratio. Default 10s.
	Window time.Duration `yaml:"window,omitempty"`
	// MinRequests is the throughput in the window below which the ratio does
	// not trip. Default 10.
	MinRequests int `yaml:"min_requests,omitempty"`
	// Open is how long the breaker stays open. Default 30s.
	Open time.Duration `yaml:"open,omitempty"`
	// OpenMultiplier grows the open duration on each reopening without a
	// close in between. Default 1 (fixed).
	OpenMultiplier float64 `yaml:"open_multiplier,omitempty"`
	// OpenMax bounds a growing open duration. Default 10*Open.
	OpenMax time.Duration `yaml:"open_max,omitempty"`
	// HalfOpenProbes is how many calls a half-open breaker lets through
	// before it decides. Default 1.
	HalfOpenProbes int `yaml:"half_open_probes,omitempty"`
	// HalfOpenSuccesses is how many probe successes close it (any probe
	// failure reopens it). Default HalfOpenProbes; at most HalfOpenProbes.
	HalfOpenSuccesses int `yaml:"half_open_successes,omitempty"`
	// TripOn lists what counts as a failure (see attemptSet). Default
	// DefaultTripOn; other outcomes count as successes.
	TripOn []string `yaml:"trip_on,omitempty"`

	// N failures within a period (issue 14).
	// Within, when set, trips on Failures failures within this sliding
	// period, successes between them or not, instead of Failures
	// consecutive ones. Default 0: consecutive.
	Within time.Duration `yaml:"within,omitempty"`
}

// settings are the breaker's Settings: the same fields, with the same zero
// defaults.
func (b *BreakerConfig) settings() breaker.Settings {
	return breaker.Settings{
		Failures: b.Failures, Ratio: b.Ratio, Window: b.Window, MinRequests: b.MinRequests,
		Open: b.Open, OpenMax: b.OpenMax, OpenMultiplier: b.OpenMultiplier,
		HalfOpenProbes: b.HalfOpenProbes, HalfOpenSuccesses: b.HalfOpenSuccesses,
		Within: b.Within,
	}
}

// FallbackConfig answers a call that failed for good (retries exhausted on
// a transient failure, or refused by a breaker, rate limit or budget; not a
// non-retryable answer such as a 404, nor the caller's cancellation).
type FallbackConfig struct {
	// Stale serves the last good response of the same request key if it is
	// at most this old.
	Stale time.Duration `yaml:"stale,omitempty"`
	// Static is a fixed response used when no stale one is available.
	Static *StaticResponse `yaml:"static,omitempty"`
}

// StaticResponse is a fixed HTTP response.
type StaticResponse struct {
	Status  int               `yaml:"status,omitempty"` // default 200
	Headers map[string]string `yaml:"headers,omitempty"`
	Body    string            `yaml:"body,omitempty"`
}

// RateLimitConfig is a client-side token bucket.
type RateLimitConfig struct {
	// Rate is the refill in tokens per second; required.
	Rate float64 `yaml:"rate,omitempty"`
	// Burst is the bucket size. Default 1.
	Burst int `yaml:"burst,omitempty"`
	// Mode is wait (default: wait for a token), reject (fail at once) or
	// adaptive (the AWS SDKs' adaptive mode: ratelimit.Adaptive, which sets
	// its own rate, so Rate and Burst are not given; it waits).
	Mode string `yaml:"mode,omitempty"`
	// MaxWait rejects instead of waiting longer than this. Default: no bound
	// but the call's deadline.
	MaxWait time.Duration `yaml:"max_wait,omitempty"`

	// The AWS SDKs' adaptive mode (issue 14).
	// ThrottleOn lists the outcomes that are throttles to an adaptive
	// limiter (see attemptSet). Default DefaultThrottleOn.
	ThrottleOn []string `yaml:"throttle_on,omitempty"`
}

// BudgetConfig limits retries across all calls of the client. `budget: {}`
// is the recent-ratio budget with its defaults.
type BudgetConfig struct {
	Tokens *TokenBudgetConfig  `yaml:"tokens,omitempty"`
	Recent *RecentBudgetConfig `yaml:"recent,omitempty"`

	// The SDKs' and Brooker's budgets (issue 14): the AWS SDKs' standard
	// retry quota, Brooker's retry token bucket and his retry breaker.
	Quota        *AWSQuotaConfig     `yaml:"quota,omitempty"`
	TokenBucket  *TokenBucketConfig  `yaml:"token_bucket,omitempty"`
	FailureRatio *FailureRatioConfig `yaml:"failure_ratio,omitempty"`
}

// build resolves the defaults documented on the fields; a budget with no
// part is the recent-ratio budget.
func (b *BudgetConfig) build() *retrybudget.Budget {
	var ps retrybudget.Parts
	if t := b.Tokens; t != nil {
		ps.Tokens = &retrybudget.Tokens{Max: orFloat(t.Max, DefaultTokenBudgetMax), Refill: orFloat(t.Refill, DefaultTokenBudgetRefill)}
	}
	r := b.Recent
	if r == nil && b.Tokens == nil && b.Quota == nil && b.TokenBucket == nil && b.FailureRatio == nil {
		r = &RecentBudgetConfig{}
	}
	if r != nil {
		ps.Recent = &retrybudget.Recent{Ratio: orFloat(r.Ratio, DefaultRecentRatio),
			Window: orDuration(r.Window, DefaultRecentWindow), MinPerSecond: DefaultRecentMinPerSec}
		if r.MinPerSecond != nil {
			ps.Recent.MinPerSecond = *r.MinPerSecond
		}
	}
	if q := b.Quota; q != nil {
		ps.Quota = &retrybudget.Quota{Size: orFloat(q.Size, retrybudget.AWSQuotaSize),
			RetryCost: orFloat(q.RetryCost, retrybudget.AWSQuotaRetryCost), TimeoutCost: orFloat(q.TimeoutCost, retrybudget.AWSQuotaTimeoutCost),
			NoRetryIncrement: retrybudget.AWSQuotaNoRetryIncrement}
		ps.Quota.ThrottleCost = orFloat(q.ThrottleCost, ps.Quota.RetryCost)
		if q.NoRetryIncrement != nil {
			ps.Quota.NoRetryIncrement = *q.NoRetryIncrement
		}
	}
	if k := b.TokenBucket; k != nil {
		ps.Bucket = &retrybudget.Bucket{Size: orFloat(k.Size, DefaultTokenBucketSize),
			Deposit: orFloat(k.Deposit, DefaultTokenBucketDeposit), Cost: orFloat(k.Cost, DefaultTokenBucketCost)}
	}
	if f := b.FailureRatio; f != nil {
		ps.FailureRatio = &retrybudget.FailureRatio{Threshold: orFloat(f.Threshold, DefaultFailureRatioThreshold)}
	}
	return retrybudget.Build(ps)
}

// TokenBudgetConfig is gRPC's retry throttling: each failed attempt costs a
// token, each success earns Refill, and no retry is made while the bucket
// holds Max/2 tokens or fewer.
type TokenBudgetConfig struct {
	Max    float64 `yaml:"max,omitempty"`    // default 10
	Refill float64 `yaml:"refill,omitempty"` // default 0.1
}

// RecentBudgetConfig is Finagle's RetryBudget: retries in the last Window
// may be at most Ratio of the calls in it plus MinPerSecond*Window.
type RecentBudgetConfig struct {
	Ratio        float64       `yaml:"ratio,omitempty"`          // default 0.2
	Window       time.Duration `yaml:"window,omitempty"`         // default 10s
	MinPerSecond *float64      `yaml:"min_per_second,omitempty"` // default 10
}

// AWSQuotaConfig is the AWS SDKs' standard retry quota (retry mode
// "standard"; retrybudget.Quota): a bucket of Size tokens shared by the
// client's calls; a retry costs RetryCost, or TimeoutCost after a timed-out
// attempt, and is made only while the bucket holds its cost; a successful
// retry gives its cost back, a call that succeeds at its first try adds
// NoRetryIncrement. The defaults are the SDKs': 500, 5, 10, 1.
type AWSQuotaConfig struct {
	Size        float64 `yaml:"size,omitempty"`
	RetryCost   float64 `yaml:"retry_cost,omitempty"`
	TimeoutCost float64 `yaml:"timeout_cost,omitempty"`
	// NoRetryIncrement may be 0 (no refill but refunds), so nil is the default.
	NoRetryIncrement *float64 `yaml:"no_retry_increment,omitempty"`
	// ThrottleCost is what a retry after a 429 costs. Default RetryCost
	// (aws-sdk-go-v2 v1.48: 5, with retry_cost and timeout_cost 14).
	ThrottleCost float64 `yaml:"throttle_cost,omitempty"`
}

// TokenBucketConfig is Brooker's retry token bucket (retrybudget.Bucket):
// one bucket of Size per client, starting full; each first try deposits
// Deposit, and a retry is made only while the bucket holds more than Cost,
// which it takes. Defaults: size 10, deposit 0.1, cost 1 (Brooker's example
// of 0.1 token earned and 1 spent; the size is this project's choice).
type TokenBucketConfig struct {
	Size    float64 `yaml:"size,omitempty"`
	Deposit float64 `yaml:"deposit,omitempty"`
	Cost    float64 `yaml:"cost,omitempty"`
}

// FailureRatioConfig is Brooker's retry circuit breaker
// (retrybudget.FailureRatio): no retry while the client's failed attempts
// since it started, over its first tries since it started, exceed
// Threshold; first tries always go. Default threshold 0.1.
type FailureRatioConfig struct {
	Threshold float64 `yaml:"threshold,omitempty"`
}

// TimeoutConfig bounds time. Zero fields are no bound.
type TimeoutConfig struct {
	// Attempt bounds each attempt; when it fires the attempt fails with
	// ClassTimeout, which is retryable.
	Attempt time.Duration `yaml:"attempt,omitempty"`
	// Overall bounds the whole call, waits included; a retry whose delay
	// would end past it is not made.
	Overall time.Duration `yaml:"overall,omitempty"`
}

// Defaults, as documented on the fields above, and the words of a Config.
const (
	// NoRetries is RetryConfig.MaxRetries for a retry section that makes no
	// retry (its `on` list still tells transient failures, for fallback).
	NoRetries = -1

	DefaultMaxRetries        = 3
	DefaultBase              = 100 * time.Millisecond
	DefaultCap               = 30 * time.Second
	DefaultMultiplier        = 2.0
	DefaultJitterFactor      = 0.5
	DefaultRetryAfterMax     = 60 * time.Second
	DefaultBreakerFailures   = breaker.DefaultFailures
	DefaultBreakerWindow     = breaker.DefaultWindow
	DefaultBreakerMinRequest = breaker.DefaultMinRequests
	DefaultBreakerOpen       = breaker.DefaultOpen
	DefaultTokenBudgetMax    = 10.0
	DefaultTokenBudgetRefill = 0.1
	DefaultRecentRatio       = 0.2
	DefaultRecentWindow      = 10 * time.Second
	DefaultRecentMinPerSec   = 10.0

	// Brooker's retry token bucket and retry breaker (issue 14).
	DefaultTokenBucketSize       = 10.0
	DefaultTokenBucketDeposit    = 0.1
	DefaultTokenBucketCost       = 1.0
	DefaultFailureRatioThreshold = 0.1
	DefaultHedgeMax              = 1

	// Backoff kinds (RetryConfig.Backoff).
	BackoffConstant    = "constant"
	BackoffLinear      = "linear"
	BackoffExponential = "exponential"
	BackoffList        = "list"

	// Rate limit modes (RateLimitConfig.Mode).
	RateLimitWait   = "wait"
	RateLimitReject = "reject"
	// RateLimitAdaptive is the AWS SDKs' adaptive client rate limiter.
	RateLimitAdaptive = "adaptive"

	// Composition layer names for Config.Order.
	LayerFallback  = "fallback"
	LayerRetry     = "retry"
	LayerBreaker   = "breaker"
	LayerRateLimit = "rate_limit"
)

// Default lists, and every jitter strategy.
var (
	// DefaultRetryOn is what a retry policy retries when `on` is not given
	// (RFC 9110 transient statuses and every network failure).
	DefaultRetryOn = []string{"408", "429", "500", "502", "503", "504", "network"}
	// DefaultTripOn is what a breaker counts as failures when `trip_on` is
	// not given: a 429 is the server asking for less, not failing.
	DefaultTripOn = []string{"408", "5xx", "network"}
	// DefaultThrottleOn is what an adaptive rate limiter takes as a throttle
	// when `throttle_on` is not given: the server asking for less.
	DefaultThrottleOn = []string{"429"}
	// DefaultOrder is the composition, outermost first.
	DefaultOrder = []string{LayerFallback, LayerRetry, LayerBreaker, LayerRateLimit}
	// Jitters lists every jitter strategy, in the order reports show them.
	Jitters = []Jitter{JitterNone, JitterFull, JitterEqual, JitterDecorrelated, JitterDecorrelatedV2, JitterFactor}
)

func orDuration(d, def time.Duration) time.Duration {
	if d == 0 {
		return def
	}
	return d
}

func orFloat(v, def float64) float64 {
	if v == 0 {
		return def
	}
	return v
}

func orInt(v, def int) int {
	if v == 0 {
		return def
	}
	return v
}
