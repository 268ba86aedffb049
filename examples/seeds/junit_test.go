package seeds_test

import (
	"encoding/xml"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"

	. "github.com/onsi/gomega"

	"github.com/chaos-harness/chaos/clients/pyrun"
)

// junitCase is one test case of chaos check's JUnit XML: "POLICY: PATH OP
// VALUE", with a failure, or the measured value in system-out.
type junitCase struct {
	Name    string `xml:"name,attr"`
	Failure *struct {
		Message string `xml:"message,attr"`
		Type    string `xml:"type,attr"`
	} `xml:"failure"`
	Error  *struct{} `xml:"error"`
	Output string    `xml:"system-out"`
}

// checkRun is what one chaos check run said.
type checkRun struct {
	code   int
	output string
	cases  map[string]junitCase // by name
}

// held reports whether the assertion named passed.
func (r checkRun) held(name string) bool {
	c, ok := r.cases[name]
	Expect(ok).To(BeTrue(), "no test case %q in the JUnit XML; the run said:\n%s", name, r.output)
	return c.Failure == nil && c.Error == nil
}

// measured is the value chaos measured for the assertion named, read from
// "PATH = VALUE" (system-out when it held, the failure message otherwise).
func (r checkRun) measured(name string) float64 {
	c := r.cases[name]
	text := c.Output
	if c.Failure != nil {
		text = c.Failure.Message
	}
	_, value, found := strings.Cut(text, " = ")
	Expect(found).To(BeTrue(), "no measured value in %q of case %q", text, name)
	value, _, _ = strings.Cut(value, ",")
	v, err := strconv.ParseFloat(strings.TrimSpace(value), 64)
	Expect(err).NotTo(HaveOccurred(), "measured value of %q", name)
	return v
}

// check runs chaos check on a scenario of scenarios/, with --client when
// client is not empty (run through sh -c in this folder), and reads its
// JUnit XML.
func check(scenario, client string, tmp string) checkRun {
	junit := filepath.Join(tmp, "junit.xml")
	args := []string{"check", filepath.Join("scenarios", scenario+".yaml"), "--junit", junit}
	if client != "" {
		args = append(args, "--client", client, "--client-timeout", "60s")
	}
	cmd := exec.Command(chaosBin, args...)
	cmd.Env = pyrun.Env("PYTHONDONTWRITEBYTECODE=1") // no __pycache__ in the tree
	out, err := cmd.CombinedOutput()
	code := 0
	if exit, ok := err.(*exec.ExitError); ok {
		code = exit.ExitCode()
	} else {
		Expect(err).NotTo(HaveOccurred())
	}
	data, err := os.ReadFile(junit)
	Expect(err).NotTo(HaveOccurred(), "chaos check wrote no JUnit XML:\n%s", out)
	var doc struct {
		Suites []struct {
			Cases []junitCase `xml:"testcase"`
		} `xml:"testsuite"`
	}
	Expect(xml.Unmarshal(data, &doc)).To(Succeed())
	run := checkRun{code: code, output: string(out), cases: map[string]junitCase{}}
	for _, s := range doc.Suites {
		for _, c := range s.Cases {
			run.cases[c.Name] = c
		}
	}
	return run
}
