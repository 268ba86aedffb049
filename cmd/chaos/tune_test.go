package main

import (
	"encoding/json"
	"os"
	"path/filepath"

	. "github.com/onsi/ginkgo/v2"
	. "github.com/onsi/gomega"

	"github.com/chaos-harness/chaos/analysis"
)

var _ = Describe("chaos tune", func() {
	tune := func(out string, extra ...string) (result, analysis.Result) {
		args := append([]string{"tune", "testdata/scenarios/small.yaml", "--policy", "retry",
			"--vary", "max_retries=0,4", "--vary", "base=10ms,100ms", "--out", out}, extra...)
		r := chaos(args...)
		Expect(r.code).To(Equal(exitOK), r.stderr)
		data, err := os.ReadFile(filepath.Join(out, "result.json"))
		Expect(err).NotTo(HaveOccurred())
		var res analysis.Result
		Expect(json.Unmarshal(data, &res)).To(Succeed())
		return r, res
	}

	It("runs every point of the grid, ranks them and marks the frontier", func() {
		out := GinkgoT().TempDir()
		r, res := tune(out)
		names := []string{}
		for _, p := range res.Policies {
			names = append(names, p.Name)
		}
		Expect(names).To(Equal([]string{"max_retries=0 base=10ms", "max_retries=0 base=100ms",
			"max_retries=4 base=10ms", "max_retries=4 base=100ms"}))
		Expect(res.Ranking).To(HaveLen(4))
		Expect(res.Ranking[0].Rank).To(Equal(1))
		for i := 1; i < len(res.Ranking); i++ {
			Expect(res.Ranking[i].Score).To(BeNumerically("<=", res.Ranking[i-1].Score))
		}
		// Without retries the outage's failures stand; with four they are retried away.
		noRetry, _ := res.Policy("max_retries=0 base=10ms")
		retried, _ := res.Policy("max_retries=4 base=100ms")
		Expect(noRetry.Amplification).To(HaveValue(Equal(1.0)))
		Expect(retried.SuccessRate).To(BeNumerically(">", noRetry.SuccessRate))
		Expect(res.Ranking[0].Name).To(HavePrefix("max_retries=4"))
		Expect(res.Ranking[0].Pareto).To(BeTrue())
		Expect(r.stdout).To(ContainSubstring("frontier"))
		Expect(filepath.Join(out, "frontier.svg")).To(BeAnExistingFile())
		html, err := os.ReadFile(filepath.Join(out, "report.html"))
		Expect(err).NotTo(HaveOccurred())
		Expect(string(html)).To(ContainSubstring("Pareto frontier"))
	})

	It("gives the same result whatever the number of workers", func() {
		_, one := tune(GinkgoT().TempDir(), "--workers", "1")
		_, two := tune(GinkgoT().TempDir(), "--workers", "2")
		Expect(two.Policies).To(HaveLen(len(one.Policies)))
		for i := range one.Policies {
			Expect(two.Policies[i].Attempts).To(Equal(one.Policies[i].Attempts))
			Expect(two.Policies[i].Succeeded).To(Equal(one.Policies[i].Succeeded))
			Expect(two.Policies[i].CompletionMs).To(Equal(one.Policies[i].CompletionMs))
		}
		Expect(two.Ranking).To(Equal(one.Ranking))
	})

	DescribeTable("refuses bad input with exit 2",
		func(want string, args ...string) {
			r := chaos(append([]string{"tune", "testdata/scenarios/small.yaml", "--out", os.TempDir()}, args...)...)
			Expect(r.code).To(Equal(exitBadInput))
			Expect(r.stderr).To(ContainSubstring(want))
		},
		Entry("no --vary", "name at least one knob"),
		Entry("no values", "KEY=V1,V2", "--vary", "max_retries"),
		Entry("unknown knob", "--vary", "--vary", "max_retrys=1,2"),
		Entry("a bad value", "--vary", "--vary", "base=soon"),
		Entry("a knob twice", "varied twice", "--vary", "base=10ms", "--vary", "retry.base=20ms"),
		Entry("a value twice", "listed twice", "--vary", "base=10ms,10ms"),
		Entry("an unknown objective", "--objective", "--vary", "base=10ms", "--objective", "speed"),
		Entry("no workers", "--workers", "--vary", "base=10ms", "--workers", "0"),
		Entry("an unknown policy", "--policy", "--vary", "base=10ms", "--policy", "nope"),
		Entry("a run estimated beyond --max-memory", "--max-memory", "--vary", "base=10ms", "--max-memory", "1KiB"),
	)
})
