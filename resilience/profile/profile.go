// Package profile reads retry profiles in the shapes users of the seed
// designs keep them (the Python client's APIRetryConfig and CircuitBreaker
// knobs, Prefect's task retry options) and converts each to a
// resilience.Config; Preset names a few built-in ones. It builds on the root
// package (which never imports it).
package profile

import (
	"errors"
	"fmt"
	"math"
	"reflect"
	"slices"
	"strconv"
	"strings"
	"time"

	"go.yaml.in/yaml/v3"

	"github.com/chaos-harness/chaos/internal/yamlfile"
	"github.com/chaos-harness/chaos/problem"
	"github.com/chaos-harness/chaos/resilience"
	"github.com/chaos-harness/chaos/resilience/internal/delay"
)

// Seconds is a duration written in a profile as a number of seconds (1.5)
// or as a Go duration string ("1500ms").
type Seconds time.Duration

// D returns the time.Duration.
func (s Seconds) D() time.Duration { return time.Duration(s) }

// UnmarshalYAML reads a number of seconds or a duration string.
func (s *Seconds) UnmarshalYAML(n *yaml.Node) error {
	d, err := parseSeconds(n)
	if err != nil {
		return err
	}
	*s = Seconds(d)
	return nil
}

func parseSeconds(n *yaml.Node) (time.Duration, error) {
	if n.Kind != yaml.ScalarNode {
		return 0, yamlfile.NodeError(n, "expected seconds (1.5) or a duration (1500ms)")
	}
	if n.Tag == "!!int" || n.Tag == "!!float" {
		v, err := strconv.ParseFloat(n.Value, 64)
		if err != nil || math.IsNaN(v) || math.IsInf(v, 0) {
			return 0, yamlfile.NodeError(n, "%q is not a number of seconds", n.Value)
		}
		if v < 0 {
			return 0, yamlfile.NodeError(n, "seconds must not be negative, got %v", v)
		}
		if v > float64(delay.Max)/float64(time.Second) {
			return 0, yamlfile.NodeError(n, "%v seconds is too long", v)
		}
		return time.Duration(v * float64(time.Second)), nil
	}
	d, err := yamlfile.ParseDuration(n.Value)
	if err != nil {
		return 0, yamlfile.NodeError(n, "%v", err)
	}
	return d, nil
}

// SecondsList is Prefect's retry_delay_seconds: one value (a constant
// delay) or a list (one delay per retry, the last repeated).
type SecondsList []time.Duration

// UnmarshalYAML reads a scalar or a sequence of Seconds.
func (l *SecondsList) UnmarshalYAML(n *yaml.Node) error {
	items := []*yaml.Node{n}
	if n.Kind == yaml.SequenceNode {
		if len(n.Content) == 0 {
			return yamlfile.NodeError(n, "needs at least one delay")
		}
		items = n.Content
	}
	out := make(SecondsList, len(items))
	for i, item := range items {
		d, err := parseSeconds(item)
		if err != nil {
			return err
		}
		out[i] = d
	}
	*l = out
	return nil
}

// JitterSetting is a profile's jitter: true (equal jitter, the seed
// client's d*(0.5+U/2)), false (none), or a jitter name.
type JitterSetting resilience.Jitter

// UnmarshalYAML reads a boolean or a jitter name.
func (j *JitterSetting) UnmarshalYAML(n *yaml.Node) error {
	if n.Kind != yaml.ScalarNode {
		return yamlfile.NodeError(n, "expected true, false or a jitter name")
	}
	if n.Tag == "!!bool" {
		if b, _ := strconv.ParseBool(n.Value); b {
			*j = JitterSetting(resilience.JitterEqual)
		} else {
			*j = JitterSetting(resilience.JitterNone)
		}
		return nil
	}
	if !slices.Contains(resilience.Jitters, resilience.Jitter(n.Value)) {
		return yamlfile.NodeError(n, "unknown jitter %q (true, false, none, full, equal, decorrelated, decorrelated_v2, factor)", n.Value)
	}
	*j = JitterSetting(n.Value)
	return nil
}

