package main

import (
	"bytes"
	"encoding/json"
	"os"
	"path/filepath"

	. "github.com/onsi/ginkgo/v2"
	. "github.com/onsi/gomega"

	"github.com/chaos-harness/chaos/analysis"
	"github.com/chaos-harness/chaos/record"
)

// readResult decodes a result.json.
func readResult(path string) analysis.Result {
	data, err := os.ReadFile(path)
	Expect(err).NotTo(HaveOccurred())
	var res analysis.Result
	Expect(json.Unmarshal(data, &res)).To(Succeed())
	return res
}

// readArrivals decodes an arrivals.jsonl.
func readArrivals(path string) []record.Record {
	data, err := os.ReadFile(path)
	Expect(err).NotTo(HaveOccurred())
	var rs []record.Record
	Expect(record.Read(bytes.NewReader(data), func(r record.Record) error {
		rs = append(rs, r)
		return nil
	})).To(Succeed())
	return rs
}

var _ = Describe("chaos run", func() {
	var out string
	BeforeEach(func() { out = filepath.Join(GinkgoT().TempDir(), "out") })

	It("runs a built-in scenario in sim and writes arrivals.jsonl, result.json and the reports", func() {
		r := chaos("run", "fail-first", "--out", out)
		Expect(r.code).To(Equal(exitOK), r.stderr)
		Expect(r.stdout).To(ContainSubstring("scenario fail-first, engine sim, seed 5"))
		Expect(r.stdout).To(MatchRegexp(`retry-3\s+1500\s+1\.0000\s+2500\s+1\.667`))
		res := readResult(filepath.Join(out, "result.json"))
		Expect(res.Scenario).To(Equal("fail-first"))
		Expect(res.Engine).To(Equal("sim"))
		Expect(*res.Seed).To(Equal(uint64(5)))
		Expect(res.Command).To(Equal("chaos run fail-first --engine sim --seed 5 --out " + out))
		Expect(res.Policies).To(HaveLen(2))
		for _, name := range []string{"report.md", "report.html", "arrivals.svg", "arrivals.png"} {
			Expect(filepath.Join(out, name)).To(BeAnExistingFile())
		}
		Expect(r.stdout).To(ContainSubstring("did best"))
		records := readArrivals(filepath.Join(out, "arrivals.jsonl"))
		Expect(records).To(HaveLen(res.Policies[0].Attempts + res.Policies[1].Attempts))
		Expect(records[0].Policy).To(Equal("no-retry"))
	})

	It("runs a scenario file with another seed and a subset of its policies", func() {
		r := chaos("run", "testdata/scenarios/small.yaml", "--seed", "11", "--policy", "once", "--out", out)
		Expect(r.code).To(Equal(exitOK), r.stderr)
		res := readResult(filepath.Join(out, "result.json"))
		Expect(*res.Seed).To(Equal(uint64(11)))
		Expect(res.Policies).To(HaveLen(1))
		Expect(res.Policies[0].Name).To(Equal("once"))
	})

	It("gives the same arrivals for the same seed", func() {
		other := filepath.Join(GinkgoT().TempDir(), "again")
		Expect(chaos("run", "testdata/scenarios/small.yaml", "--out", out).code).To(Equal(exitOK))
		Expect(chaos("run", "testdata/scenarios/small.yaml", "--out", other).code).To(Equal(exitOK))
		a, err := os.ReadFile(filepath.Join(out, "arrivals.jsonl"))
		Expect(err).NotTo(HaveOccurred())
		b, err := os.ReadFile(filepath.Join(other, "arrivals.jsonl"))
		Expect(err).NotTo(HaveOccurred())
		Expect(a).To(Equal(b))
	})

	It("counts the requests an open breaker refused as failed logical requests", func() {
		// See scenarios: 40 logical requests, 22 sent, 18 refused, 18 succeeded.
		r := chaos("run", "testdata/scenarios/breaker.yaml", "--out", out)
		Expect(r.code).To(Equal(exitOK), r.stderr)
		Expect(r.stdout).To(MatchRegexp(`unsent\s+fallback`))
		// p99, makespan and retries/16ms, then unsent and fallback.
		Expect(r.stdout).To(MatchRegexp(`breaker\s+40\s+0\.4500\s+22\s+0\.550\s+\d+\s+\d+\s+\d+\s+18\s+0\n`))
		Expect(r.stdout).To(MatchRegexp(`fallback\s+40\s+0\.4500\s+22\s+0\.550\s+\d+\s+\d+\s+\d+\s+18\s+22\n`))
		res := readResult(filepath.Join(out, "result.json"))
		Expect(res.Policies[0].LogicalRequests).To(Equal(40))
		Expect(res.Policies[0].Unsent).To(Equal(18))
		Expect(res.Policies[1].FallbackServed).To(Equal(22))
		Expect(readArrivals(filepath.Join(out, "arrivals.jsonl"))).To(HaveLen(44))
	})

	It("refuses, before writing anything, a live run estimated to outlast --max-duration", func() {
		r := chaos("run", "testdata/scenarios/hours.yaml", "--engine", "live", "--out", out)
		Expect(r.code).To(Equal(exitBadInput))
		Expect(r.stderr).To(ContainSubstring("a live run would take at least 3h18m0s of real time"))
		Expect(r.stderr).To(ContainSubstring("more than the limit of 30m0s: raise it (--max-duration, 0 for none)"))
		Expect(out).NotTo(BeAnExistingFile())
	})

	It("refuses a run estimated to need more than --max-memory", func() {
		r := chaos("run", "outage-recovery", "--max-memory", "32MiB", "--out", out)
		Expect(r.code).To(Equal(exitBadInput))
		Expect(r.stderr).To(ContainSubstring("more than the limit of 32 MiB: raise it (--max-memory, 0 for none)"))
		Expect(out).NotTo(BeAnExistingFile())
	})

	It("stops a run on a full disk with a clear error, exit 1", func() {
		if _, err := os.Stat("/dev/full"); err != nil {
			Skip("no /dev/full on this system")
		}
		Expect(os.MkdirAll(out, 0o755)).To(Succeed())
		Expect(os.Symlink("/dev/full", filepath.Join(out, "arrivals.jsonl"))).To(Succeed())
		r := chaos("run", "outage-recovery", "--out", out)
		Expect(r.code).To(Equal(exitFailed))
		Expect(r.stderr).To(ContainSubstring("writing the records: write " + filepath.Join(out, "arrivals.jsonl") + ": no space left on device"))
		Expect(filepath.Join(out, "result.json")).NotTo(BeAnExistingFile())
	})

	DescribeTable("exits 2 on bad input, saying what is wrong",
		func(args []string, msg string) {
			r := chaos(append([]string{"run"}, args...)...)
			Expect(r.code).To(Equal(exitBadInput))
			Expect(r.stderr).To(ContainSubstring(msg))
		},
		Entry("an unknown engine", []string{"flaky", "--engine", "warp"}, `--engine "warp": use sim or live`),
		Entry("an unknown policy", []string{"flaky", "--policy", "retry-4"}, `no policy "retry-4"`),
		Entry("an unknown scenario", []string{"flakey"}, `did you mean "flaky"?`),
		Entry("an invalid scenario file", []string{"testdata/scenarios/broken.yaml"}, "broken.yaml:7:3: clients.count"),
		Entry("a seed that is not a number", []string{"flaky", "--seed", "x"}, `--seed "x": want a whole number from 0 to 18446744073709551615`),
		Entry("no scenario", []string{}, "accepts 1 arg"),
		Entry("a memory limit with no known unit", []string{"flaky", "--max-memory", "4GB!"}, `--max-memory: size "4GB!": unknown unit`),
		Entry("a negative duration limit", []string{"flaky", "--max-duration", "-1s"}, "--max-duration -1s: must not be negative"),
	)

	It("explains every flag in --help", func() {
		r := chaos("run", "--help")
		Expect(r.code).To(Equal(exitOK))
		for _, flag := range []string{"--engine", "--seed", "--out", "--policy", "--max-duration", "--max-memory"} {
			Expect(r.stdout).To(ContainSubstring(flag))
		}
		Expect(r.stdout).To(ContainSubstring("arrivals.jsonl"))
	})
})
