package main

import (
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

	It("exits 2 without exactly one argument", func() {
		Expect(chaos("validate").code).To(Equal(exitBadInput))
	})
})
