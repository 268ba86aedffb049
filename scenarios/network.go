package scenarios

import (
	"strings"
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

// networkProbe is the response of the one-route script that stands for the
// network: faultserver validates and draws its delay, so the distributions
// are written once. The path prefix it reports problems under is cut off.
const networkProbe = "response.delay"

func (n Network) spec() *faultserver.Spec {
	return &faultserver.Spec{Response: faultserver.FaultSpec{Delay: n.Delay}}
}

func (n Network) validate(p *problems, path string) {
	if n.Delay == nil {
		return
	}
	for _, fp := range n.spec().Problems() {
		rel := strings.TrimPrefix(strings.TrimPrefix(fp.Path, networkProbe), ".")
		p.addValidation(prefixed(path, rel), "%s", fp.Msg)
	}
}

// hops draws network delays. Each client key has its own seeded stream, as in
// faultserver's decisions, so a client's hops do not depend on the others.
type hops struct {
	script *faultserver.Script // nil: no delay
	req    faultserver.RequestInfo
}

func newHops(n Network, seed uint64) (*hops, error) {
	if n.Delay == nil {
		return &hops{}, nil
	}
	// A stream of its own: the network's draws never mirror the server's.
	s, err := faultserver.Compile(n.spec(), seed^0x6e6574776f726b) // "network"
	if err != nil {
		return nil, err
	}
	return &hops{script: s}, nil
}

// draw returns the delay of the next hop of the client keyed by client.
func (h *hops) draw(client string) time.Duration {
	if h.script == nil {
		return 0
	}
	h.req.ClientKey = client
	d := h.script.Decide(0, &h.req)
	return d.Delay
}
