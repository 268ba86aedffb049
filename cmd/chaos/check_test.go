package main

import (
	"encoding/xml"
	"os"
	"os/exec"
	"path/filepath"

	. "github.com/onsi/ginkgo/v2"
	. "github.com/onsi/gomega"
)

// junitDoc is what the specs read back of a JUnit XML file.
type junitDoc struct {
	Tests    int `xml:"tests,attr"`
	Failures int `xml:"failures,attr"`
	Errors   int `xml:"errors,attr"`
	Skipped  int `xml:"skipped,attr"`
	Suites   []struct {
		Name       string `xml:"name,attr"`
		Tests      int    `xml:"tests,attr"`
		Failures   int    `xml:"failures,attr"`
		Properties []struct {
			Name  string `xml:"name,attr"`
			Value string `xml:"value,attr"`
		} `xml:"properties>property"`
		Cases []junitCase `xml:"testcase"`
	} `xml:"testsuite"`
}

type junitCase struct {
	Name      string `xml:"name,attr"`
	ClassName string `xml:"classname,attr"`
	Failure   *struct {
		Message string `xml:"message,attr"`
		Text    string `xml:",chardata"`
	} `xml:"failure"`
	Error *struct {
		Message string `xml:"message,attr"`
	} `xml:"error"`
	Skipped *struct {
		Message string `xml:"message,attr"`
	} `xml:"skipped"`
}

func readJUnit(path string) junitDoc {
	data, err := os.ReadFile(path)
	Expect(err).NotTo(HaveOccurred())
	var doc junitDoc
	Expect(xml.Unmarshal(data, &doc)).To(Succeed())
	return doc
}

// failedCases lists the names and failure messages of a suite's failed cases.
func failedCases(cases []junitCase) map[string]string {
	out := map[string]string{}
	for _, c := range cases {
		if c.Failure != nil {
			out[c.Name] = c.Failure.Message
		}
	}
	return out
}

const checkData = "testdata/check/"

var _ = Describe("chaos check", func() {
	var junit string
	BeforeEach(func() { junit = filepath.Join(GinkgoT().TempDir(), "junit.xml") })

	It("exits 0 when every assertion holds, with a table of expected against measured", func() {
		r := chaos("check", checkData+"holds.yaml", "--junit", junit)
		Expect(r.code).To(Equal(exitOK), r.stderr)
		Expect(r.stdout).To(ContainSubstring("scenario holds (testdata/check/holds.yaml): engine sim, seed 3"))
		Expect(r.stdout).To(MatchRegexp(`policy\s+assertion\s+expected\s+measured\s+result`))
		Expect(r.stdout).To(MatchRegexp(`retry\s+amplification\s+<= 1.67\s+1.66667\s+ok`))
		Expect(r.stdout).To(ContainSubstring("check passed: 3 assertions hold in 1 scenario"))

		doc := readJUnit(junit)
		Expect(doc.Tests).To(Equal(3))
		Expect(doc.Failures).To(BeZero())
		Expect(doc.Suites).To(HaveLen(1))
		Expect(doc.Suites[0].Name).To(Equal("holds"))
		Expect(doc.Suites[0].Cases[0].Name).To(Equal("retry: success_rate == 1"))
		Expect(doc.Suites[0].Cases[0].ClassName).To(Equal("holds.retry"))
	})

	It("exits 1 when an assertion breaks, with the measured value in the JUnit failure", func() {
		r := chaos("check", checkData+"holds.yaml", checkData+"breaks.yaml", "--junit", junit)
		Expect(r.code).To(Equal(exitFailed))
		Expect(r.stdout).To(MatchRegexp(`no-retry\s+success_rate\s+>= 0.99\s+0.333333\s+FAILED`))
		Expect(r.stdout).To(MatchRegexp(`retry\s+success_rate\s+>= 0.99\s+1\s+ok`))
		Expect(r.stderr).To(ContainSubstring("check failed: 1 failure in 2 scenarios"))

		doc := readJUnit(junit)
		Expect(doc.Tests).To(Equal(6))
		Expect(doc.Failures).To(Equal(1))
		Expect(doc.Suites).To(HaveLen(2))
		breaks := doc.Suites[1]
		Expect(breaks.Name).To(Equal("breaks"))
		Expect(breaks.Failures).To(Equal(1))
		Expect(failedCases(breaks.Cases)).To(Equal(map[string]string{
			"no-retry: success_rate >= 0.99": "success_rate = 0.333333, want >= 0.99",
		}))
		Expect(breaks.Properties).To(ContainElement(HaveField("Name", "seed")))
	})

	It("gives the same verdicts on the live engine, over real HTTP", func() {
		r := chaos("check", checkData+"holds.yaml", checkData+"breaks.yaml", checkData+"retry-after.yaml", "--engine", "live", "--junit", junit)
		Expect(r.code).To(Equal(exitFailed), r.stderr)
		Expect(r.stdout).To(ContainSubstring("scenario holds (testdata/check/holds.yaml): engine live, seed 3"))
		Expect(r.stdout).To(MatchRegexp(`honour\s+retry_after_violations\s+== 0\s+0\s+ok`))

		doc := readJUnit(junit)
		Expect(doc.Tests).To(Equal(9))
		Expect(doc.Failures).To(Equal(1))
		Expect(failedCases(doc.Suites[1].Cases)).To(Equal(map[string]string{
			"no-retry: success_rate >= 0.99": "success_rate = 0.333333, want >= 0.99",
		}))
	})

	It("runs with the seed it is given", func() {
		r := chaos("check", checkData+"holds.yaml", "--seed", "11")
		Expect(r.code).To(Equal(exitOK), r.stderr)
		Expect(r.stdout).To(ContainSubstring("engine sim, seed 11"))
	})

	DescribeTable("exits 2 on bad input, naming it",
		func(want string, args ...string) {
			r := chaos(append([]string{"check"}, args...)...)
			Expect(r.code).To(Equal(exitBadInput), r.stdout)
			Expect(r.stderr).To(ContainSubstring(want))
		},
		Entry("no scenario", "requires at least 1 arg"),
		Entry("a missing file", "no-such.yaml", checkData+"no-such.yaml"),
		Entry("an invalid scenario, by line and field", `invalid.yaml:8:3: assert.sucess_rate: "sucess_rate" is neither a result metric`, checkData+"invalid.yaml"),
		Entry("a scenario with nothing to check", "has no assert: block", checkData+"no-assert.yaml"),
		Entry("an unknown engine", `--engine "warp"`, checkData+"holds.yaml", "--engine", "warp"),
		Entry("--engine with --client", "exclude each other", checkData+"holds.yaml", "--engine", "sim", "--client", "true"),
		Entry("a JUnit file that cannot be written", "--junit", checkData+"holds.yaml", "--junit", "/no/such/dir/junit.xml"),
		Entry("an unknown flag", "unknown flag: --frobnicate", checkData+"holds.yaml", "--frobnicate"),
	)
})

