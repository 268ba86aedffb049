package scenarios

import (
	"errors"
	"fmt"
	"slices"
	"strconv"
	"strings"

	"go.yaml.in/yaml/v3"

	"github.com/chaos-harness/chaos/analysis"
	"github.com/chaos-harness/chaos/faultserver"
	"github.com/chaos-harness/chaos/internal/yamlfile"
	"github.com/chaos-harness/chaos/resilience"
)

// Downstream is a `server.downstream:` section (issue 14, layers): the next
// layer a server calls, through a client policy of its own, for every
// request it serves (a plan of kind none or delay, once its service time
// and queue are over). It answers by the call's outcome: its own response
// when the call succeeded, FailStatus when the call gave up. The
// downstream's server may have a downstream of its own, to any depth.
type Downstream struct {
	// Policy is the layer's client policy, one resilience.Policy shared by
	// every call the layer above makes (its breaker, budget and limiter
	// are that layer's own).
	Policy resilience.Config
	// PolicyFor replaces Policy while the fleet runs the named policy, so
	// one scenario compares retry regimes across the whole stack ("retry
	// at the top only").
	PolicyFor map[string]resilience.Config
	// Server is the layer's script, as `server:`.
	Server faultserver.Spec
	// FailStatus is the status the layer above answers with when its call
	// gave up; 503 unless fail_status says otherwise.
	FailStatus int
	// Next is the downstream's own downstream; nil at the bottom.
	Next *Downstream
}

// defaultFailStatus is what a layer answers when its downstream call gave
// up: 503 Service Unavailable, the status a proxy or a service whose
// dependency is down sends (RFC 9110 §15.6.4).
const defaultFailStatus = 503

// PolicyOf is the layer's policy while the fleet runs policy fleet.
func (d *Downstream) PolicyOf(fleet string) resilience.Config {
	if c, ok := d.PolicyFor[fleet]; ok {
		return c
	}
	return d.Policy
}

// Depth is the number of layers below the server the fleet calls.
func (d *Downstream) Depth() int {
	n := 0
	for ; d != nil; d = d.Next {
		n++
	}
	return n
}

// downstreamKeys are the keys of a `downstream:` mapping.
var downstreamKeys = []string{"policy", "policy_for", "server", "fail_status"}

// splitDownstream returns a server mapping without its `downstream` key
// (faultserver.Spec knows nothing of layers) and that key's value, or nil.
func splitDownstream(n *yaml.Node) (*yaml.Node, *yaml.Node) {
	if n.Kind != yaml.MappingNode {
		return n, nil
	}
	for i := 0; i+1 < len(n.Content); i += 2 {
		if n.Content[i].Value == "downstream" {
			rest := *n
			rest.Content = slices.Concat(n.Content[:i:i], n.Content[i+2:])
			return &rest, n.Content[i+1]
		}
	}
	return n, nil
}

// decodeDownstream decodes a `downstream:` mapping found at path at.
func decodeDownstream(doc *yamlfile.Doc, n *yaml.Node, at string, p *problems) *Downstream {
	if n.Kind != yaml.MappingNode {
		p.add(at, "expected a mapping with policy and server (and optionally fail_status, policy_for)")
		return nil
	}
	d := &Downstream{FailStatus: defaultFailStatus}
	for i := 0; i+1 < len(n.Content); i += 2 {
		if k := n.Content[i].Value; !slices.Contains(downstreamKeys, k) {
			p.add(at+"."+k, "unknown key %q (a downstream has %v)", k, downstreamKeys)
		}
	}
	if pn := section(n, "policy"); pn != nil {
		d.Policy = decodeLayerPolicy(doc, pn, at+".policy", p)
	} else {
		p.add(at+".policy", "a downstream needs the policy its caller calls it through ({name: none} for none)")
	}
	if pf := section(n, "policy_for"); pf != nil {
		if pf.Kind != yaml.MappingNode {
			p.add(at+".policy_for", "expected a mapping of fleet policy names to policies")
		} else {
			d.PolicyFor = map[string]resilience.Config{}
			for i := 0; i+1 < len(pf.Content); i += 2 {
				name := pf.Content[i].Value
				d.PolicyFor[name] = decodeLayerPolicy(doc, pf.Content[i+1], at+".policy_for."+name, p)
			}
		}
	}
	if sn := section(n, "server"); sn != nil {
		d.Server, d.Next = decodeServer(doc, sn, at+".server", p)
	} else {
		p.add(at+".server", "a downstream needs the server script of its layer")
	}
	if fs := section(n, "fail_status"); fs != nil {
		var code int
		if err := doc.DecodeNode(fs, &code); err != nil {
			p.addErr(at+".fail_status", err)
		} else if code < 400 || code > 599 {
			p.addValidation(at+".fail_status", "must be a failing status from 400 to 599, got %d", code)
		} else {
			d.FailStatus = code
		}
	}
	return d
}

