package faultserver

import (
	"fmt"
	"math"
	"math/rand/v2"
	"strings"
	"time"

	"go.yaml.in/yaml/v3"

	"github.com/chaos-harness/chaos/internal/suggest"
	"github.com/chaos-harness/chaos/internal/yamlfile"
	"github.com/chaos-harness/chaos/problem"
)

// Delay distributions.
const (
	DistFixed     = "fixed"
	DistUniform   = "uniform"
	DistNormal    = "normal"
	DistLognormal = "lognormal"
	DistPareto    = "pareto"
	// DistExponential is the exponential distribution by its mean (open-loop
	// clients and queueing servers, issue 14).
	DistExponential = "exponential"
)

// distNames lists every distribution, for messages and suggestions.
var distNames = []string{DistFixed, DistUniform, DistNormal, DistLognormal, DistPareto, DistExponential}

// Delay is a delay distribution, written as a duration ("250ms", fixed) or a
// mapping:
//
//	{dist: fixed, value: 250ms}
//	{dist: uniform, min: 10ms, max: 50ms}
//	{dist: normal, mean: 100ms, stddev: 20ms}         # clamped at 0
//	{dist: lognormal, median: 20ms, p99: 200ms}
//	{dist: pareto, min: 10ms, alpha: 1.5}             # min is the scale x_m
//	{dist: exponential, mean: 100ms}
//
// For every distribution but uniform, max (optional) caps a draw.
type Delay struct {
	Dist   string        `yaml:"dist"`
	Value  time.Duration `yaml:"value,omitempty"`
	Min    time.Duration `yaml:"min,omitempty"`
	Max    time.Duration `yaml:"max,omitempty"`
	Mean   time.Duration `yaml:"mean,omitempty"`
	Stddev time.Duration `yaml:"stddev,omitempty"`
	Median time.Duration `yaml:"median,omitempty"`
	P99    time.Duration `yaml:"p99,omitempty"`
	Alpha  float64       `yaml:"alpha,omitempty"`
}

// Fixed is a delay of exactly d.
func Fixed(d time.Duration) *Delay { return &Delay{Dist: DistFixed, Value: time.Duration(d)} }

// delayFields are the keys of the mapping form, for unknown-key errors.
var delayFields = []string{"dist", "value", "min", "max", "mean", "stddev", "median", "p99", "alpha"}

// UnmarshalYAML accepts a duration or the mapping form, refusing unknown keys.
func (d *Delay) UnmarshalYAML(n *yaml.Node) error {
	switch n.Kind {
	case yaml.ScalarNode:
		v, err := yamlfile.ParseDuration(n.Value)
		if err != nil {
			return yamlfile.NodeError(n, "%v", err)
		}
		*d = *Fixed(v)
		return nil
	case yaml.MappingNode:
		if err := unknownKey(n, delayFields, "a delay"); err != nil {
			return err
		}
		type plain Delay // without the UnmarshalYAML method
		var p plain
		if err := yamlfile.DecodeValue(n, &p); err != nil {
			return err
		}
		*d = Delay(p)
		return nil
	}
	return yamlfile.NodeError(n, "expected a duration such as 250ms or a distribution such as {dist: lognormal, median: 20ms, p99: 200ms}")
}

// unknownKey is the error at the first key of mapping n that is not one of
// fields (the keys of what, as a message names it), with the nearest as a
// suggestion; nil when every key is known.
func unknownKey(n *yaml.Node, fields []string, what string) error {
	for i := 0; i+1 < len(n.Content); i += 2 {
		k := n.Content[i]
		if !contains(fields, k.Value) {
			msg := fmt.Sprintf("unknown field %q of %s", k.Value, what)
			if s := suggest.Nearest(k.Value, fields); s != "" {
				msg += fmt.Sprintf(" (did you mean %q?)", s)
			}
			return yamlfile.NodeError(k, "%s", msg)
		}
	}
	return nil
}

// MarshalYAML writes a fixed delay as its duration.
func (d Delay) MarshalYAML() (any, error) {
	if d.Dist == DistFixed && d.Max == 0 {
		return d.Value.String(), nil
	}
	type plain Delay
	return plain(d), nil
}

