package main

import (
	"os"
	"path/filepath"
	"strings"

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
		return r, readResult(filepath.Join(out, "result.json"))
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
		for i, r := range res.Ranking {
			Expect(r.Rank).To(Equal(i + 1))
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

	It("names one winner everywhere: the headline, best, the standings and the ranking", func() {
		out := GinkgoT().TempDir()
		r, res := tune(out)
		ranked := []string{}
		for _, rk := range res.Ranking {
			ranked = append(ranked, rk.Name)
		}
		Expect(ranked).To(Equal(res.Standings))
		Expect(res.Best).To(Equal(res.Standings[0]))
		md, err := os.ReadFile(filepath.Join(out, "report.md"))
		Expect(err).NotTo(HaveOccurred())
		// The headline is the report's first bold line; it opens with the winner.
		_, headline, found := strings.Cut(string(md), "\n**")
		Expect(found).To(BeTrue())
		headline = strings.ReplaceAll(headline, `\`, "") // Markdown escapes max\_retries
		Expect(headline).To(HavePrefix(res.Best + " did best"))
		Expect(r.stdout).To(ContainSubstring("\n" + res.Best + " did best"))
		// The rule is stated in the report and on the command line.
		Expect(string(md)).To(ContainSubstring(analysis.RankingRule()))
		Expect(r.stdout).To(ContainSubstring(analysis.RankingRule()))
		for _, t := range res.Tradeoffs {
			Expect(r.stdout).To(ContainSubstring(t))
		}
		// small.yaml's outage fails everything without retries: 0% success
		// is below the default floor of 90% and off the frontier, though one
		// attempt per request and no waiting would dominate every other point.
		Expect(res.Frontier).To(Equal(&analysis.Frontier{Objectives: []string{"amplification", "completion_ms.p99"}, MinSuccess: 0.9}))
		for _, rk := range res.Ranking {
			p, _ := res.Policy(rk.Name)
			Expect(rk.BelowMinSuccess).To(Equal(p.SuccessRate < 0.9), rk.Name)
			if rk.BelowMinSuccess {
				Expect(rk.Pareto).To(BeFalse(), rk.Name)
			}
		}
		noRetry, _ := res.Policy("max_retries=0 base=10ms")
		Expect(noRetry.SuccessRate).To(Equal(0.0))
		Expect(res.Command).To(ContainSubstring("--min-success 0.9"))
		// The plot is drawn on the frontier's objectives and says the floor.
		svg, err := os.ReadFile(filepath.Join(out, "frontier.svg"))
		Expect(err).NotTo(HaveOccurred())
		Expect(string(svg)).To(ContainSubstring("amplification (attempts per logical request), lower is better"))
		Expect(string(svg)).To(ContainSubstring("p99 completion time (ms), lower is better"))
		Expect(string(md)).To(ContainSubstring("at least 90.0% (--min-success)"))
	})

	It("varies the first policy that retries unless told otherwise", func() {
		// small.yaml with its policies swapped: "once" (max_retries 0) first.
		file := filepath.Join(GinkgoT().TempDir(), "once-first.yaml")
		Expect(os.WriteFile(file, []byte(onceFirst), 0o644)).To(Succeed())
		out := GinkgoT().TempDir()
		r := chaos("tune", file, "--vary", "base=10ms,100ms", "--out", out)
		Expect(r.code).To(Equal(exitOK), r.stderr)
		Expect(r.stderr).To(ContainSubstring(`2 settings of policy "retry"`))
		res := readResult(filepath.Join(out, "result.json"))
		Expect(res.Command).To(ContainSubstring("--policy retry"))
		for _, p := range res.Policies {
			Expect(*p.Amplification).To(BeNumerically(">", 1), p.Name) // the outage was retried
		}
	})

	It("prints result.json alone with --format json", func() {
		out := GinkgoT().TempDir()
		r := chaos("tune", "testdata/scenarios/small.yaml", "--vary", "base=10ms,100ms", "--out", out, "--format", "json")
		Expect(r.code).To(Equal(exitOK), r.stderr)
		written, err := os.ReadFile(filepath.Join(out, "result.json"))
		Expect(err).NotTo(HaveOccurred())
		Expect(r.stdout).To(Equal(string(written)))
		res := readResult(filepath.Join(out, "result.json"))
		Expect(res.Policies).To(HaveLen(2))
		Expect(res.Frontier).NotTo(BeNil(), "the ranking is in it")
	})

	It("refuses to guess when no policy retries", func() {
		file := filepath.Join(GinkgoT().TempDir(), "no-retries.yaml")
		src := strings.Replace(onceFirst, "retry: {max_retries: 4, base: 50ms, jitter: full}", "retry: {max_retries: 0}", 1)
		Expect(os.WriteFile(file, []byte(src), 0o644)).To(Succeed())
		r := chaos("tune", file, "--vary", "max_retries=1,2", "--out", GinkgoT().TempDir())
		Expect(r.code).To(Equal(exitBadInput))
		Expect(r.stderr).To(ContainSubstring("no-retries.yaml: no policy retries (retry.max_retries above 0), so tune has no default policy to vary; name one with --policy"))
		// Named, a policy that never retries may be swept on max_retries.
		r = chaos("tune", file, "--policy", "once", "--vary", "max_retries=0,1", "--out", GinkgoT().TempDir())
		Expect(r.code).To(Equal(exitOK), r.stderr)
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
		Entry("a success floor above 1", "--min-success 1.5: must be a success rate between 0 and 1", "--vary", "base=10ms", "--min-success", "1.5"),
		Entry("a negative success floor", "--min-success -0.1", "--vary", "base=10ms", "--min-success", "-0.1"),
		Entry("a knob in a section the policy lacks", `--vary breaker.open: policy "retry" does not use it: it has no breaker section`,
			"--vary", "breaker.open=1s,2s"),
		Entry("a knob the policy's settings ignore", `--vary retry.base: policy "retry" does not use it at any point of the grid: backoff list takes its delays from retry.delays`,
			"--vary", "backoff=list", "--vary", "delays=10ms|20ms", "--vary", "base=10ms,20ms"),
		Entry("a knob a setting of the grid rules out", `--vary retry.multiplier=2 of policy "retry": retry.multiplier: is used only by backoff exponential`,
			"--vary", "backoff=linear", "--vary", "multiplier=2,3"),
		Entry("a retry knob of a policy that never retries", `--vary retry.base: policy "once" does not use it at any point of the grid: retry.max_retries is 0, so no retry is made`,
			"--policy", "once", "--vary", "base=10ms,20ms"),
		Entry("no workers", "--workers", "--vary", "base=10ms", "--workers", "0"),
		Entry("an unknown policy", "--policy", "--vary", "base=10ms", "--policy", "nope"),
		Entry("a run estimated beyond --max-memory", "--max-memory", "--vary", "base=10ms", "--max-memory", "1KiB"),
	)
})

// onceFirst is testdata/scenarios/small.yaml with the policy that never
// retries first.
const onceFirst = `name: once-first
seed: 4
server:
  phases:
    - {name: down, duration: 200ms, fault: {status: 503}}
    - {name: up}
clients:
  count: 20
  requests: 2
  think: 50ms
  timeout: 1s
policies:
  - name: once
    retry: {max_retries: 0}
  - name: retry
    retry: {max_retries: 4, base: 50ms, jitter: full}
`
