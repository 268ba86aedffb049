package main

import (
	"encoding/json"
	"os"
	"path/filepath"

	. "github.com/onsi/ginkgo/v2"
	. "github.com/onsi/gomega"

	"github.com/chaos-harness/chaos/analysis"
)

var _ = Describe("chaos compare", func() {
	readResult := func(dir string) analysis.Result {
		data, err := os.ReadFile(filepath.Join(dir, "result.json"))
		Expect(err).NotTo(HaveOccurred())
		var res analysis.Result
		Expect(json.Unmarshal(data, &res)).To(Succeed())
		return res
	}

	It("runs one scenario once per jitter and writes the comparison report", func() {
		out := GinkgoT().TempDir()
		r := chaos("compare", "testdata/scenarios/small.yaml", "--jitter", "none,full,decorrelated", "--out", out)
		Expect(r.code).To(Equal(exitOK), r.stderr)
		res := readResult(out)
		names := []string{}
		for _, p := range res.Policies {
			names = append(names, p.Name)
			Expect(p.Attempts).To(BeNumerically(">=", p.LogicalRequests))
		}
		Expect(names).To(Equal([]string{"none", "full", "decorrelated"}))
		for _, f := range []string{"arrivals.jsonl", "report.md", "report.html", "arrivals.svg", "arrivals.png"} {
			Expect(filepath.Join(out, f)).To(BeAnExistingFile())
		}
		Expect(r.stdout).To(ContainSubstring("did best"))
		md, err := os.ReadFile(filepath.Join(out, "report.md"))
		Expect(err).NotTo(HaveOccurred())
		Expect(string(md)).To(ContainSubstring("chaos compare testdata/scenarios/small.yaml --jitter none,full,decorrelated"))
	})

	It("gives the same seed to every strategy, so the strategies differ only by jitter", func() {
		out := GinkgoT().TempDir()
		r := chaos("compare", "testdata/scenarios/small.yaml", "--jitter", "none", "--seed", "9", "--out", out)
		Expect(r.code).To(Equal(exitOK), r.stderr)
		first, err := os.ReadFile(filepath.Join(out, "arrivals.jsonl"))
		Expect(err).NotTo(HaveOccurred())
		Expect(chaos("compare", "testdata/scenarios/small.yaml", "--jitter", "none", "--seed", "9", "--out", out).code).To(Equal(exitOK))
		second, err := os.ReadFile(filepath.Join(out, "arrivals.jsonl"))
		Expect(err).NotTo(HaveOccurred())
		Expect(second).To(Equal(first))
	})

	DescribeTable("refuses bad input with exit 2",
		func(want string, args ...string) {
			r := chaos(append([]string{"compare"}, args...)...)
			Expect(r.code).To(Equal(exitBadInput))
			Expect(r.stderr).To(ContainSubstring(want))
		},
		Entry("unknown jitter", `"ful"`, "testdata/scenarios/small.yaml", "--jitter", "ful", "--out", os.TempDir()),
		Entry("a jitter twice", "listed twice", "testdata/scenarios/small.yaml", "--jitter", "full,full", "--out", os.TempDir()),
		Entry("unknown policy", "--policy", "testdata/scenarios/small.yaml", "--policy", "nope", "--out", os.TempDir()),
		Entry("unknown engine", "--engine", "testdata/scenarios/small.yaml", "--engine", "warp", "--out", os.TempDir()),
		Entry("missing scenario", "no-such", "no-such-scenario.yaml"),
		Entry("a run estimated beyond --max-memory", "--max-memory", "testdata/scenarios/small.yaml", "--max-memory", "1KiB", "--out", os.TempDir()),
		Entry("a bad --max-memory", "--max-memory", "testdata/scenarios/small.yaml", "--max-memory", "lots", "--out", os.TempDir()),
	)
})
