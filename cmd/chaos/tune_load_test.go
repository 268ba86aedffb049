package main

import (
	"os"
	"path/filepath"
	"strconv"

	. "github.com/onsi/ginkgo/v2"
	. "github.com/onsi/gomega"

	"github.com/chaos-harness/chaos/analysis"
)

var _ = Describe("chaos tune over the offered load", func() {
	verdicts := func(sw *analysis.LoadSweep) map[float64]string {
		out := map[float64]string{}
		for _, v := range sw.Groups[0].Loads {
			out[v.Load] = v.Verdict
		}
		return out
	}

	It("finds the bistable band of Brooker's collapse model: retrying at once stays collapsed where no retries recover", func() {
		// brooker-collapse at seed 1: 40/s (load 1) with a 5 s surge to 80/s.
		// Without retries the server recovers from the surge at loads 0.5
		// and 1 and is overloaded at 2 (80/s: a request takes 1 s + 10 ms
		// per concurrent request, so past about 64/s it exceeds the 3 s
		// timeout with no trigger at all). Retrying at once turns the surge
		// at load 1 into a collapse that outlives it (a metastable
		// failure); at 0.5 the surge (to 40/s) never reaches the timeout.
		for _, c := range []struct {
			policy string
			want   map[float64]string
			band   *analysis.LoadBand
		}{
			{"no-backoff", map[float64]string{0.5: analysis.LoadStable, 1: analysis.LoadBistable, 2: analysis.LoadOverloaded}, &analysis.LoadBand{From: 1, To: 1, Contiguous: true}},
			{"no-retry", map[float64]string{0.5: analysis.LoadStable, 1: analysis.LoadStable, 2: analysis.LoadOverloaded}, nil},
		} {
			out := GinkgoT().TempDir()
			r := chaos("tune", "brooker-collapse", "--policy", c.policy, "--vary", "load=0.5,1,2", "--vary", "trigger=on,off", "--out", out, "--quiet")
			Expect(r.code).To(Equal(exitOK), r.stderr)
			res := readResult(filepath.Join(out, "result.json"))
			Expect(res.Policies).To(HaveLen(6))
			Expect(res.Policies[0].Name).To(Equal("load=0.5 trigger=on"))
			Expect(res.LoadSweep).NotTo(BeNil())
			Expect(res.LoadSweep.TriggerVaried).To(BeTrue())
			Expect(res.LoadSweep.Groups).To(HaveLen(1))
			Expect(verdicts(res.LoadSweep)).To(Equal(c.want), c.policy)
			Expect(res.LoadSweep.Groups[0].Band).To(Equal(c.band), c.policy)
			// The load scales the logical requests: 10 clients × 4/s × 80 s at load 1.
			at := func(name string) analysis.PolicyResult {
				p, ok := res.Policy(name)
				Expect(ok).To(BeTrue(), name)
				return *p
			}
			Expect(at("load=1 trigger=off").LogicalRequests).To(BeNumerically("~", 3200, 4*57)) // Poisson: 4 sd
			Expect(at("load=2 trigger=off").LogicalRequests).To(BeNumerically("~", 6400, 4*80))
			// The surge adds 10 × 4/s × 5 s at load 1.
			Expect(at("load=1 trigger=on").LogicalRequests - at("load=1 trigger=off").LogicalRequests).To(BeNumerically("~", 200, 4*80))
			if c.band != nil {
				Expect(r.stdout).To(ContainSubstring("bistable band: load 1 to 1"))
				Expect(r.stdout).To(ContainSubstring("Load sweep: bistable from load 1 to 1 (stable at 0.5; overloaded at 2)."))
			} else {
				Expect(r.stdout).To(ContainSubstring("bistable band: none among these loads"))
				Expect(r.stdout).To(ContainSubstring("Load sweep: no bistable load (stable at 0.5-1; overloaded at 2)."))
			}
			md, err := os.ReadFile(filepath.Join(out, "report.md"))
			Expect(err).NotTo(HaveOccurred())
			Expect(string(md)).To(ContainSubstring("Load sweep"))
		}
	})

	It("scales a closed-loop fleet's client count, and without trigger=off cannot tell bistable from overloaded", func() {
		out := GinkgoT().TempDir()
		r := chaos("tune", "testdata/scenarios/small.yaml", "--vary", "load=0.5,2", "--vary", "max_retries=0,4", "--out", out, "--quiet")
		Expect(r.code).To(Equal(exitOK), r.stderr)
		res := readResult(filepath.Join(out, "result.json"))
		// 20 clients × 2 requests, times the load.
		for name, want := range map[string]int{"load=0.5 max_retries=0": 20, "load=2 max_retries=4": 80} {
			p, ok := res.Policy(name)
			Expect(ok).To(BeTrue(), name)
			Expect(p.LogicalRequests).To(Equal(want), name)
		}
		sw := res.LoadSweep
		Expect(sw.TriggerVaried).To(BeFalse())
		Expect(sw.Notes).To(ContainElement(ContainSubstring("vary trigger=on,off")))
		// One group per setting of the policy knobs.
		Expect(sw.Groups).To(HaveLen(2))
		Expect(sw.Groups[0].Setting).To(Equal("max_retries=0"))
		Expect(sw.Groups[1].Setting).To(Equal("max_retries=4"))
		for _, g := range sw.Groups {
			Expect(g.Band).To(BeNil())
			for _, v := range g.Loads {
				Expect(v.Verdict).To(BeElementOf(analysis.LoadRecovers, analysis.LoadStaysDown))
				Expect(v.CalmRate).To(BeNil())
			}
		}
		Expect(r.stdout).To(ContainSubstring("bistable band: unknown"))
		Expect(r.stdout).To(ContainSubstring("max_retries=4: recovers from its trigger at load 0.5-2"))
	})

	It("writes the same load sweep from shards as in one piece", func() {
		tmp := GinkgoT().TempDir()
		tune := []string{"tune", "brooker-collapse", "--policy", "no-backoff", "--vary", "load=0.5,1", "--vary", "trigger=on,off"}
		whole := filepath.Join(tmp, "whole")
		Expect(chaos(append(tune, "--out", whole, "--quiet")...).code).To(Equal(exitOK))
		want := readResult(filepath.Join(whole, "result.json"))
		var dirs []string
		for i := range 2 {
			dir := filepath.Join(tmp, "shard"+strconv.Itoa(i))
			r := chaos(append(tune, "--shard", strconv.Itoa(i)+"/2", "--out", dir, "--quiet")...)
			Expect(r.code).To(Equal(exitOK), r.stderr)
			dirs = append(dirs, dir)
		}
		merged := filepath.Join(tmp, "merged")
		r := chaos(append(append([]string{"merge"}, dirs...), "--out", merged, "--quiet")...)
		Expect(r.code).To(Equal(exitOK), r.stderr)
		got := readResult(filepath.Join(merged, "result.json"))
		Expect(got.LoadSweep).To(Equal(want.LoadSweep))
		Expect(got.LoadSweep.Groups[0].Band).To(Equal(&analysis.LoadBand{From: 1, To: 1, Contiguous: true}))
	})

	DescribeTable("refuses a bad load or trigger with exit 2",
		func(scenario, want string, args ...string) {
			r := chaos(append([]string{"tune", scenario, "--out", GinkgoT().TempDir()}, args...)...)
			Expect(r.code).To(Equal(exitBadInput))
			Expect(r.stderr).To(ContainSubstring(want))
		},
		Entry("a zero load", "brooker-collapse", `load "0": must be a positive factor`, "--vary", "load=0,1"),
		Entry("a negative load", "brooker-collapse", `load "-1": must be a positive factor`, "--vary", "load=-1"),
		Entry("a load that is not a number", "brooker-collapse", `load "lots": must be a positive factor`, "--vary", "load=lots"),
		Entry("a trigger neither on nor off", "brooker-collapse", `trigger "maybe": must be on or off`, "--vary", "trigger=on,maybe"),
		Entry("trigger=off where there is no trigger", "testdata/scenarios/small.yaml", "has no load trigger to remove", "--vary", "trigger=off"),
		Entry("a load that leaves no client", "testdata/scenarios/small.yaml", "less than one client", "--vary", "load=0.01"),
		Entry("a load twice", "brooker-collapse", "listed twice", "--vary", "load=1,1"),
	)
})
