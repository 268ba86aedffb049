package scenarios

import (
	"os"
	"path/filepath"
	"slices"
	"strings"

	"go.yaml.in/yaml/v3"

	"github.com/chaos-harness/chaos/resilience"
	"github.com/chaos-harness/chaos/resilience/profile"
)

// profileRef is a policy entry's `profile: {file, environment}`: the policy
// is the named environment of a file of environment profiles in the seed
// format (max_retries, base_delay, max_delay, circuit_breaker_threshold,
// ...; resilience/profile), read relative to the scenario file.
type profileRef struct {
	File        string `yaml:"file"`
	Environment string `yaml:"environment"`
}

// policyFromProfile reads the policy of an entry with a profile: key, which
// takes every setting from the profile: beside it only name is allowed. ok
// is false when the entry has no profile key.
func policyFromProfile(s *Scenario, node *yaml.Node, at string, p *problems) (cfg resilience.Config, ok bool) {
	if node.Kind != yaml.MappingNode || section(node, "profile") == nil {
		return cfg, false
	}
	for i := 0; i+1 < len(node.Content); i += 2 {
		switch key := node.Content[i].Value; key {
		case "name":
			cfg.Name = node.Content[i+1].Value
		case "profile":
		default:
			p.add(at+"."+key, "a policy with profile: takes every setting from the profile; set %s in the profile file, or leave out profile", key)
		}
	}
	var ref profileRef
	if err := p.doc.DecodeNode(section(node, "profile"), &ref); err != nil {
		p.addErr(at+".profile", err)
		return cfg, true
	}
	if ref.File == "" || ref.Environment == "" {
		p.add(at+".profile", "give the profile's file and environment: {file: config/api_retry.yaml, environment: production}")
		return cfg, true
	}
	path := ref.File
	if !filepath.IsAbs(path) && !strings.HasPrefix(s.File, "builtin:") {
		path = filepath.Join(filepath.Dir(s.File), path)
	}
	data, err := os.ReadFile(path)
	if err != nil {
		p.add(at+".profile.file", "cannot read the profile file: %v", err)
		return cfg, true
	}
	profiles, err := profile.Load(path, data)
	if err != nil {
		p.add(at+".profile.file", "%v", err)
		return cfg, true
	}
	got, found := profiles[ref.Environment]
	if !found {
		names := make([]string, 0, len(profiles))
		for n := range profiles {
			names = append(names, n)
		}
		slices.Sort(names)
		p.add(at+".profile.environment", "%s has no environment %q (it has: %s)", ref.File, ref.Environment, strings.Join(names, ", "))
		return cfg, true
	}
	got.Name = cfg.Name
	return got, true
}
