package resilience

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
type JitterSetting Jitter

// UnmarshalYAML reads a boolean or a jitter name.
func (j *JitterSetting) UnmarshalYAML(n *yaml.Node) error {
	if n.Kind != yaml.ScalarNode {
		return yamlfile.NodeError(n, "expected true, false or a jitter name")
	}
	if n.Tag == "!!bool" {
		if b, _ := strconv.ParseBool(n.Value); b {
			*j = JitterSetting(JitterEqual)
		} else {
			*j = JitterSetting(JitterNone)
		}
		return nil
	}
	if !slices.Contains(Jitters, Jitter(n.Value)) {
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
	ProfileBaseDelay      = time.Second
	ProfileMaxDelay       = 60 * time.Second
	ProfileBreakerTimeout = 60 * time.Second
)

// Config converts the profile to a policy named name. Without
// retry_delay_seconds the backoff is exponential: base_delay *
// exponential_base^(attempt-1), capped at max_delay, with equal jitter
// unless told otherwise (the seed client's formula). With it, the delays are
// Prefect's: constant, or the list. retry_jitter_factor selects the factor
// jitter. The error's problem paths are the profile's own keys.
func (pr Profile) Config(name string) (Config, error) {
	var ps problem.List
	if pr.MaxRetries != nil && pr.Retries != nil {
		ps.Add("retries", "set max_retries or retries, not both")
	}
	if pr.BaseDelay != nil && pr.RetryDelaySeconds != nil {
		ps.Add("retry_delay_seconds", "set base_delay or retry_delay_seconds, not both")
	}
	if pr.RetryJitterFactor != 0 && pr.Jitter != nil && Jitter(*pr.Jitter) != JitterFactor {
		ps.Add("retry_jitter_factor", "conflicts with jitter: %s", Jitter(*pr.Jitter))
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
		return Config{}, ProblemsError(ps)
	}
	cfg := Config{Name: name, Retry: pr.retry()}
	if pr.CircuitBreakerThreshold > 0 {
		cfg.Breaker = &BreakerConfig{Failures: pr.CircuitBreakerThreshold,
			Open: time.Duration(secondsOr(pr.CircuitBreakerTimeout, ProfileBreakerTimeout))}
	}
	if pr.Timeout != nil && *pr.Timeout > 0 {
		cfg.Timeout = &TimeoutConfig{Attempt: time.Duration(*pr.Timeout)}
	}
	if pr.CacheExpiration != nil && *pr.CacheExpiration > 0 {
		cfg.Fallback = &FallbackConfig{Stale: time.Duration(*pr.CacheExpiration)}
	}
	if problems := cfg.Problems(); len(problems) > 0 {
		return Config{}, ProblemsError(problems)
	}
	return cfg, nil
}

func (pr Profile) retry() *RetryConfig {
	r := &RetryConfig{}
	switch {
	case pr.Retries != nil:
		r.MaxRetries = FileMaxRetries(*pr.Retries)
	case pr.MaxRetries != nil:
		r.MaxRetries = FileMaxRetries(*pr.MaxRetries)
	}
	jitter := JitterEqual
	switch {
	case len(pr.RetryDelaySeconds) == 1:
		r.Backoff, r.Base = BackoffConstant, time.Duration(pr.RetryDelaySeconds[0])
		jitter = JitterNone
	case len(pr.RetryDelaySeconds) > 1:
		r.Backoff = BackoffList
		for _, d := range pr.RetryDelaySeconds {
			r.Delays = append(r.Delays, time.Duration(d))
		}
		jitter = JitterNone
	default:
		r.Backoff = BackoffExponential
		r.Base = time.Duration(secondsOr(pr.BaseDelay, ProfileBaseDelay))
		r.Cap = time.Duration(max(secondsOr(pr.MaxDelay, ProfileMaxDelay), r.Base))
		r.Multiplier = pr.ExponentialBase
	}
	switch {
	case pr.Jitter != nil:
		jitter = Jitter(*pr.Jitter)
	case pr.RetryJitterFactor != 0:
		jitter = JitterFactor
	}
	r.Jitter = jitter
	if jitter == JitterFactor {
		r.JitterFactor = pr.RetryJitterFactor
	}
	if len(pr.RetryOnStatus) > 0 {
		for _, s := range pr.RetryOnStatus {
			r.On = append(r.On, strconv.Itoa(s))
		}
		r.On = append(r.On, "network") // the seed also retries connection errors and timeouts
	}
	if r.Base == 0 && r.Backoff == BackoffConstant {
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

// LoadProfiles reads a YAML file of named profiles (name: {max_retries: 5,
// base_delay: 1.0, ...}) strictly: every error names the file, line and
// field.
func LoadProfiles(file string, data []byte) (map[string]Config, error) {
	var raw map[string]Profile
	doc, err := yamlfile.Decode(file, data, &raw)
	if err != nil {
		return nil, err
	}
	out := make(map[string]Config, len(raw))
	var errs yamlfile.Errors
	for name, pr := range raw {
		cfg, err := pr.Config(name)
		var ps ProblemsError
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