// Profile is a named retry profile in the shape users keep in files, with
// the knobs of the seed designs: the Python client's (max_retries,
// base_delay, max_delay, exponential_base, jitter, retry_on_status,
// circuit_breaker_threshold, circuit_breaker_timeout, timeout) and
// Prefect's task options (retries, retry_delay_seconds, retry_jitter_factor,
// cache_expiration). Seconds are numbers or duration strings.
type Profile struct {
	MaxRetries              *int           `yaml:"max_retries"`
	Retries                 *int           `yaml:"retries"`
	BaseDelay               *Seconds       `yaml:"base_delay"`
	RetryDelaySeconds       SecondsList    `yaml:"retry_delay_seconds"`
	MaxDelay                *Seconds       `yaml:"max_delay"`
	ExponentialBase         float64        `yaml:"exponential_base"`
	Jitter                  *JitterSetting `yaml:"jitter"`
	RetryJitterFactor       float64        `yaml:"retry_jitter_factor"`
	RetryOnStatus           []int          `yaml:"retry_on_status"`
	CircuitBreakerThreshold int            `yaml:"circuit_breaker_threshold"`
	CircuitBreakerTimeout   *Seconds       `yaml:"circuit_breaker_timeout"`
	Timeout                 *Seconds       `yaml:"timeout"`
	CacheExpiration         *Seconds       `yaml:"cache_expiration"`
}

// Profile defaults, those of the seed client's APIRetryConfig and
// CircuitBreaker.
const (
	DefaultBaseDelay      = time.Second
	DefaultMaxDelay       = 60 * time.Second
	DefaultBreakerTimeout = 60 * time.Second
)

// Config converts the profile to a policy named name. Without
// retry_delay_seconds the backoff is exponential: base_delay *
// exponential_base^(attempt-1), capped at max_delay, with equal jitter
// unless told otherwise (the seed client's formula). With it, the delays are
// Prefect's: constant, or the list. retry_jitter_factor selects the factor
// jitter. The error's problem paths are the profile's own keys.
func (pr Profile) Config(name string) (resilience.Config, error) {
	var ps problem.List
	if pr.MaxRetries != nil && pr.Retries != nil {
		ps.Add("retries", "set max_retries or retries, not both")
	}
	if pr.BaseDelay != nil && pr.RetryDelaySeconds != nil {
		ps.Add("retry_delay_seconds", "set base_delay or retry_delay_seconds, not both")
	}
	if pr.RetryJitterFactor != 0 && pr.Jitter != nil && resilience.Jitter(*pr.Jitter) != resilience.JitterFactor {
		ps.Add("retry_jitter_factor", "conflicts with jitter: %s", resilience.Jitter(*pr.Jitter))
	}
	for _, n := range []struct {
		key string
		v   *int
	}{{"max_retries", pr.MaxRetries}, {"retries", pr.Retries}} {
		if n.v != nil && *n.v < 0 {
			ps.Add(n.key, "must be 0 or more, got %d", *n.v)
		}
	}
	if pr.CircuitBreakerThreshold < 0 {
		ps.Add("circuit_breaker_threshold", "must be 0 (no breaker) or more, got %d", pr.CircuitBreakerThreshold)
	}
	for i, s := range pr.RetryOnStatus {
		if s < 400 || s > 599 {
			ps.Add(fmt.Sprintf("retry_on_status[%d]", i), "status %d is not a failure status (400-599)", s)
		}
	}
	if len(ps) > 0 {
		return resilience.Config{}, resilience.ProblemsError(ps)
	}
	cfg := resilience.Config{Name: name, Retry: pr.retry()}
	if pr.CircuitBreakerThreshold > 0 {
		cfg.Breaker = &resilience.BreakerConfig{Failures: pr.CircuitBreakerThreshold,
			Open: time.Duration(secondsOr(pr.CircuitBreakerTimeout, DefaultBreakerTimeout))}
	}
	if pr.Timeout != nil && *pr.Timeout > 0 {
		cfg.Timeout = &resilience.TimeoutConfig{Attempt: time.Duration(*pr.Timeout)}
	}
	if pr.CacheExpiration != nil && *pr.CacheExpiration > 0 {
		cfg.Fallback = &resilience.FallbackConfig{Stale: time.Duration(*pr.CacheExpiration)}
	}
	if problems := cfg.Problems(); len(problems) > 0 {
		return resilience.Config{}, resilience.ProblemsError(problems)
	}
	return cfg, nil
}

