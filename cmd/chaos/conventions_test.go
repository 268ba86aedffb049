package main

import (
	"bytes"
	"context"
	"encoding/json"
	"os"
	"path/filepath"
	"syscall"
	"time"

	. "github.com/onsi/ginkgo/v2"
	. "github.com/onsi/gomega"

	"github.com/chaos-harness/chaos/analysis"
	"github.com/chaos-harness/chaos/scenarios"
)

// fakeClock is a clock a spec moves by hand.
type fakeClock struct{ t time.Time }

func (c *fakeClock) now() time.Time { return c.t }
func (c *fakeClock) at(d time.Duration) *fakeClock {
	c.t = time.Unix(1000, 0).Add(d)
	return c
}

var _ = Describe("progress on standard error", func() {
	It("writes a line every few seconds on a pipe, with the rate and the time left", func() {
		var buf bytes.Buffer
		clock := (&fakeClock{}).at(0)
		p := newProgressAt(&buf, false, false, "logical requests", clock.now)
		clock.at(500 * time.Millisecond)
		p.update(10, 1000) // before progressDelay: nothing
		clock.at(4 * time.Second)
		p.update(200, 1000) // before the first progressEvery: nothing
		Expect(buf.String()).To(BeEmpty())
		clock.at(5 * time.Second)
		p.update(250, 1000) // 250 in 5 s: 50/s; 750 left: 15 s
		clock.at(7 * time.Second)
		p.update(400, 1000) // 2 s after the last line: nothing
		clock.at(10 * time.Second)
		p.update(600, 1000) // 60/s; 400 left: 6.67 s, shown to the tenth
		clock.at(11 * time.Second)
		p.update(1000, 1000) // the end: 1000 in 11 s, 90.9/s
		p.update(1000, 1000) // written once
		p.finish()           // no bar to end on a pipe
		Expect(buf.String()).To(Equal(
			"progress:  25% 250/1000 logical requests, 50/s, ETA 15s\n" +
				"progress:  60% 600/1000 logical requests, 60/s, ETA 6.7s\n" +
				"progress: 100% 1000/1000 logical requests, 90.9/s, done in 11s\n"))
	})

	It("writes nothing on a pipe for work that ends before its first line", func() {
		var buf bytes.Buffer
		clock := (&fakeClock{}).at(0)
		p := newProgressAt(&buf, false, false, "logical requests", clock.now)
		clock.at(3 * time.Second)
		p.update(100, 100)
		Expect(buf.String()).To(BeEmpty())
	})

	It("redraws a bar on a terminal once the work has taken a second, with the rate and the time left", func() {
		var buf bytes.Buffer
		clock := (&fakeClock{}).at(0)
		p := newProgressAt(&buf, true, false, "logical requests", clock.now)
		p.update(10, 100) // at once: nothing
		Expect(buf.String()).To(BeEmpty())
		clock.at(2 * time.Second)
		p.update(50, 100) // 25/s, 50 left: 2 s
		p.update(50, 100) // the same percentage is not drawn again
		clock.at(4 * time.Second)
		p.update(100, 100)
		p.finish()
		Expect(buf.String()).To(Equal("\r[###############...............]  50% 50/100 logical requests, 25/s, ETA 2s" +
			"\r[##############################] 100% 100/100 logical requests, 25/s, done in 4s\n"))
	})

	It("is silent under --quiet, and a buffer is no terminal", func() {
		var buf bytes.Buffer
		clock := (&fakeClock{}).at(0)
		p := newProgressAt(&buf, true, true, "logical requests", clock.now)
		clock.at(time.Minute)
		p.update(50, 100)
		p.finish()
		Expect(buf.String()).To(BeEmpty())
		Expect(isTerminal(&buf)).To(BeFalse())
		Expect(chaos("run", "--help").stdout).To(ContainSubstring("--quiet"))
	})

	It("writes rates a person reads", func() {
		Expect(formatRate(0.5)).To(Equal("0.5"))
		Expect(formatRate(1234)).To(Equal("1234"))
		Expect(formatRate(56789)).To(Equal("57k"))
		Expect(formatRate(12_300_000)).To(Equal("12.3M"))
	})
})

var _ = Describe("the exit status of an interrupted command", func() {
	It("is 130 after SIGINT and 143 after SIGTERM when the command did not succeed, its own otherwise", func() {
		for _, c := range []struct {
			sig  syscall.Signal
			want int
		}{{syscall.SIGINT, 130}, {syscall.SIGTERM, 143}} {
			sigs := make(chan os.Signal, 1)
			unhooked := make(chan struct{})
			ctx, status := interruptible(context.Background(), sigs, func() { close(unhooked) })
			sigs <- c.sig
			Eventually(ctx.Done()).Should(BeClosed())
			Expect(unhooked).To(BeClosed(), "a second signal then kills the process")
			Expect(status(exitFailed)).To(Equal(c.want))
			Expect(status(exitOK)).To(Equal(exitOK), "a server that shut down cleanly")
		}
		_, status := interruptible(context.Background(), make(chan os.Signal), func() {})
		Expect(status(exitFailed)).To(Equal(exitFailed), "no signal came")
	})

	It("makes a run that a signal stopped exit 130", func() {
		sigs := make(chan os.Signal, 1)
		ctx, status := interruptible(context.Background(), sigs, func() {})
		sigs <- syscall.SIGINT
		Eventually(ctx.Done()).Should(BeClosed())
		var out, errb bytes.Buffer
		code := run(ctx, []string{"run", "testdata/scenarios/small.yaml", "--engine", "live", "--out", GinkgoT().TempDir()},
			streams{out: &out, err: &errb})
		Expect(status(code)).To(Equal(130), errb.String())
	})
})

