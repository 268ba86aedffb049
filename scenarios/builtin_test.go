package scenarios_test

import (
	"context"

	. "github.com/onsi/ginkgo/v2"
	. "github.com/onsi/gomega"

	"github.com/chaos-harness/chaos/scenarios"
)

var _ = Describe("the built-in library", func() {
	It("has the scenarios of issue 5, each with a one-line description", func() {
		list, err := scenarios.Builtins()
		Expect(err).NotTo(HaveOccurred())
		var names []string
		for _, b := range list {
			names = append(names, b.Name)
			Expect(b.Description).NotTo(BeEmpty(), b.Name)
			Expect(b.Description).NotTo(ContainSubstring("\n"), b.Name)
		}
		Expect(names).To(ConsistOf("outage-recovery", "rate-limit-storm", "flaky", "fail-first",
			"brownout", "reset-storm", "retry-storm", "contention", "brooker-collapse", "brooker-retries", "brooker-omission", "stream-cut", "layered-retries", "grpc-unavailable"))
	})

	It("names each scenario after its file and gives each assertions", func() {
		for _, name := range scenarios.BuiltinNames() {
			s, err := scenarios.LoadBuiltin(name)
			Expect(err).NotTo(HaveOccurred(), name)
			Expect(s.Name).To(Equal(name))
			Expect(s.Assert).NotTo(BeEmpty(), name)
		}
	})

	It("resolves a name or a file, and suggests the near name for a typo", func() {
		s, err := scenarios.Load("flaky")
		Expect(err).NotTo(HaveOccurred())
		Expect(s.File).To(Equal("builtin:flaky"))
		_, err = scenarios.Load("flakey")
		Expect(err).To(MatchError(ContainSubstring(`did you mean "flaky"?`)))
		_, err = scenarios.Load("no/such/file.yaml")
		Expect(err).To(MatchError(ContainSubstring("no/such/file.yaml: cannot read the scenario")))
	})

	for _, name := range scenarios.BuiltinNames() {
		It("runs "+name+" in sim and its assertions hold", func() {
			s, err := scenarios.LoadBuiltin(name)
			Expect(err).NotTo(HaveOccurred())
			out, err := s.RunAnalyzed(context.Background(), scenarios.Options{}, "")
			Expect(err).NotTo(HaveOccurred())
			Expect(out.Result.Policies).To(HaveLen(len(s.Policies)))
			verdicts := s.Evaluate(&out.Result)
			Expect(verdicts).NotTo(BeEmpty())
			Expect(scenarios.Failed(verdicts)).To(BeEmpty())
			// The analysis of the Records agrees with the clients' own tallies,
			// the requests refused before any attempt included.
			for _, pr := range out.Run.Policies {
				p, found := out.Result.Policy(pr.Name)
				Expect(found).To(BeTrue())
				Expect(int64(p.LogicalRequests)).To(Equal(pr.LogicalRequests), pr.Name)
				Expect(int64(p.Succeeded)).To(Equal(pr.Succeeded), pr.Name)
				Expect(int64(p.Attempts)).To(Equal(pr.Attempts), pr.Name)
				Expect(int64(p.Unsent)).To(Equal(pr.Unsent), pr.Name)
				Expect(int64(p.FallbackServed)).To(Equal(pr.Fallbacks), pr.Name)
			}
		})
	}
})