func (pr Profile) retry() *resilience.RetryConfig {
	r := &resilience.RetryConfig{}
	switch {
	case pr.Retries != nil:
		r.MaxRetries = resilience.FileMaxRetries(*pr.Retries)
	case pr.MaxRetries != nil:
		r.MaxRetries = resilience.FileMaxRetries(*pr.MaxRetries)
	}
	jitter := resilience.JitterEqual
	switch {
	case len(pr.RetryDelaySeconds) == 1:
		r.Backoff, r.Base = resilience.BackoffConstant, time.Duration(pr.RetryDelaySeconds[0])
		jitter = resilience.JitterNone
	case len(pr.RetryDelaySeconds) > 1:
		r.Backoff = resilience.BackoffList
		for _, d := range pr.RetryDelaySeconds {
			r.Delays = append(r.Delays, time.Duration(d))
		}
		jitter = resilience.JitterNone
	default:
		r.Backoff = resilience.BackoffExponential
		r.Base = time.Duration(secondsOr(pr.BaseDelay, DefaultBaseDelay))
		r.Cap = time.Duration(max(secondsOr(pr.MaxDelay, DefaultMaxDelay), r.Base))
		r.Multiplier = pr.ExponentialBase
	}
	switch {
	case pr.Jitter != nil:
		jitter = resilience.Jitter(*pr.Jitter)
	case pr.RetryJitterFactor != 0:
		jitter = resilience.JitterFactor
	}
	r.Jitter = jitter
	if jitter == resilience.JitterFactor {
		r.JitterFactor = pr.RetryJitterFactor
	}
	if len(pr.RetryOnStatus) > 0 {
		for _, s := range pr.RetryOnStatus {
			r.On = append(r.On, strconv.Itoa(s))
		}
		r.On = append(r.On, "network") // the seed also retries connection errors and timeouts
	}
	if r.Base == 0 && r.Backoff == resilience.BackoffConstant {
		r.Base = time.Duration(1) // a zero delay: Base 0 would mean the default
	}
	return r
}

func secondsOr(s *Seconds, def time.Duration) time.Duration {
	if s == nil {
		return def
	}
	return s.D()
}

// Load reads a YAML file of named profiles (name: {max_retries: 5,
// base_delay: 1.0, ...}) strictly: every error names the file, line and
// field.
func Load(file string, data []byte) (map[string]resilience.Config, error) {
	var raw map[string]Profile
	doc, err := yamlfile.Decode(file, data, &raw)
	if err != nil {
		return nil, err
	}
	out := make(map[string]resilience.Config, len(raw))
	var errs yamlfile.Errors
	for name, pr := range raw {
		cfg, err := pr.Config(name)
		var ps resilience.ProblemsError
		if errors.As(err, &ps) {
			for _, p := range ps {
				path := name + "." + p.Path
				if _, own := profileKeys[rootKey(p.Path)]; !own {
					path = name // a problem of the converted policy: point at the profile
					p.Msg = p.Path + ": " + p.Msg
				}
				errs = append(errs, doc.Errorf(path, "%s", p.Msg))
			}
			continue
		}
		out[name] = cfg
	}
	if len(errs) > 0 {
		slices.SortFunc(errs, func(a, b *yamlfile.Error) int { return a.Line - b.Line })
		return nil, errs
	}
	return out, nil
}

// profileKeys are the YAML keys of a Profile (a flat struct).
var profileKeys = func() map[string]bool {
	m := map[string]bool{}
	for f := range typeOfProfile.Fields() {
		name, _, _ := strings.Cut(f.Tag.Get("yaml"), ",")
		m[name] = true
	}
	return m
}()

func rootKey(path string) string {
	for i, c := range path {
		if c == '.' || c == '[' {
			return path[:i]
		}
	}
	return path
}

var typeOfProfile = reflect.TypeFor[Profile]()