var _ = Describe("conventions every command follows", func() {
	It("prints the version with --version", func() {
		r := chaos("--version")
		Expect(r.code).To(Equal(exitOK))
		Expect(r.stdout).To(HavePrefix("chaos "))
		Expect(r.stdout).To(Equal(chaos("version").stdout))
	})

	It("refuses a --format that is neither text nor json, in the words of the flag", func() {
		for _, cmd := range [][]string{{"run", "contention"}, {"compare"}, {"check", "contention"}, {"validate", "contention"}, {"scenarios"}} {
			r := chaos(append(cmd, "--format", "yaml")...)
			Expect(r.code).To(Equal(exitBadInput), cmd[0])
			Expect(r.stderr).To(ContainSubstring(`--format "yaml": use text or json`), cmd[0])
		}
	})

	It("prints result.json alone on standard output with --format json, the bytes written into --out", func() {
		out := GinkgoT().TempDir()
		r := chaos("run", "testdata/scenarios/small.yaml", "--out", out, "--format", "json")
		Expect(r.code).To(Equal(exitOK), r.stderr)
		written, err := os.ReadFile(filepath.Join(out, "result.json"))
		Expect(err).NotTo(HaveOccurred())
		Expect(r.stdout).To(Equal(string(written)))
		var res analysis.Result
		Expect(json.Unmarshal([]byte(r.stdout), &res)).To(Succeed())
		Expect(res.Scenario).To(Equal("small"))
		Expect(res.Policies).To(HaveLen(2))
	})

	It("removes an earlier report's plots that the new report does not have, and nothing else", func() {
		out := GinkgoT().TempDir()
		for _, name := range []string{"frontier.svg", "frontier.png", "notes.txt"} {
			Expect(os.WriteFile(filepath.Join(out, name), []byte("earlier"), 0o644)).To(Succeed())
		}
		Expect(chaos("run", "testdata/scenarios/small.yaml", "--out", out).code).To(Equal(exitOK))
		Expect(filepath.Join(out, "frontier.svg")).NotTo(BeAnExistingFile(), "a run's report has no frontier")
		Expect(filepath.Join(out, "frontier.png")).NotTo(BeAnExistingFile())
		Expect(filepath.Join(out, "notes.txt")).To(BeAnExistingFile(), "not a file of a report")
		Expect(filepath.Join(out, "arrivals.svg")).To(BeAnExistingFile())
	})

	It("prints the estimate with --dry-run and runs nothing; a run its limits refuse exits 2", func() {
		out := filepath.Join(GinkgoT().TempDir(), "never")
		r := chaos("compare", "--dry-run", "--format", "json", "--out", out)
		Expect(r.code).To(Equal(exitOK), r.stderr)
		var est estimateRecord
		Expect(json.Unmarshal([]byte(r.stdout), &est)).To(Succeed())
		// outage-recovery: 6 strategies of 500 clients with 20 requests each.
		Expect(est.Policies).To(Equal(6))
		Expect(est.Clients).To(Equal(500))
		Expect(est.LogicalRequests).To(Equal(int64(10_000)))
		Expect(est.Fits).To(BeTrue())
		Expect(out).NotTo(BeADirectory(), "a dry run writes nothing")

		r = chaos("run", "testdata/scenarios/hours.yaml", "--engine", "live", "--dry-run")
		Expect(r.code).To(Equal(exitBadInput))
		Expect(r.stdout).To(ContainSubstring("least real time"))
		Expect(r.stderr).To(ContainSubstring("would take at least"))
	})

	It("lists the built-in scenarios as JSON", func() {
		r := chaos("scenarios", "--format", "json")
		Expect(r.code).To(Equal(exitOK))
		var list []struct{ Name, Description string }
		Expect(json.Unmarshal([]byte(r.stdout), &list)).To(Succeed())
		Expect(list).To(ContainElement(HaveField("Name", "contention")))
		Expect(list).To(HaveLen(len(scenarios.BuiltinNames())))
	})

	It("writes check's verdicts as JSON, a metric the run cannot tell as null", func() {
		file := writeFile("check.yaml", `name: gate
seed: 4
server:
  phases:
    - {name: down, duration: 200ms, fault: {status: 503}}
    - {name: up}
clients: {count: 5, requests: 2, think: 50ms, timeout: 1s}
policies:
  - {name: retry, retry: {max_retries: 4, base: 50ms, jitter: full}}
assert:
  success_rate: "> 0.5"
  attempts: "< 1"
  retry_spread.9.sd_ms: "< 1"
`)
		r := chaos("check", file, "--format", "json")
		Expect(r.code).To(Equal(exitFailed))
		var got checkRecord
		Expect(json.Unmarshal([]byte(r.stdout), &got)).To(Succeed(), r.stdout)
		Expect(got.Passed).To(BeFalse())
		Expect(got.Assertions).To(Equal(3))
		Expect(got.Failures).To(Equal(2))
		Expect(got.Scenarios).To(HaveLen(1))
		vs := got.Scenarios[0].Verdicts
		Expect(vs).To(HaveLen(3))
		Expect(vs[0]).To(verdictOf("success_rate", "ok", 11))
		Expect(*vs[0].Measured).To(Equal(0.9)) // 9 of the 10 logical requests succeed
		Expect(vs[1]).To(verdictOf("attempts", "FAILED", 12))
		Expect(vs[2]).To(verdictOf("retry_spread.9.sd_ms", "INCONCLUSIVE", 13))
		Expect(vs[2].Measured).To(BeNil(), "no client reached a ninth retry")
		Expect(r.stderr).To(ContainSubstring("check failed: 2 failures"))

		os.Setenv("GITHUB_ACTIONS", "true")
		DeferCleanup(os.Unsetenv, "GITHUB_ACTIONS")
		r = chaos("check", file)
		Expect(r.code).To(Equal(exitFailed))
		Expect(r.stdout).To(ContainSubstring("::error file=" + file + ",line=12::chaos check: scenario gate: retry: attempts < 1: measured 28 FAILED\n"))
		Expect(r.stdout).To(ContainSubstring("::error file=" + file + ",line=13::chaos check: scenario gate: retry: retry_spread.9.sd_ms < 1: measured nothing (retry_spread has no element with retry 9 in this run) INCONCLUSIVE\n"))
		Expect(r.stdout).NotTo(ContainSubstring("line=11"), "an assertion that holds is no annotation")
	})
})

