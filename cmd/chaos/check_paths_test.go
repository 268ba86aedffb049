package main

import (
	"bytes"
	"path/filepath"

	. "github.com/onsi/ginkgo/v2"
	. "github.com/onsi/gomega"

	"github.com/chaos-harness/chaos/analysis"
	"github.com/chaos-harness/chaos/scenarios"
)

var _ = Describe("chaos check on metric paths", func() {
	var junit string
	BeforeEach(func() { junit = filepath.Join(GinkgoT().TempDir(), "junit.xml") })

	It("asserts per-retry figures and fails a figure the run cannot tell as INCONCLUSIVE, in the table and the JUnit XML", func() {
		r := chaos("check", checkData+"paths.yaml", "--junit", junit)
		Expect(r.code).To(Equal(exitFailed), r.stderr)
		// 40 clients started over 200 ms, each first two attempts 503: retry 1
		// arrives about as spread as the starts; 40 × 2 = 80 status faults.
		Expect(r.stdout).To(MatchRegexp(`retry\s+retry_spread\.1\.sd_ms\s+>= 10\s+[0-9.]+\s+ok`))
		Expect(r.stdout).To(MatchRegexp(`retry\s+retry_delays\.2\.delay_ms\.p99\s+<= 500\s+[0-9.]+\s+ok`))
		Expect(r.stdout).To(MatchRegexp(`retry\s+faults\.status\s+== 80\s+80\s+ok`))
		// No phase carries a fault, so there is no recovery to time; no
		// request needed a third retry.
		Expect(r.stdout).To(MatchRegexp(`retry\s+time_to_recover_ms\s+<= 1000\s+unknown\s+INCONCLUSIVE: time_to_recover_ms is null in this result`))
		Expect(r.stdout).To(MatchRegexp(`retry\s+retry_spread\.3\.sd_ms\s+>= 10\s+unknown\s+INCONCLUSIVE: retry_spread has no element with retry 3 in this run`))
		Expect(r.stdout).To(ContainSubstring("note: retry: no fault phase, so no time to recover")) // the analysis says why
		Expect(r.stderr).To(ContainSubstring("check failed: 2 failures (2 inconclusive) in 1 scenario (6 assertions checked)"))

		doc := readJUnit(junit)
		Expect(doc.Tests).To(Equal(6))
		Expect(doc.Failures).To(Equal(2))
		Expect(failedCases(doc.Suites[0].Cases)).To(Equal(map[string]string{
			"retry: time_to_recover_ms <= 1000": "inconclusive: time_to_recover_ms is null in this result: the run gave no figure for it",
			"retry: retry_spread.3.sd_ms >= 10": "inconclusive: retry_spread has no element with retry 3 in this run",
		}))
	})

	It("refuses an unknown path with exit 2, naming the file, line, field and the near path, in validate and check", func() {
		want := `unknown-path.yaml:13:3: assert.retry_spred.2.sd_ms: "retry_spred.2.sd_ms" is not a result metric: ` +
			`a policy's result has no field "retry_spred" (did you mean "retry_spread.2.sd_ms"?)`
		for _, cmd := range []string{"validate", "check"} {
			r := chaos(cmd, checkData+"unknown-path.yaml")
			Expect(r.code).To(Equal(exitBadInput), cmd)
			Expect(r.stderr).To(ContainSubstring(want), cmd)
		}
	})

	It("fails a scenario that evaluated no assertion, saying why, in the table and the JUnit XML", func() {
		// A result without policies: nothing to check an assertion for all
		// policies against.
		sc, err := scenarios.Load(checkData + "holds.yaml")
		Expect(err).NotTo(HaveOccurred())
		c := &scenarioCheck{sc: sc, engine: "sim", verdicts: sc.Evaluate(&analysis.Result{})}
		Expect(c.verdicts).To(BeEmpty())
		Expect(c.failures()).To(Equal(1))

		var out bytes.Buffer
		printCheck(streams{out: &out, err: &out}, c)
		Expect(out.String()).To(ContainSubstring("FAILED: no assertion was evaluated: the result has no policy to check the assertions against"))
		var xmlOut bytes.Buffer
		Expect(writeCheckJUnit(&xmlOut, []*scenarioCheck{c})).To(Succeed())
		Expect(xmlOut.String()).To(ContainSubstring(`<failure message="no assertion was evaluated: the result has no policy`))
		Expect(checkSummary(streams{out: &out, err: &out}, []*scenarioCheck{c})).To(MatchError(ContainSubstring("check failed: 1 failure in 1 scenario (0 assertions checked)")))
	})
})

var _ = Describe("chaos check --client on metric paths", func() {
	It("fails an assertion on a retry the client never reached as INCONCLUSIVE, exit 1 and a JUnit failure", func() {
		junit := filepath.Join(GinkgoT().TempDir(), "junit.xml")
		// Each client's first attempt is a 429 and its retry is served: no
		// request has a second retry.
		r := chaos("check", checkData+"client-unknown.yaml", "--client", "python3 ../../examples/python-client/client.py", "--junit", junit)
		Expect(r.code).To(Equal(exitFailed), r.stdout+r.stderr)
		Expect(r.stdout).To(MatchRegexp(`client\s+success_rate\s+== 1\s+1\s+ok`))
		Expect(r.stdout).To(MatchRegexp(`client\s+retry_spread\.2\.sd_ms\s+>= 100\s+unknown\s+INCONCLUSIVE: retry_spread has no element with retry 2 in this run`))
		doc := readJUnit(junit)
		Expect(doc.Failures).To(Equal(1))
		Expect(failedCases(doc.Suites[0].Cases)).To(Equal(map[string]string{
			"client: retry_spread.2.sd_ms >= 100": "inconclusive: retry_spread has no element with retry 2 in this run",
		}))
	})
})

var _ = Describe("chaos check --client with every assertion naming a policy", func() {
	It("exits 1: the client is the only policy, so the check evaluated nothing", func() {
		junit := filepath.Join(GinkgoT().TempDir(), "junit.xml")
		r := chaos("check", checkData+"policy-only.yaml", "--client", "python3 ../../examples/python-client/client.py", "--junit", junit)
		Expect(r.code).To(Equal(exitFailed), r.stdout+r.stderr)
		Expect(r.stdout).To(MatchRegexp(`honour\s+success_rate\s+== 1\s+-\s+skipped: names policy honour`))
		Expect(r.stdout).To(ContainSubstring("FAILED: no assertion was evaluated: all 2 assertions of the assert: block name a policy"))
		Expect(r.stderr).To(ContainSubstring("check failed: 1 failure in 1 scenario (0 assertions checked)"))
		Expect(r.stdout).NotTo(ContainSubstring("check passed"))

		doc := readJUnit(junit)
		Expect(doc.Tests).To(Equal(3))
		Expect(doc.Failures).To(Equal(1))
		Expect(doc.Skipped).To(Equal(2))
		Expect(failedCases(doc.Suites[0].Cases)).To(HaveKeyWithValue("assertions evaluated", ContainSubstring("no assertion was evaluated")))
	})
})
