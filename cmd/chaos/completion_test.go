package main

import (
	"strings"

	. "github.com/onsi/ginkgo/v2"
	. "github.com/onsi/gomega"
)

// completions are the candidates cobra's completion machinery offers for
// the command line args (its last word being completed).
func completions(args ...string) []string {
	r := chaos(append([]string{"__complete"}, args...)...)
	Expect(r.code).To(Equal(exitOK), r.stderr)
	var out []string
	for _, l := range strings.Split(strings.TrimSpace(r.stdout), "\n") {
		if l != "" && !strings.HasPrefix(l, ":") {
			out = append(out, l)
		}
	}
	return out
}

var _ = Describe("shell completion", func() {
	It("completes scenario names for every NAME|FILE argument and serve's --scenario", func() {
		Expect(completions("run", "con")).To(Equal([]string{"contention"}))
		Expect(completions("check", "fl")).To(Equal([]string{"flaky"}))
		Expect(completions("compare", "out")).To(Equal([]string{"outage-recovery"}))
		Expect(completions("validate", "rate")).To(Equal([]string{"rate-limit-storm"}))
		Expect(completions("serve", "--scenario", "fa")).To(Equal([]string{"fail-first"}))
	})

	It("completes enumerated flag values and the policies of the scenario given", func() {
		Expect(completions("run", "contention", "--engine", "")).To(Equal([]string{"sim", "live"}))
		Expect(completions("check", "contention", "--format", "")).To(Equal([]string{"text", "json"}))
		Expect(completions("serve", "--log-format", "")).To(Equal([]string{"text", "json"}))
		Expect(completions("compare", "--jitter", "")).To(ContainElements("full", "decorrelated_v2"))
		Expect(completions("run", "contention", "--policy", "")).To(Equal([]string{"none", "exponential", "full", "equal", "decorrelated"}))
	})
})
