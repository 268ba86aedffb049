package main

import (
	"strings"

	. "github.com/onsi/ginkgo/v2"
	. "github.com/onsi/gomega"

	"github.com/chaos-harness/chaos/scenarios"
)

var _ = Describe("chaos scenarios", func() {
	It("lists every built-in scenario with its description", func() {
		r := chaos("scenarios")
		Expect(r.code).To(Equal(exitOK))
		lines := strings.Split(strings.TrimSpace(r.stdout), "\n")
		list, err := scenarios.Builtins()
		Expect(err).NotTo(HaveOccurred())
		Expect(lines).To(HaveLen(len(list)))
		for i, b := range list {
			Expect(lines[i]).To(HavePrefix(b.Name + " "))
			Expect(lines[i]).To(HaveSuffix(b.Description))
		}
	})

	It("shows a built-in scenario's YAML, which validates", func() {
		r := chaos("scenarios", "show", "outage-recovery")
		Expect(r.code).To(Equal(exitOK))
		Expect(r.stdout).To(HavePrefix("name: outage-recovery\n"))
		_, err := scenarios.Parse("shown.yaml", []byte(r.stdout))
		Expect(err).NotTo(HaveOccurred())
	})

	It("suggests the near name for an unknown scenario and exits 2", func() {
		r := chaos("scenarios", "show", "outage-recover")
		Expect(r.code).To(Equal(exitBadInput))
		Expect(r.stderr).To(ContainSubstring(`did you mean "outage-recovery"?`))
	})
})
