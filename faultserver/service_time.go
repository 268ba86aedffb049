package faultserver

import (
	"fmt"
	"math/rand/v2"
	"time"

	"go.yaml.in/yaml/v3"

	"github.com/chaos-harness/chaos/internal/suggest"
	"github.com/chaos-harness/chaos/internal/yamlfile"
	"github.com/chaos-harness/chaos/problem"
)

// What the server does with a request whose client gave up (its timeout)
// before the service time was over (ServiceSpec.Abandoned).
const (
	// AbandonedCancel stops the work when the client goes: its slot (and its
	// queue worker) is free from then. It is the default, and what the server
	// did before there was a choice.
	AbandonedCancel = "cancel"
	// AbandonedFinish keeps working until the service time is over, as a
	// server that never looks at its client does: the slot stays taken, a
	// queued request is still served when its turn comes. It is what
	// sustains a metastable retry storm.
	AbandonedFinish = "finish"
)

// ServiceMix is one weighted entry of ServiceSpec.Mixture: a service time
// drawn from Delay with probability Weight over the weights' sum.
type ServiceMix struct {
	Weight float64 `yaml:"weight"`
	Delay  Delay   `yaml:",inline"`
}

// serviceFields are the keys of `service:` beside a distribution's own.
var serviceFields = []string{"base", "per_concurrent", "mixture", "abandoned"}

// UnmarshalYAML reads base, per_concurrent, abandoned, mixture and the keys
// of a distribution written inline ({dist: exponential, mean: 10ms}).
func (s *ServiceSpec) UnmarshalYAML(n *yaml.Node) error {
	if n.Kind != yaml.MappingNode {
		return yamlfile.NodeError(n, "expected a mapping such as {base: 1s, per_concurrent: 10ms} or {dist: exponential, mean: 10ms}")
	}
	var out ServiceSpec
	dist := &yaml.Node{Kind: yaml.MappingNode, Line: n.Line, Column: n.Column}
	for i := 0; i+1 < len(n.Content); i += 2 {
		k, v := n.Content[i], n.Content[i+1]
		var err error
		switch k.Value {
		case "base":
			out.Base, err = yamlfile.DurationNode(v)
		case "per_concurrent":
			out.PerConcurrent, err = yamlfile.DurationNode(v)
		case "abandoned":
			out.Abandoned = v.Value
		case "mixture":
			err = decodeMixture(v, &out.Mixture)
		default:
			if !contains(delayFields, k.Value) {
				all := append(append([]string{}, serviceFields...), delayFields...)
				msg := fmt.Sprintf("unknown field %q of service", k.Value)
				if near := suggest.Nearest(k.Value, all); near != "" {
					msg += fmt.Sprintf(" (did you mean %q?)", near)
				}
				return yamlfile.NodeError(k, "%s", msg)
			}
			dist.Content = append(dist.Content, k, v)
		}
		if err != nil {
			return err
		}
	}
	if len(dist.Content) > 0 {
		out.Dist = &Delay{}
		if err := out.Dist.UnmarshalYAML(dist); err != nil {
			return err
		}
	}
	*s = out
	return nil
}

// decodeMixture reads [{weight: W, dist: ..., ...}, ...].
func decodeMixture(n *yaml.Node, out *[]ServiceMix) error {
	if n.Kind != yaml.SequenceNode {
		return yamlfile.NodeError(n, "expected a list of weighted distributions such as [{weight: 9, dist: fixed, value: 1ms}, {weight: 1, dist: fixed, value: 50ms}]")
	}
	for _, item := range n.Content {
		if item.Kind != yaml.MappingNode {
			return yamlfile.NodeError(item, "expected {weight: W, dist: ...}")
		}
		m := ServiceMix{}
		dist := &yaml.Node{Kind: yaml.MappingNode, Line: item.Line, Column: item.Column}
		for i := 0; i+1 < len(item.Content); i += 2 {
			k, v := item.Content[i], item.Content[i+1]
			if k.Value == "weight" {
				if err := yamlfile.DecodeValue(v, &m.Weight); err != nil {
					return err
				}
				continue
			}
			dist.Content = append(dist.Content, k, v)
		}
		if err := m.Delay.UnmarshalYAML(dist); err != nil {
			return err
		}
		*out = append(*out, m)
	}
	return nil
}

