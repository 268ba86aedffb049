package main

import (
	"encoding/json"
	"os"

	. "github.com/onsi/ginkgo/v2"
	. "github.com/onsi/gomega"
)

var _ = Describe("chaos validate", func() {
	It("prints one OK line for a valid file and exits 0", func() {
		r := chaos("validate", "testdata/scenarios/small.yaml")
		Expect(r.code).To(Equal(exitOK))
		Expect(r.stdout).To(Equal("testdata/scenarios/small.yaml: OK (scenario small: 20 clients, 2 policies, 1 assertions)\n"))
	})

	It("accepts a built-in scenario's name", func() {
		r := chaos("validate", "contention")
		Expect(r.code).To(Equal(exitOK))
		Expect(r.stdout).To(HavePrefix("builtin:contention: OK"))
	})

	It("prints every problem as FILE:LINE:COLUMN: FIELD: MESSAGE and exits 2", func() {
		r := chaos("validate", "testdata/scenarios/broken.yaml")
		Expect(r.code).To(Equal(exitBadInput))
		Expect(r.stdout).To(BeEmpty())
		f := "testdata/scenarios/broken.yaml"
		Expect(r.stderr).To(ContainSubstring(f + `:2:1: sed: unknown field "sed" (did you mean "seed"?)`))
		Expect(r.stderr).To(ContainSubstring(f + ":5:45: server.phases[0].fault.status: status 999 is not a final HTTP status"))
		Expect(r.stderr).To(ContainSubstring(f + ":7:3: clients.count: must be at least 1, got -2"))
		Expect(r.stderr).To(ContainSubstring(f + `:8:12: clients.timeout: duration "5" needs a unit`))
		Expect(r.stderr).To(ContainSubstring(f + `:11:29: policies[0].retry.jitter: unknown value "fulll"`))
		Expect(r.stderr).To(ContainSubstring(f + `:13:3: assert.sucess_rate: "sucess_rate" is neither a result metric nor a policy of this scenario (did you mean "success_rate"?)`))
		Expect(r.stderr).To(HaveSuffix("chaos: " + f + ": 6 problems\n"))
	})

	It("checks a bare server script as serve reads it, every problem at once", func() {
		ok := writeFile("script.yaml", "phases:\n  - {requests: 2, fault: {status: 503}}\n  - {}\nroutes: [{path: /a}]\n")
		r := chaos("validate", ok)
		Expect(r.code).To(Equal(exitOK), r.stderr)
		Expect(r.stdout).To(Equal(ok + ": OK (server script: 2 phases, 1 routes)\n"))

		bad := writeFile("bad.yaml", "phasse: []\nroutes:\n  - {path: \"/{id:(a)}\"}\n")
		r = chaos("validate", bad)
		Expect(r.code).To(Equal(exitBadInput))
		Expect(r.stderr).To(ContainSubstring(bad + `:1:1: phasse: unknown field "phasse" (did you mean "phases"?)`))
		Expect(r.stderr).To(ContainSubstring(bad + ":3:"))
		Expect(r.stderr).To(ContainSubstring("routes[0].path: invalid path template"))
		Expect(r.stderr).To(HaveSuffix("chaos: " + bad + ": 2 problems\n"))
	})

	It("exits 2 for a file that does not exist, naming it", func() {
		r := chaos("validate", "testdata/scenarios/missing.yaml")
		Expect(r.code).To(Equal(exitBadInput))
		Expect(r.stderr).To(ContainSubstring("testdata/scenarios/missing.yaml: cannot read the scenario"))
	})

	It("exits 2 without an argument", func() {
		Expect(chaos("validate").code).To(Equal(exitBadInput))
	})

	It("checks many files and globs, and exits 2 when one is not valid", func() {
		r := chaos("validate", "testdata/scenarios/s*.yaml", "contention")
		Expect(r.code).To(Equal(exitOK), r.stderr)
		Expect(r.stdout).To(Equal("testdata/scenarios/small.yaml: OK (scenario small: 20 clients, 2 policies, 1 assertions)\n" +
			"builtin:contention: OK (scenario contention: 100 clients, 5 policies, 7 assertions)\n"))

		r = chaos("validate", "testdata/scenarios/small.yaml", "testdata/scenarios/broken.yaml")
		Expect(r.code).To(Equal(exitBadInput))
		Expect(r.stdout).To(HavePrefix("testdata/scenarios/small.yaml: OK"))
		Expect(r.stderr).To(HaveSuffix("chaos: 1 of 2 files are not valid (6 problems)\n"))

		r = chaos("validate", "testdata/scenarios/nothing-*.yaml")
		Expect(r.code).To(Equal(exitBadInput))
		Expect(r.stderr).To(ContainSubstring("testdata/scenarios/nothing-*.yaml: no file matches"))
	})

	It("writes every file's verdict as JSON with --format json, and nothing else on standard output", func() {
		r := chaos("validate", "--format", "json", "testdata/scenarios/small.yaml", "testdata/scenarios/broken.yaml")
		Expect(r.code).To(Equal(exitBadInput))
		var got struct {
			Valid bool
			Files []fileValidation
		}
		Expect(json.Unmarshal([]byte(r.stdout), &got)).To(Succeed(), r.stdout)
		Expect(got.Valid).To(BeFalse())
		Expect(got.Files).To(HaveLen(2))
		Expect(got.Files[0]).To(And(HaveField("Valid", true), HaveField("Kind", "scenario"), HaveField("Problems", BeEmpty())))
		Expect(got.Files[1].Problems).To(HaveLen(6))
		Expect(got.Files[1].Problems[0]).To(Equal(problemRecord{File: "testdata/scenarios/broken.yaml", Line: 2, Column: 1,
			Field: "sed", Message: `unknown field "sed" (did you mean "seed"?)`}))
	})

	It("annotates each problem's file and line for GitHub Actions", func() {
		os.Setenv("GITHUB_ACTIONS", "true")
		DeferCleanup(os.Unsetenv, "GITHUB_ACTIONS")
		r := chaos("validate", "testdata/scenarios/broken.yaml")
		Expect(r.code).To(Equal(exitBadInput))
		Expect(r.stdout).To(ContainSubstring("::error file=testdata/scenarios/broken.yaml,line=2,col=1::sed: unknown field \"sed\" (did you mean \"seed\"?)\n"))
		Expect(r.stdout).To(ContainSubstring("::error file=testdata/scenarios/broken.yaml,line=7,col=3::clients.count: must be at least 1, got -2\n"))
	})

	It("escapes what would end an annotation's fields", func() {
		Expect(githubAnnotation("a,b:c.yaml", 3, 0, "50% of it\nand more")).To(Equal("::error file=a%2Cb%3Ac.yaml,line=3::50%25 of it%0Aand more"))
		Expect(githubAnnotation("", 0, 0, "whole")).To(Equal("::error::whole"))
	})
})
