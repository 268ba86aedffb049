package scenarios

import (
	"fmt"

	"go.yaml.in/yaml/v3"

	"github.com/chaos-harness/chaos/internal/yamlfile"
	"github.com/chaos-harness/chaos/resilience"
)

// Policy is one entry of `policies:`: a named resilience configuration the
// whole fleet runs with.
type Policy struct {
	Name   string
	Config resilience.Config
}

// fileRetries gives retry.max_retries its meaning in files, where 0 is no
// retry: in Go, MaxRetries 0 is the default and resilience.NoRetries none.
func fileRetries(node *yaml.Node, cfg *resilience.Config, at string, p *problems) {
	if cfg.Retry == nil || node.Kind != yaml.MappingNode {
		return
	}
	retry := section(node, "retry")
	if retry != nil && retry.Kind == yaml.AliasNode {
		retry = retry.Alias
	}
	if retry == nil || retry.Kind != yaml.MappingNode || section(retry, "max_retries") == nil {
		return
	}
	if n := cfg.Retry.MaxRetries; n < 0 {
		p.addValidation(at+".retry.max_retries", "must be 0 or more, got %d", n)
		cfg.Retry.MaxRetries = 0
		return
	}
	cfg.Retry.MaxRetries = resilience.FileMaxRetries(cfg.Retry.MaxRetries)
}

// decodePolicies decodes each `policies:` entry with resilience's own type and
// validation, or from an environment profile (policyFromProfile), locating
// every problem under "policies[i].".
func decodePolicies(s *Scenario, doc *yamlfile.Doc, list *yaml.Node, p *problems) []Policy {
	if list != nil && list.Kind != yaml.SequenceNode {
		p.add("policies", "expected a list of policies, each with a name")
		return nil
	}
	var nodes []*yaml.Node
	if list != nil {
		nodes = list.Content
	}
	if len(nodes) == 0 {
		p.add("policies", "the scenario needs at least one policy (for example {name: none} for no resilience at all)")
		return nil
	}
	out := make([]Policy, 0, len(nodes))
	seen := map[string]int{}
	for i, node := range nodes {
		at := fmt.Sprintf("policies[%d]", i)
		cfg, fromProfile := policyFromProfile(s, node, at, p)
		if fromProfile {
			// its settings are the profile's, checked by profile.Load
		} else if err := doc.DecodeNode(node, &cfg); err != nil {
			p.addErr(at, err)
			// An unknown key stops the decode before the name is read.
			if node.Kind == yaml.MappingNode && cfg.Name == "" {
				if n := section(node, "name"); n != nil {
					cfg.Name = n.Value
				}
			}
		}
		if !fromProfile {
			fileRetries(node, &cfg, at, p)
		}
		for _, fp := range cfg.Problems() {
			p.addValidation(prefixed(at, fp.Path), "%s", fp.Msg)
		}
		switch j, dup := seen[cfg.Name]; {
		case cfg.Name == "":
			p.add(at, "a policy needs a name")
		case !nameRE.MatchString(cfg.Name):
			p.add(at+".name", "%q: use letters, digits, '.', '_' and '-' only", cfg.Name)
		case dup:
			p.add(at+".name", "policy name %q is already used by policies[%d]", cfg.Name, j)
		case knownMetric(cfg.Name):
			p.add(at+".name", "%q is a result metric; name the policy otherwise so assertions stay unambiguous", cfg.Name)
		default:
			seen[cfg.Name] = i
		}
		out = append(out, Policy{Name: cfg.Name, Config: cfg})
	}
	return out
}
