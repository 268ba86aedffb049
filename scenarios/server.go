package scenarios

import (
	"go.yaml.in/yaml/v3"

	"github.com/chaos-harness/chaos/faultserver"
	"github.com/chaos-harness/chaos/internal/yamlfile"
)

// decodeServer decodes a server node (`server:`, found at path at, or a
// downstream's) with faultserver's own types and validation, locating each
// of its problems under at; its `downstream:` (layers, issue 14) is
// decoded apart, by decodeDownstream.
func decodeServer(doc *yamlfile.Doc, n *yaml.Node, at string, p *problems) (faultserver.Spec, *Downstream) {
	var spec faultserver.Spec
	if n.Kind == yaml.ScalarNode && n.Tag == "!!null" {
		return spec, nil // `server:` with nothing: a server that answers 200
	}
	if n.Kind != yaml.MappingNode {
		p.add(at, "expected a mapping of server settings (response, phases, routes, ...)")
		return spec, nil
	}
	n, down := splitDownstream(n)
	// Validate what was decoded even after a decode error, so every problem
	// of the section is reported at once.
	p.addErr(at, doc.DecodeNode(n, &spec))
	for _, fp := range spec.Problems() {
		p.addValidation(prefixed(at, fp.Path), "%s", fp.Msg)
	}
	for _, path := range spec.AfterUpstreamFields() {
		p.addValidation(prefixed(at, path), "needs an upstream to forward to first (chaos serve --upstream URL); a scenario's server is the service itself and has none")
	}
	if down == nil {
		return spec, nil
	}
	return spec, decodeDownstream(doc, down, at+".downstream", p)
}
