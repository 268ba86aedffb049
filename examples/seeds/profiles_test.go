package seeds_test

import (
	"os"
	"os/exec"
	"time"

	. "github.com/onsi/ginkgo/v2"
	. "github.com/onsi/gomega"

	"github.com/chaos-harness/chaos/clients/pyrun"
	"github.com/chaos-harness/chaos/resilience"
	"github.com/chaos-harness/chaos/resilience/profile"
)

var _ = Describe("config/api_retry.yaml, the seed's environment profiles", func() {
	It("is read by chaos as three policies, production as scenarios/api-profile.yaml writes it", func() {
		data, err := os.ReadFile("config/api_retry.yaml")
		Expect(err).NotTo(HaveOccurred())
		profiles, err := profile.Load("config/api_retry.yaml", data)
		Expect(err).NotTo(HaveOccurred())
		Expect(profiles).To(HaveKey("development"))
		Expect(profiles).To(HaveKey("testing"))

		// api-profile.yaml: retry {max_retries: 5, base: 1s, multiplier: 2,
		// cap: 60s, jitter: equal}, breaker {failures: 10, open: 120s}
		prod := profiles["production"]
		Expect(prod.Retry.MaxRetries).To(Equal(5))
		Expect(prod.Retry.Base).To(Equal(time.Second))
		Expect(prod.Retry.Cap).To(Equal(time.Minute))
		Expect(prod.Retry.Jitter).To(Equal(resilience.JitterEqual))
		Expect(prod.Breaker.Failures).To(Equal(10))
		Expect(prod.Breaker.Open).To(Equal(2 * time.Minute))

		testing := profiles["testing"]
		Expect(testing.Retry.MaxRetries).To(Equal(1))
		Expect(testing.Retry.Base).To(Equal(100 * time.Millisecond))
		Expect(testing.Breaker.Failures).To(Equal(2))
		Expect(testing.Breaker.Open).To(Equal(5 * time.Second))
	})

	It("is read by the port, which names the file and the environments it has for one it lacks", func() {
		cmd := exec.Command(python, "api_fleet.py", "--profile", "staging")
		cmd.Env = pyrun.Env("CHAOS_URL=http://127.0.0.1:1", "PYTHONDONTWRITEBYTECODE=1")
		out, err := cmd.CombinedOutput()
		Expect(err).To(HaveOccurred())
		Expect(cmd.ProcessState.ExitCode()).To(Equal(2))
		Expect(string(out)).To(ContainSubstring("--profile staging"))
		Expect(string(out)).To(ContainSubstring("config/api_retry.yaml: no environment 'staging' (it has: development, production, testing)"))
	})
})

var _ = Describe("the ports' own examples", func() {
	It("pass as doctests: Prefect's delays and clamp, a task's retries, the profile reader", func() {
		cmd := exec.Command(python, "-m", "doctest", "-v", "prefect_retry.py", "api_retry_strategy.py")
		cmd.Env = pyrun.Env("PYTHONDONTWRITEBYTECODE=1")
		out, err := cmd.CombinedOutput()
		Expect(err).NotTo(HaveOccurred(), "%s", out)
		// prefect_retry.py has 11 examples, api_retry_strategy.py 6.
		Expect(string(out)).To(MatchRegexp(`(?m)^11 passed and 0 failed\.$`))
		Expect(string(out)).To(MatchRegexp(`(?m)^6 passed and 0 failed\.$`))
	})
})