// decodeLayerPolicy decodes a layer's policy as a `policies:` entry is
// decoded (resilience's own type, max_retries as files mean it); its name
// is optional.
func decodeLayerPolicy(doc *yamlfile.Doc, n *yaml.Node, at string, p *problems) resilience.Config {
	var cfg resilience.Config
	if err := doc.DecodeNode(n, &cfg); err != nil {
		p.addErr(at, err)
		return cfg
	}
	fileRetries(n, &cfg, at, p)
	for _, fp := range cfg.Problems() {
		p.addValidation(prefixed(at, fp.Path), "%s", fp.Msg)
	}
	return cfg
}

// checkDownstreamPolicies reports a policy_for naming no fleet policy.
func checkDownstreamPolicies(s *Scenario, p *problems) {
	at := "server.downstream"
	for d := s.Downstream; d != nil; d, at = d.Next, at+".server.downstream" {
		for name := range d.PolicyFor {
			if _, err := s.Policy(name); err != nil {
				p.add(at+".policy_for."+name, "%s", err.Error())
			}
		}
	}
}

// errLayersGRPC refuses a layered gRPC scenario on the live engine, whose
// gRPC server forwards nothing; errLayersFleet a layered live fleet across
// hosts, whose server (chaos serve) runs no layers.
var (
	errLayersGRPC  = errors.New("--engine live: server.downstream (layers) under server.protocol grpc runs on the sim engine only; use --engine sim")
	errLayersFleet = errors.New("a live fleet across hosts (run --server) does not run server.downstream (layers): run it on one host, or use --engine sim")
)

// layerName is the client key a layer's server is known by at the layer
// below it: "layer0" for the server the fleet calls.
func layerName(depth int) string { return fmt.Sprintf("layer%d", depth) }

// describeLayers are the layers below the server as settings of the
// server's description (the report's server table): per layer its policy
// (the one the fleet policy named uses), fail_status and phases.
func describeLayers(d *Downstream, fleet []Policy) []analysis.Setting {
	var out []analysis.Setting
	for depth := 1; d != nil; d, depth = d.Next, depth+1 {
		text := "policy " + describeLayerPolicy(d.Policy)
		for _, p := range fleet {
			if c, ok := d.PolicyFor[p.Name]; ok {
				text += "; under " + p.Name + ": " + describeLayerPolicy(c)
			}
		}
		text += "; fail_status " + strconv.Itoa(d.FailStatus) + "; server " + describeLayerServer(d.Server)
		out = append(out, analysis.Setting{Key: "downstream, layer " + strconv.Itoa(depth), Value: text})
	}
	return out
}

// describeLayerPolicy is a policy's sections in use, on one line.
func describeLayerPolicy(c resilience.Config) string {
	var parts []string
	for _, s := range describePolicy(c) {
		if s.Value != "none" && s.Key != "order" {
			parts = append(parts, s.Key+" "+s.Value)
		}
	}
	if len(parts) == 0 {
		return "none"
	}
	return "{" + strings.Join(parts, ", ") + "}"
}

// describeLayerServer is a layer's server script on one line: its other
// settings and its phases.
func describeLayerServer(sp faultserver.Spec) string {
	srv := describeServer(sp)
	var parts []string
	for _, o := range srv.Other {
		parts = append(parts, o.Key+" "+o.Value)
	}
	for _, ph := range srv.Phases {
		parts = append(parts, ph.Name+" ("+ph.Ends+"): "+ph.Fault)
	}
	if len(parts) == 0 {
		return srv.Response
	}
	return strings.Join(parts, "; ")
}
