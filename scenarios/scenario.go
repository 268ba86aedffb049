package scenarios

import (
	"fmt"
	"path/filepath"
	"regexp"
	"strings"

	"go.yaml.in/yaml/v3"

	"github.com/chaos-harness/chaos/faultserver"
	"github.com/chaos-harness/chaos/internal/yamlfile"
)

// Scenario is a parsed and validated scenario file: a fleet of clients, under
// one or more resilience policies, against a server script.
type Scenario struct {
	// Name identifies the scenario in results; it defaults to the file's base
	// name without its extension.
	Name        string
	Description string
	// Seed seeds every random stream of a run: fault decisions, jitter, start
	// times, network delays. The command line's --seed overrides it.
	Seed uint64
	// Server is the `server:` section, compiled per run by faultserver.
	Server faultserver.Spec
	// Clients is the fleet.
	Clients Clients
	// Policies are run one after another, each with the whole fleet against a
	// fresh server; at least one.
	Policies []Policy
	// Assert is the `assert:` block, for `chaos check`.
	Assert []Assertion
	// File is where the scenario came from ("builtin:NAME" for the library) and
	// Source its YAML.
	File   string
	Source []byte
	// Layers (issue 14).
	// Downstream is server.downstream: the layers below the server the
	// fleet calls; nil for a single server.
	Downstream *Downstream
}

// scenarioFile is the top level of the YAML. The server and policy sections
// are kept as nodes and decoded by their own packages' types, so their errors
// carry their own field paths; `assert:` is read by hand because its keys are
// metric and policy names. Each section is decoded on its own, so a mistake in
// one does not hide the mistakes in the others.
type scenarioFile struct {
	Name        string  `yaml:"name"`
	Description string  `yaml:"description"`
	Seed        uint64  `yaml:"seed"`
	Server      rawNode `yaml:"server"`
	Clients     rawNode `yaml:"clients"`
	Policies    rawNode `yaml:"policies"`
	Assert      rawNode `yaml:"assert"`
}

// rawNode keeps a section's node for a later, typed decode.
type rawNode struct{ node *yaml.Node }

func (r *rawNode) UnmarshalYAML(n *yaml.Node) error {
	r.node = n
	return nil
}

var nameRE = regexp.MustCompile(`^[A-Za-z0-9][A-Za-z0-9._-]*$`)

// Parse decodes and validates a scenario. file names it in error messages.
// Every problem found is returned at once as yamlfile.Errors, each naming the
// file, line, column and field.
func Parse(file string, data []byte) (*Scenario, error) {
	doc, err := yamlfile.Parse(file, data)
	if err != nil {
		return nil, err
	}
	p := &problems{doc: doc}
	if doc.Root.Kind != yaml.MappingNode {
		p.add("", "a scenario is a mapping with server, clients, policies and assert sections")
		return nil, p.err()
	}
	var f scenarioFile
	p.addErr("", doc.DecodeNode(doc.Root, &f))
	s := &Scenario{
		Name:        f.Name,
		Description: strings.TrimSpace(f.Description),
		Seed:        f.Seed,
		File:        file,
		Source:      data,
	}
	if s.Name == "" {
		s.Name = strings.TrimSuffix(filepath.Base(file), filepath.Ext(file))
	} else if !nameRE.MatchString(s.Name) {
		p.add("name", "%q: use letters, digits, '.', '_' and '-' only", s.Name)
	}
	if n := section(doc.Root, "server"); n == nil {
		p.add("server", "the scenario needs a server section")
	} else {
		s.Server, s.Downstream = decodeServer(doc, n, "server", p)
	}
	if n := section(doc.Root, "clients"); n != nil {
		p.addErr("clients", doc.DecodeNode(n, &s.Clients))
		s.Clients.validate(p, "clients")
	}
	grpcProblems(s, p) // server.protocol: grpc (grpc_validate.go)
	s.Policies = decodePolicies(s, doc, section(doc.Root, "policies"), p)
	checkDownstreamPolicies(s, p)
	checkReplacePolicies(s, p) // replace.slower_than against clients.timeout (replace.go)
	s.Assert = parseAssertions(section(doc.Root, "assert"), doc, s.PolicyNames(), p)
	if err := p.err(); err != nil {
		return nil, err
	}
	return s, nil
}

// section returns the value node of a top-level key, or nil.
func section(root *yaml.Node, key string) *yaml.Node {
	for i := 0; i+1 < len(root.Content); i += 2 {
		if root.Content[i].Value == key {
			return root.Content[i+1]
		}
	}
	return nil
}

// PolicyNames lists the policies in file order.
func (s *Scenario) PolicyNames() []string {
	out := make([]string, len(s.Policies))
	for i, p := range s.Policies {
		out[i] = p.Name
	}
	return out
}

// Policy looks a policy up by name.
func (s *Scenario) Policy(name string) (Policy, error) {
	for _, p := range s.Policies {
		if p.Name == name {
			return p, nil
		}
	}
	return Policy{}, fmt.Errorf("scenario %s has no policy %q (it has %s)", s.Name, name, strings.Join(s.PolicyNames(), ", "))
}