var _ = Describe("chaos check --client", func() {
	const pyClient = "python3 ../../examples/python-client/client.py"
	var junit string
	BeforeEach(func() {
		_, err := exec.LookPath("python3")
		Expect(err).NotTo(HaveOccurred(), "the Python example needs python3 (CI installs it)")
		junit = filepath.Join(GinkgoT().TempDir(), "junit.xml")
	})

	It("passes the Python example, which honours Retry-After", func() {
		r := chaos("check", checkData+"retry-after.yaml", "--client", pyClient, "--junit", junit)
		Expect(r.code).To(Equal(exitOK), r.stdout+r.stderr)
		Expect(r.stdout).To(ContainSubstring("client.py: 8/8 logical requests succeeded"))
		Expect(r.stdout).To(ContainSubstring("engine client, seed 9"))
		Expect(r.stdout).To(MatchRegexp(`client\s+retry_after_violations\s+== 0\s+0\s+ok`))
		Expect(r.stdout).To(MatchRegexp(`honour\s+amplification\s+<= 1.5\s+-\s+skipped: names policy honour`))
		Expect(r.stdout).NotTo(ContainSubstring("note:"))

		doc := readJUnit(junit)
		Expect(doc.Tests).To(Equal(3))
		Expect(doc.Failures).To(BeZero())
		Expect(doc.Skipped).To(Equal(1))
	})

	It("fails the Python example told to ignore Retry-After, on retry_after_violations", func() {
		r := chaos("check", checkData+"retry-after.yaml", "--client", "CHAOS_IGNORE_RETRY_AFTER=1 "+pyClient, "--junit", junit)
		Expect(r.code).To(Equal(exitFailed))
		Expect(r.stdout).To(MatchRegexp(`client\s+retry_after_violations\s+== 0\s+4\s+FAILED`))

		doc := readJUnit(junit)
		Expect(doc.Failures).To(Equal(1))
		Expect(failedCases(doc.Suites[0].Cases)).To(Equal(map[string]string{
			"client: retry_after_violations == 0": "retry_after_violations = 4, want == 0",
		}))
	})

	It("infers the retries of a client that sends no X-Chaos-* headers, and says how", func() {
		// urllib opens a connection per request, so the three requests share
		// the key of remote address and User-Agent, as in the server's
		// per-client script: 503, 503, then 200, each after a failure.
		anonymous := `python3 -c 'import os, urllib.request as u
for _ in range(3):
    try: u.urlopen(os.environ["CHAOS_URL"] + os.environ["CHAOS_PATH"]).read()
    except OSError: pass'`
		r := chaos("check", checkData+"holds.yaml", "--client", anonymous)
		Expect(r.stdout).To(ContainSubstring("note: client: 3 attempts carried neither X-Chaos-Request nor X-Chaos-Attempt, so they were grouped by inference: 0 on 0 keep-alive connections"))
		Expect(r.stdout).To(ContainSubstring("note: no variable passes clients.start to the client: it follows its own"))
		// One logical request of 3 attempts: it succeeded, at 3 attempts.
		Expect(r.stdout).To(MatchRegexp(`client\s+success_rate\s+== 1\s+1\s+ok`))
		Expect(r.stdout).To(MatchRegexp(`client\s+amplification\s+<= 1.67\s+3\s+FAILED`))
		Expect(r.code).To(Equal(exitFailed))
	})

	It("fails a client that exits non-zero", func() {
		r := chaos("check", checkData+"holds.yaml", "--client", "exit 3", "--junit", junit)
		Expect(r.code).To(Equal(exitFailed))
		Expect(r.stdout).To(ContainSubstring("FAILED: the client exited with status 3"))
		doc := readJUnit(junit)
		Expect(failedCases(doc.Suites[0].Cases)).To(HaveKeyWithValue("client", "the client exited with status 3"))
		Expect(doc.Errors).To(Equal(1)) // no request, so nothing to analyse
	})

	It("stops a client that outlives its time limit", func() {
		r := chaos("check", checkData+"holds.yaml", "--client", "sleep 30", "--client-timeout", "200ms")
		Expect(r.code).To(Equal(exitFailed))
		Expect(r.stdout).To(ContainSubstring("did not finish within --client-timeout 200ms and was stopped"))
	})
})
