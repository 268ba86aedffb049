package faultserver

import (
	"strings"
	"time"

	"github.com/chaos-harness/chaos/problem"
)

// Problems returns the delay's validation problems, with paths relative to
// the delay ("mean", "p99"); none means NewDelaySampler accepts it.
func (d *Delay) Problems() []problem.Field {
	var p problem.List
	d.problems("", &p)
	for i := range p {
		p[i].Path = strings.TrimPrefix(p[i].Path, ".")
	}
	return p
}

// DelaySampler draws from a Delay's distribution reproducibly by key, as the
// server's decisions are: draw n for key k depends only on the seed, k and n,
// never on what other keys drew. The simulator draws its network hops with it.
// A DelaySampler is not safe for concurrent use.
type DelaySampler struct {
	sampler sampler
	seed    uint64
	stream  stream // reseeded for every draw
}

// NewDelaySampler validates d and returns its sampler, seeded with seed.
func NewDelaySampler(d Delay, seed uint64) (*DelaySampler, error) {
	if err := joinProblems(d.Problems()); err != nil {
		return nil, err
	}
	s := &DelaySampler{sampler: newSampler(&d), seed: seed}
	s.stream.init()
	return s, nil
}

// Draw returns draw number n for key.
func (s *DelaySampler) Draw(key, n uint64) time.Duration {
	return s.sampler.draw(s.stream.seedFor(s.seed, key, n))
}
