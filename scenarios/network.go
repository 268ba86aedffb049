package scenarios

import (
	"time"

	"go.yaml.in/yaml/v3"

	"github.com/chaos-harness/chaos/faultserver"
)

// Network is the one-way delay of a network hop in the sim engine, written as
// faultserver's delay: a duration, or a distribution such as
// {dist: normal, mean: 10ms, stddev: 2ms}. The zero value is no delay.
type Network struct {
	Delay *faultserver.Delay
}

// UnmarshalYAML reads the delay with faultserver's own decoder.
func (n *Network) UnmarshalYAML(node *yaml.Node) error {
	var d faultserver.Delay
	if err := d.UnmarshalYAML(node); err != nil {
		return err
	}
	n.Delay = &d
	return nil
}

// MarshalYAML writes the delay.
func (n Network) MarshalYAML() (any, error) {
	if n.Delay == nil {
		return nil, nil
	}
	return n.Delay, nil
}

func (n Network) validate(p *problems, path string) {
	if n.Delay == nil {
		return
	}
	for _, fp := range n.Delay.Problems() {
		p.addValidation(prefixed(path, fp.Path), "%s", fp.Msg)
	}
}

// streamNetwork seeds the network's draws, so they never mirror the server's.
const streamNetwork uint64 = 0x6e6574776f726b // "network"

// hops draws network delays. Each client has its own sequence of draws, as in
// faultserver's decisions, so a client's hops do not depend on the others.
type hops struct {
	sampler *faultserver.DelaySampler // nil: no delay
}

func newHops(n Network, seed uint64) (*hops, error) {
	if n.Delay == nil {
		return &hops{}, nil
	}
	s, err := faultserver.NewDelaySampler(*n.Delay, seed^streamNetwork)
	if err != nil {
		return nil, err
	}
	return &hops{sampler: s}, nil
}

// draw returns the delay of hop number *n of client number client, and
// counts the hop.
func (h *hops) draw(client int32, n *uint32) time.Duration {
	if h.sampler == nil {
		return 0
	}
	d := h.sampler.Draw(uint64(client), uint64(*n))
	*n++
	return d
}