// verdictOf matches a verdict's metric, result and line in the file.
func verdictOf(metric, result string, line int) OmegaMatcher {
	return And(HaveField("Metric", metric), HaveField("Result", result), HaveField("Line", line))
}

var _ = Describe("a bad flag value", func() {
	DescribeTable("is said in the words of the flag, exit 2",
		func(args []string, want string) {
			r := chaos(args...)
			Expect(r.code).To(Equal(exitBadInput))
			Expect(r.stderr).To(HavePrefix("chaos: " + want + "\n"))
			Expect(r.stderr).NotTo(ContainSubstring("strconv"))
		},
		Entry("a negative seed", []string{"run", "contention", "--seed", "-1"}, `--seed "-1": want a whole number from 0 to 18446744073709551615`),
		Entry("a duration without sense", []string{"run", "contention", "--max-duration", "soon"}, `--max-duration "soon": want a duration such as 30s, 5m or 1h30m`),
		Entry("a boolean given a word", []string{"run", "contention", "--quiet=maybe"}, `--quiet "maybe": want true or false`),
	)
})

var _ = Describe("--cpuprofile and --memprofile", func() {
	It("write pprof profiles of the whole command, for go tool pprof", func() {
		dir := GinkgoT().TempDir()
		cpu, mem := filepath.Join(dir, "cpu.pprof"), filepath.Join(dir, "mem.pprof")
		r := chaos("run", "testdata/scenarios/small.yaml", "--out", dir, "-q", "--cpuprofile", cpu, "--memprofile", mem)
		Expect(r.code).To(Equal(exitOK), r.stderr)
		for _, path := range []string{cpu, mem} {
			data, err := os.ReadFile(path)
			Expect(err).NotTo(HaveOccurred())
			Expect(data[:2]).To(Equal([]byte{0x1f, 0x8b}), "a pprof profile is gzipped protobuf")
		}
		r = chaos("run", "testdata/scenarios/small.yaml", "--out", dir, "--cpuprofile", filepath.Join(dir, "no", "such", "dir"))
		Expect(r.code).To(Equal(exitBadInput))
		Expect(r.stderr).To(ContainSubstring("--cpuprofile: open"))
	})
})

var _ = Describe("--trace", func() {
	It("writes an execution trace of the whole command, for go tool trace", func() {
		dir := GinkgoT().TempDir()
		path := filepath.Join(dir, "run.trace")
		r := chaos("run", "testdata/scenarios/small.yaml", "--out", dir, "-q", "--trace", path)
		Expect(r.code).To(Equal(exitOK), r.stderr)
		data, err := os.ReadFile(path)
		Expect(err).NotTo(HaveOccurred())
		Expect(string(data)).To(HavePrefix("go 1."), "a runtime/trace file begins with its version")
		Expect(len(data)).To(BeNumerically(">", 1000))

		r = chaos("run", "testdata/scenarios/small.yaml", "--out", dir, "--trace", filepath.Join(dir, "no", "such", "dir"))
		Expect(r.code).To(Equal(exitBadInput))
		Expect(r.stderr).To(ContainSubstring("--trace: open"))
	})
})
