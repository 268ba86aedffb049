package main

import (
	"fmt"
	"html"
	"os"
	"path/filepath"

	. "github.com/onsi/ginkgo/v2"
	. "github.com/onsi/gomega"

	"github.com/chaos-harness/chaos/analysis"
	"github.com/chaos-harness/chaos/reports"
)

var _ = Describe("--retry-window", func() {
	It("sets the window of the herd figures in chaos analyze", func() {
		out := GinkgoT().TempDir()
		// The retries of serve.jsonl arrive at 1200, 1400, 2000 and 2100: a
		// 200 ms window holds two of them ([2000, 2200)), 2/0.2 = 10 per second.
		r := chaos("analyze", "testdata/analyze/serve.jsonl", "--out", out, "--retry-window", "200ms")
		Expect(r.code).To(Equal(exitOK), r.stderr)
		res := readResult(filepath.Join(out, "result.json"))
		Expect(res.RetryWindowMs).To(Equal(200.0))
		p := res.Policies[0]
		Expect(*p.RetryMaxWindow).To(Equal(2))
		Expect(*p.RetryPeakRate).To(BeNumerically("~", 10, 1e-9))
		// A log of chaos serve carries no capacity model.
		Expect(p.PeakToCapacity).To(BeNil())
		Expect(res.Command).To(ContainSubstring("--retry-window 200ms"))

		// The default, 16 ms, holds one of them at a time.
		r = chaos("analyze", "testdata/analyze/serve.jsonl", "--out", out)
		Expect(r.code).To(Equal(exitOK), r.stderr)
		res = readResult(filepath.Join(out, "result.json"))
		Expect(res.RetryWindowMs).To(Equal(16.0))
		Expect(*res.Policies[0].RetryMaxWindow).To(Equal(1))
	})

	It("reaches the analysis of chaos run, with the scenario's capacity for peak_to_capacity", func() {
		dir := GinkgoT().TempDir()
		file := filepath.Join(dir, "capacity.yaml")
		Expect(os.WriteFile(file, []byte(`name: capacity
seed: 3
server:
  capacity: {concurrency: 100, rate: 1000, burst: 10}
  phases:
    - {name: down, duration: 200ms, fault: {status: 503}}
    - {name: up}
clients: {count: 30, requests: 2, think: 50ms, timeout: 1s}
policies:
  - name: retry
    retry: {max_retries: 4, base: 50ms, jitter: none}
`), 0o644)).To(Succeed())
		out := filepath.Join(dir, "out")
		r := chaos("run", file, "--out", out, "--retry-window", "50ms")
		Expect(r.code).To(Equal(exitOK), r.stderr)
		res := readResult(filepath.Join(out, "result.json"))
		Expect(res.RetryWindowMs).To(Equal(50.0))
		Expect(res.Command).To(HaveSuffix("--retry-window 50ms"))
		p := res.Policies[0]
		Expect(*p.RetryMaxWindow).To(BeNumerically(">", 0))
		// In 50 ms the bucket admits 10 + 1000·0.05 = 60, fewer than the 100
		// slots: peak_to_capacity is retry_max_window / 60.
		Expect(*p.PeakToCapacity).To(BeNumerically("~", float64(*p.RetryMaxWindow)/60, 1e-12))
		Expect(*p.RetryPeakRate).To(BeNumerically("~", float64(*p.RetryMaxWindow)/0.05, 1e-9))
	})

	DescribeTable("is bad input (exit 2) when it is not positive, on every command that analyses",
		func(args ...string) {
			r := chaos(append(args, "--retry-window", "-1ms")...)
			Expect(r.code).To(Equal(exitBadInput))
			Expect(r.stderr).To(ContainSubstring("--retry-window -1ms: want a positive duration"))
		},
		Entry("analyze", "analyze", "testdata/analyze/serve.jsonl", "--out", os.TempDir()),
		Entry("run", "run", "testdata/scenarios/small.yaml", "--out", os.TempDir()),
		Entry("compare", "compare", "testdata/scenarios/small.yaml", "--out", os.TempDir()),
		Entry("tune", "tune", "testdata/scenarios/small.yaml", "--vary", "max_retries=1,2", "--out", os.TempDir()),
		Entry("check", "check", "testdata/scenarios/small.yaml"),
	)
})

