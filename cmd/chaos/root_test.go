package main

import (
	. "github.com/onsi/ginkgo/v2"
	. "github.com/onsi/gomega"
)

var _ = Describe("the root command", func() {
	It("explains itself with --help and exits 0", func() {
		r := chaos("--help")
		Expect(r.code).To(Equal(exitOK))
		Expect(r.stdout).To(ContainSubstring("scripted HTTP faults"))
		Expect(r.stdout).To(ContainSubstring("version"))
	})

	It("prints the version and revision", func() {
		r := chaos("version")
		Expect(r.code).To(Equal(exitOK))
		Expect(r.stdout).To(MatchRegexp(`^chaos \S+ \(revision \S+\)\n$`))
	})

	It("exits 2 on an unknown flag and names it", func() {
		r := chaos("--no-such-flag")
		Expect(r.code).To(Equal(exitBadInput))
		Expect(r.stderr).To(ContainSubstring("no-such-flag"))
	})

	It("exits 2 on an unknown command", func() {
		r := chaos("frobnicate")
		Expect(r.code).To(Equal(exitBadInput))
		Expect(r.stderr).To(ContainSubstring("frobnicate"))
	})

	It("exits 2 when version is given arguments", func() {
		Expect(chaos("version", "extra").code).To(Equal(exitBadInput))
	})
})