// MarshalYAML writes the form UnmarshalYAML reads.
func (s ServiceSpec) MarshalYAML() (any, error) {
	m := map[string]any{}
	if s.Base != 0 {
		m["base"] = s.Base.String()
	}
	if s.PerConcurrent != 0 {
		m["per_concurrent"] = s.PerConcurrent.String()
	}
	if s.Abandoned != "" {
		m["abandoned"] = s.Abandoned
	}
	if s.Dist != nil {
		for k, v := range delayMap(*s.Dist) {
			m[k] = v
		}
	}
	if len(s.Mixture) > 0 {
		var list []map[string]any
		for _, e := range s.Mixture {
			item := delayMap(e.Delay)
			item["weight"] = e.Weight
			list = append(list, item)
		}
		m["mixture"] = list
	}
	return m, nil
}

// delayMap is a delay in its mapping form, its zero fields left out.
func delayMap(d Delay) map[string]any {
	m := map[string]any{"dist": d.Dist}
	for k, v := range map[string]time.Duration{"value": d.Value, "min": d.Min, "max": d.Max, "mean": d.Mean,
		"stddev": d.Stddev, "median": d.Median, "p99": d.P99} {
		if v != 0 {
			m[k] = v.String()
		}
	}
	if d.Alpha != 0 {
		m["alpha"] = d.Alpha
	}
	return m
}

// problems reports invalid service settings at paths under path.
func (s *ServiceSpec) problems(path string, p *problem.List) {
	if s.Base < 0 {
		p.Add(path+".base", "must not be negative, got %v", s.Base)
	}
	if s.PerConcurrent < 0 {
		p.Add(path+".per_concurrent", "must not be negative, got %v", s.PerConcurrent)
	}
	if s.Dist != nil && len(s.Mixture) > 0 {
		p.Add(path+".mixture", "give either a distribution (dist: ...) or a mixture, not both")
	}
	if s.Dist != nil {
		s.Dist.problems(path, p)
	}
	total := 0.0
	for i := range s.Mixture {
		e := &s.Mixture[i]
		at := fmt.Sprintf("%s.mixture[%d]", path, i)
		if !(e.Weight > 0) || e.Weight > 1e300 {
			p.Add(at+".weight", "must be a positive number, got %g", e.Weight)
		}
		total += e.Weight
		e.Delay.problems(at, p)
	}
	switch s.Abandoned {
	case "", AbandonedCancel, AbandonedFinish:
	default:
		p.Add(path+".abandoned", "unknown %q: use %s or %s", s.Abandoned, AbandonedFinish, AbandonedCancel)
	}
}

// serviceTime is the compiled ServiceSpec: what a served request waits on
// top of its delay.
type serviceTime struct {
	base, perConcurrent time.Duration
	one                 *sampler       // the distribution, if one was given
	mix                 []serviceEntry // or the mixture's entries, by cumulative weight
	total               float64        // the mixture's weights summed
	finish              bool           // abandoned: finish
}

type serviceEntry struct {
	upTo float64
	s    sampler
}

func compileService(sv *ServiceSpec) serviceTime {
	st := serviceTime{base: sv.Base, perConcurrent: sv.PerConcurrent, finish: sv.Abandoned == AbandonedFinish}
	if sv.Dist != nil {
		s := newSampler(sv.Dist)
		st.one = &s
	}
	for i := range sv.Mixture {
		st.total += sv.Mixture[i].Weight
		st.mix = append(st.mix, serviceEntry{upTo: st.total, s: newSampler(&sv.Mixture[i].Delay)})
	}
	return st
}

// draw is the service time of a request admitted with inFlight requests in
// flight (itself included): base + per_concurrent·inFlight, plus a draw of
// the distribution or the mixture. Without a distribution it consumes
// nothing from rng, so a script that has none decides as before.
func (st *serviceTime) draw(inFlight int, rng *rand.Rand) time.Duration {
	d := st.base + st.perConcurrent*time.Duration(inFlight)
	switch {
	case st.one != nil:
		d += st.one.draw(rng)
	case len(st.mix) > 0:
		u := rng.Float64() * st.total
		e := &st.mix[len(st.mix)-1]
		for i := range st.mix {
			if u < st.mix[i].upTo {
				e = &st.mix[i]
				break
			}
		}
		d += e.s.draw(rng)
	}
	return d
}
