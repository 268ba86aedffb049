package scenarios_test

import (
	"os"
	"path/filepath"
	"time"

	. "github.com/onsi/ginkgo/v2"
	. "github.com/onsi/gomega"

	"github.com/chaos-harness/chaos/resilience"
	"github.com/chaos-harness/chaos/scenarios"
)

// seedProfiles is the seed document's config/api_retry.yaml, in its format.
const seedProfiles = `development:
  max_retries: 2
  base_delay: 0.5
  max_delay: 10.0
  circuit_breaker_threshold: 3
  circuit_breaker_timeout: 30
production:
  max_retries: 5
  base_delay: 1.0
  max_delay: 60.0
  circuit_breaker_threshold: 10
  circuit_breaker_timeout: 120
`

// withProfiles writes the profiles into a config/ folder and a scenario
// beside it, and loads the scenario.
func withProfiles(policies string) (*scenarios.Scenario, error) {
	dir := GinkgoT().TempDir()
	Expect(os.MkdirAll(filepath.Join(dir, "config"), 0o755)).To(Succeed())
	Expect(os.WriteFile(filepath.Join(dir, "config", "api_retry.yaml"), []byte(seedProfiles), 0o644)).To(Succeed())
	file := filepath.Join(dir, "scenario.yaml")
	Expect(os.WriteFile(file, []byte("name: p\nserver: {}\nclients: {count: 1}\npolicies:\n"+policies), 0o644)).To(Succeed())
	return scenarios.Load(file)
}

var _ = Describe("a policy from an environment profile", func() {
	It("takes the environment's settings from the profile file beside the scenario", func() {
		s, err := withProfiles("  - {name: prod, profile: {file: config/api_retry.yaml, environment: production}}\n  - {name: none}\n")
		Expect(err).NotTo(HaveOccurred())
		Expect(s.PolicyNames()).To(Equal([]string{"prod", "none"}))
		cfg := s.Policies[0].Config
		Expect(cfg.Name).To(Equal("prod"))
		// production: max_retries 5, base_delay 1.0 s, max_delay 60 s,
		// circuit_breaker_threshold 10, circuit_breaker_timeout 120 s.
		Expect(cfg.Retry.Retries()).To(Equal(5))
		Expect(cfg.Retry.Base).To(Equal(time.Second))
		Expect(cfg.Retry.Cap).To(Equal(time.Minute))
		Expect(cfg.Breaker.Failures).To(Equal(10))
		Expect(cfg.Breaker.Open).To(Equal(2 * time.Minute))
		_, err = resilience.New(cfg)
		Expect(err).NotTo(HaveOccurred())
	})

	It("names the field of a profile it cannot use", func() {
		_, err := withProfiles("  - {name: stage, profile: {file: config/api_retry.yaml, environment: staging}}\n")
		Expect(err).To(MatchError(ContainSubstring(`policies[0].profile.environment: config/api_retry.yaml has no environment "staging" (it has: development, production)`)))

		_, err = withProfiles("  - {name: x, profile: {file: config/missing.yaml, environment: production}}\n")
		Expect(err).To(MatchError(ContainSubstring("policies[0].profile.file: cannot read the profile file")))

		_, err = withProfiles("  - {name: x, profile: {file: config/api_retry.yaml}}\n")
		Expect(err).To(MatchError(ContainSubstring("policies[0].profile: give the profile's file and environment")))

		_, err = withProfiles("  - {name: x, retry: {max_retries: 1}, profile: {file: config/api_retry.yaml, environment: production}}\n")
		Expect(err).To(MatchError(ContainSubstring("policies[0].retry: a policy with profile: takes every setting from the profile")))

		_, err = withProfiles("  - {name: x, profile: {file: config/api_retry.yaml, enviroment: production}}\n")
		Expect(err).To(MatchError(ContainSubstring(`unknown field "enviroment" (did you mean "environment"?)`)))
	})
})