var _ = Describe("the herd figures of the default compare", func() {
	It("call no jitter a far worse herd than full jitter", func() {
		out := GinkgoT().TempDir()
		r := chaos("compare", "--jitter", "none,full", "--out", out)
		Expect(r.code).To(Equal(exitOK), r.stderr)
		res := readResult(filepath.Join(out, "result.json"))
		none, _ := res.Policy("none")
		full, _ := res.Policy("full")
		// 500 clients start together behind a capacity limit: both fleets send
		// the same first burst, and the retries of the overloaded ones follow
		// at once (none) or spread over the 100 ms base (full).
		Expect(*none.RetryMaxWindow).To(BeNumerically(">", 3**full.RetryMaxWindow))
		Expect(*none.PeakToCapacity).To(BeNumerically(">", 3**full.PeakToCapacity))

		// The summary table shows it before the unsent and fallback counts.
		Expect(r.stdout).To(ContainSubstring("  retries/16ms  unsent  fallback\n"))
		Expect(r.stdout).To(MatchRegexp(fmt.Sprintf(`(?m)^ +none .* %d +0 +0$`, *none.RetryMaxWindow)))

		// The headline area names that herd alike on the command line and in
		// both reports.
		herd, ok := reports.HerdSentence(res)
		Expect(ok).To(BeTrue())
		Expect(herd).To(HavePrefix(fmt.Sprintf("none sends the worst retry herd: %d retries in 16 ms (", *none.RetryMaxWindow)))
		Expect(herd).To(HaveSuffix(fmt.Sprintf(" against %d for full.", *full.RetryMaxWindow)))
		Expect(r.stdout).To(ContainSubstring(reports.Headline(res) + "\n" + herd + "\n" + analysis.RankingRule() + "\n"))
		md, err := os.ReadFile(filepath.Join(out, "report.md"))
		Expect(err).NotTo(HaveOccurred())
		Expect(string(md)).To(ContainSubstring("\n\n" + herd + "\n\n"))
		page, err := os.ReadFile(filepath.Join(out, "report.html"))
		Expect(err).NotTo(HaveOccurred())
		Expect(html.UnescapeString(string(page))).To(ContainSubstring(herd))
	})
})

var _ = Describe("chaos analyze --capacity", func() {
	It("gives a log of chaos serve the server's capacity, for peak_to_capacity", func() {
		out := GinkgoT().TempDir()
		// Two retries in the 200 ms window [2000, 2200); a bucket of rate 10/s
		// and size 2 admits 2 + 10·0.2 = 4 in it: 2/4.
		r := chaos("analyze", "testdata/analyze/serve.jsonl", "--out", out, "--retry-window", "200ms", "--capacity", "rate=10,burst=2")
		Expect(r.code).To(Equal(exitOK), r.stderr)
		p := readResult(filepath.Join(out, "result.json")).Policies[0]
		Expect(*p.PeakToCapacity).To(Equal(0.5))
		// 3 slots, fewer than the bucket's 4: 2/3.
		r = chaos("analyze", "testdata/analyze/serve.jsonl", "--out", out, "--retry-window", "200ms", "--capacity", "concurrency=3, rate=10, burst=2")
		Expect(r.code).To(Equal(exitOK), r.stderr)
		p = readResult(filepath.Join(out, "result.json")).Policies[0]
		Expect(*p.PeakToCapacity).To(BeNumerically("~", 2.0/3, 1e-12))
	})

	DescribeTable("is bad input (exit 2) naming what is wrong",
		func(value, want string) {
			r := chaos("analyze", "testdata/analyze/serve.jsonl", "--out", os.TempDir(), "--capacity", value)
			Expect(r.code).To(Equal(exitBadInput))
			Expect(r.stderr).To(ContainSubstring(want))
		},
		Entry("not KEY=VALUE", "1000", `"1000" is not KEY=VALUE`),
		Entry("an unknown key", "speed=3", `unknown key "speed"`),
		Entry("a negative number", "rate=-1", "rate=-1: want a number that is not negative"),
		Entry("not a number", "concurrency=many", "concurrency=many: want a number"),
		Entry("a key twice", "rate=1,rate=2", "rate is given twice"),
		Entry("no limit at all", "burst=5", "give a rate or a concurrency"),
	)
})
