package faultserver

import (
	"errors"

	"go.yaml.in/yaml/v3"

	"github.com/chaos-harness/chaos/internal/yamlfile"
	"github.com/chaos-harness/chaos/problem"
)

// scenarioKeys are top-level keys that only a whole scenario file has.
var scenarioKeys = []string{"server", "clients", "policies", "assert"}

// ParseScript reads a server script: either a bare one (the keys of Spec at
// the top level) or a whole scenario file, whose `server:` section it takes
// (its other sections belong to the scenarios package and are not checked
// here). It decodes strictly and validates, and every problem names the file,
// line and field, as yamlfile.Errors. A scenario file without a server section
// gives the zero Spec.
func ParseScript(file string, data []byte) (*Spec, *yamlfile.Doc, error) {
	doc, err := yamlfile.Parse(file, data)
	if err != nil {
		return nil, nil, err
	}
	node, prefix := doc.Root, ""
	if isScenario(doc.Root) {
		node, prefix = mappingValue(doc.Root, "server"), "server."
	}
	spec := &Spec{}
	if node == nil {
		return spec, doc, nil
	}
	if node.Kind != yaml.MappingNode && !(node.Kind == yaml.ScalarNode && node.Tag == "!!null") {
		return nil, doc, yamlfile.Errors{doc.Errorf(prefixOrRoot(prefix), "expected a mapping of server settings (response, phases, routes, ...)")}
	}
	if err := doc.DecodeNode(node, spec); err != nil {
		return nil, doc, withOtherProblems(doc, node, prefix, err)
	}
	if errs := problemErrors(doc, prefix, spec.Problems()); len(errs) > 0 {
		return nil, doc, errs
	}
	return spec, doc, nil
}

// withOtherProblems adds to the errors of a strict decode the problems of the
// spec decoded leniently, so that an unknown key does not hide the script's
// other problems. A strict decode fails on unknown keys before it decodes; if
// the lenient decode fails too, the values have the wrong types and err says
// so already.
func withOtherProblems(doc *yamlfile.Doc, node *yaml.Node, prefix string, err error) error {
	var keyErrs yamlfile.Errors
	lenient := &Spec{}
	if !errors.As(err, &keyErrs) || yamlfile.DecodeValue(node, lenient) != nil {
		return err
	}
	return append(keyErrs, problemErrors(doc, prefix, lenient.Problems())...)
}

// problemErrors locates a spec's problems in the file.
func problemErrors(doc *yamlfile.Doc, prefix string, problems []problem.Field) yamlfile.Errors {
	var errs yamlfile.Errors
	for _, p := range problems {
		if p.Path == "" {
			errs = append(errs, doc.Errorf(prefixOrRoot(prefix), "%s", p.Msg))
		} else {
			errs = append(errs, doc.Errorf(prefix+p.Path, "%s", p.Msg))
		}
	}
	return errs
}

func prefixOrRoot(prefix string) string {
	if prefix == "" {
		return ""
	}
	return prefix[:len(prefix)-1]
}

// IsBareScript reports whether a file holds a bare server script (the keys
// of Spec at the top level) rather than a scenario file: it has none of the
// keys only a scenario has (server, clients, policies, assert). A file that
// is not YAML is neither.
func IsBareScript(file string, data []byte) bool {
	doc, err := yamlfile.Parse(file, data)
	return err == nil && !isScenario(doc.Root)
}

func isScenario(root *yaml.Node) bool {
	if root.Kind != yaml.MappingNode {
		return false
	}
	for _, k := range scenarioKeys {
		if mappingValue(root, k) != nil {
			return true
		}
	}
	return false
}

// mappingValue returns the value node of key in a mapping, or nil.
func mappingValue(m *yaml.Node, key string) *yaml.Node {
	if m.Kind != yaml.MappingNode {
		return nil
	}
	for i := 0; i+1 < len(m.Content); i += 2 {
		if m.Content[i].Value == key {
			return m.Content[i+1]
		}
	}
	return nil
}
