package scenarios

import (
	"go.yaml.in/yaml/v3"

	"github.com/chaos-harness/chaos/faultserver"
	"github.com/chaos-harness/chaos/internal/yamlfile"
)

// decodeServer decodes the `server:` node with faultserver's own types and
// validation, locating each of its problems under "server.".
func decodeServer(doc *yamlfile.Doc, n *yaml.Node, p *problems) faultserver.Spec {
	var spec faultserver.Spec
	if n.Kind == yaml.ScalarNode && n.Tag == "!!null" {
		return spec // `server:` with nothing: a server that answers 200
	}
	if n.Kind != yaml.MappingNode {
		p.add("server", "expected a mapping of server settings (response, phases, routes, ...)")
		return spec
	}
	// Validate what was decoded even after a decode error, so every problem
	// of the section is reported at once.
	p.addErr("server", doc.DecodeNode(n, &spec))
	for _, fp := range spec.Problems() {
		p.addValidation(prefixed("server", fp.Path), "%s", fp.Msg)
	}
	for _, path := range spec.AfterUpstreamFields() {
		p.addValidation(prefixed("server", path), "needs an upstream to forward to first (chaos serve --upstream URL); a scenario's server is the service itself and has none")
	}
	return spec
}