// problems reports invalid parameters at paths below the delay's own path.
func (d *Delay) problems(path string, p *problem.List) {
	pos := func(field string, v time.Duration) {
		if v <= 0 {
			p.Add(path+"."+field, "must be a positive duration for dist %s", d.Dist)
		}
	}
	switch d.Dist {
	case DistFixed:
	case DistUniform:
		pos("max", d.Max)
		if d.Min > d.Max {
			p.Add(path+".min", "min %v is above max %v", d.Min, d.Max)
		}
	case DistNormal:
		pos("mean", d.Mean)
		pos("stddev", d.Stddev)
	case DistLognormal:
		pos("median", d.Median)
		if d.P99 <= d.Median {
			p.Add(path+".p99", "p99 must be above median for dist lognormal")
		}
	case DistPareto:
		pos("min", d.Min)
		if d.Alpha <= 0 || math.IsNaN(d.Alpha) || math.IsInf(d.Alpha, 0) {
			p.Add(path+".alpha", "alpha must be a positive number for dist pareto")
		}
	case DistExponential:
		pos("mean", d.Mean)
	case "":
		p.Add(path+".dist", "missing dist (one of %s)", strings.Join(distNames, ", "))
	default:
		msg := fmt.Sprintf("unknown dist %q (one of %s)", d.Dist, strings.Join(distNames, ", "))
		if s := suggest.Nearest(d.Dist, distNames); s != "" {
			msg += fmt.Sprintf(" (did you mean %q?)", s)
		}
		p.Add(path+".dist", "%s", msg)
	}
	if d.Max > 0 && d.Dist != DistUniform && d.Max < d.floor() {
		p.Add(path+".max", "max %v is below the distribution's least value %v", d.Max, d.floor())
	}
}

// floor is the least value a draw can take (before the max cap).
func (d *Delay) floor() time.Duration {
	switch d.Dist {
	case DistFixed:
		return d.Value
	case DistPareto:
		return d.Min
	}
	return 0
}

// z99 is the 0.99 quantile of the standard normal distribution, Φ⁻¹(0.99).
const z99 = 2.3263478740408408

// sampler draws delays from a validated Delay. Its parameters are computed
// once, so a draw does no allocation.
type sampler struct {
	dist     string
	a, b     float64 // fixed: value; uniform: min, width; normal: mean, sd; lognormal: μ, σ; pareto: x_m, α; exponential: mean
	capNanos float64 // 0 means no cap
}

func newSampler(d *Delay) sampler {
	s := sampler{dist: d.Dist, capNanos: float64(d.Max)}
	switch d.Dist {
	case DistFixed:
		s.a = float64(d.Value)
	case DistUniform:
		s.a, s.b = float64(d.Min), float64(d.Max-d.Min)
		s.capNanos = 0
	case DistNormal:
		s.a, s.b = float64(d.Mean), float64(d.Stddev)
	case DistLognormal:
		// A lognormal by its median and 99th percentile: median = e^μ and
		// p99 = e^(μ + σ·Φ⁻¹(0.99)), so σ = (ln p99 − ln median) / Φ⁻¹(0.99).
		s.a = math.Log(float64(d.Median))
		s.b = (math.Log(float64(d.P99)) - s.a) / z99
	case DistPareto:
		s.a, s.b = float64(d.Min), d.Alpha
	case DistExponential:
		s.a = float64(d.Mean)
	}
	return s
}

// draw returns one delay; it consumes at most one value from rng beyond the
// fixed case's none.
func (s *sampler) draw(rng *rand.Rand) time.Duration {
	var ns float64
	switch s.dist {
	case DistFixed:
		ns = s.a
	case DistUniform:
		ns = s.a + rng.Float64()*s.b
	case DistNormal:
		ns = s.a + s.b*rng.NormFloat64()
	case DistLognormal:
		ns = math.Exp(s.a + s.b*rng.NormFloat64())
	case DistPareto:
		// Inverse transform sampling: F(x) = 1 − (x_m/x)^α, so x = x_m · U^(−1/α)
		// with U uniform on (0, 1].
		ns = s.a * math.Pow(1-rng.Float64(), -1/s.b)
	case DistExponential:
		// ExpFloat64 draws the standard exponential (rate 1, mean 1).
		ns = s.a * rng.ExpFloat64()
	}
	if s.capNanos > 0 && ns > s.capNanos {
		ns = s.capNanos
	}
	if ns < 0 || math.IsNaN(ns) {
		return 0
	}
	if ns > math.MaxInt64 {
		return math.MaxInt64
	}
	return time.Duration(ns)
}

func contains(list []string, s string) bool {
	for _, v := range list {
		if v == s {
			return true
		}
	}
	return false
}
