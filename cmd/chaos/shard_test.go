package main

import (
	"encoding/json"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"

	. "github.com/onsi/ginkgo/v2"
	. "github.com/onsi/gomega"
)

// chaosBinary is the chaos binary the shard specs run as separate
// processes: built once (without -race, so its runs take their usual time
// under a race-enabled suite) into a directory removed after them.
var chaosBinary string

// chaosProcess runs the command line in a process of its own, as a shard on
// another machine would, and expects exit 0.
func chaosProcess(args ...string) {
	GinkgoHelper()
	cmd := exec.Command(chaosBinary, args...)
	out, err := cmd.CombinedOutput()
	Expect(err).NotTo(HaveOccurred(), "chaos %v:\n%s", args, out)
}

// resultOf is dir's result.json without created and command, the two
// fields a merge may change.
func resultOf(dir string) map[string]any {
	GinkgoHelper()
	b, err := os.ReadFile(filepath.Join(dir, "result.json"))
	Expect(err).NotTo(HaveOccurred())
	var m map[string]any
	Expect(json.Unmarshal(b, &m)).To(Succeed())
	Expect(m).To(HaveKey("created"))
	delete(m, "created")
	delete(m, "command")
	return m
}

// sameFiles expects the named files of dirs a and b to be byte for byte one.
func sameFiles(a, b string, names ...string) {
	GinkgoHelper()
	for _, n := range names {
		x, err := os.ReadFile(filepath.Join(a, n))
		Expect(err).NotTo(HaveOccurred())
		y, err := os.ReadFile(filepath.Join(b, n))
		Expect(err).NotTo(HaveOccurred())
		Expect(y).To(Equal(x), n)
	}
}

var _ = Describe("sharded runs and sweeps, each shard a process of its own, merged", Ordered, func() {
	small := filepath.Join("testdata", "scenarios", "small.yaml")

	BeforeAll(func() {
		dir, err := os.MkdirTemp("", "chaos-shard-spec-")
		Expect(err).NotTo(HaveOccurred())
		DeferCleanup(os.RemoveAll, dir)
		chaosBinary = filepath.Join(dir, "chaos")
		out, err := exec.Command("go", "build", "-o", chaosBinary, ".").CombinedOutput()
		Expect(err).NotTo(HaveOccurred(), "go build:\n%s", out)
	})

	// shardDirs runs args with --shard i/k --out tmp/kK-i for every i, each
	// in a process of its own, and returns the directories.
	shardDirs := func(tmp string, k int, args ...string) []string {
		var dirs []string
		for i := range k {
			dir := filepath.Join(tmp, fmt.Sprintf("k%d-%d", k, i))
			chaosProcess(append(args, "--shard", fmt.Sprintf("%d/%d", i, k), "--out", dir, "--quiet")...)
			dirs = append(dirs, dir)
		}
		return dirs
	}

	It("writes, for a repeated run in 1, 2 and 3 shards, the result the unsharded run writes", func() {
		tmp := GinkgoT().TempDir()
		run := []string{"run", small, "--repeat", "3", "--seed", "3"}
		whole := filepath.Join(tmp, "whole")
		chaosProcess(append(run, "--out", whole, "--quiet")...)
		want := resultOf(whole)
		Expect(want).To(HaveKeyWithValue("repeat", map[string]any{"first_seed": 3.0, "runs": 3.0}))
		// The policies' own figures are the first seed's: those of a plain run of seed 3.
		one := filepath.Join(tmp, "one")
		chaosProcess("run", small, "--seed", "3", "--out", one, "--quiet")
		policies := resultOf(whole)["policies"].([]any)
		for i, p := range resultOf(one)["policies"].([]any) {
			got := policies[i].(map[string]any)
			Expect(got["over_seeds"]).To(HaveKeyWithValue("runs", 3.0))
			delete(got, "over_seeds")
			Expect(got).To(Equal(p))
		}
		sameFiles(whole, one, "arrivals.jsonl")
		for k := 1; k <= 3; k++ {
			dirs := shardDirs(tmp, k, run...)
			merged := filepath.Join(tmp, "merged"+strconv.Itoa(k))
			chaosProcess(append(append([]string{"merge"}, dirs...), "--out", merged, "--quiet")...)
			Expect(resultOf(merged)).To(Equal(want), "%d shards", k)
			sameFiles(whole, merged, "arrivals.jsonl", "overview.svg", "arrivals.png", "completion.svg")
		}
	})

	It("writes, for a sweep in 1, 2 and 3 shards, the result the unsharded sweep writes", func() {
		tmp := GinkgoT().TempDir()
		tune := []string{"tune", small, "--vary", "max_retries=1,4", "--vary", "base=20ms,50ms", "--min-success", "0.8"}
		whole := filepath.Join(tmp, "whole")
		chaosProcess(append(tune, "--out", whole, "--quiet")...)
		want := resultOf(whole)
		Expect(want["ranking"]).To(HaveLen(4))
		for k := 1; k <= 3; k++ {
			dirs := shardDirs(tmp, k, tune...)
			merged := filepath.Join(tmp, "merged"+strconv.Itoa(k))
			// Shards in any order.
			args := []string{"merge"}
			for i := len(dirs) - 1; i >= 0; i-- {
				args = append(args, dirs[i])
			}
			chaosProcess(append(args, "--out", merged, "--quiet")...)
			Expect(resultOf(merged)).To(Equal(want), "%d shards", k)
			sameFiles(whole, merged, "frontier.svg", "overview.svg", "retry-delays.png")
		}
	})

	It("refuses partials of other scenarios, seeds or shard counts, and a shard missing or given twice, naming the files (exit 2)", func() {
		tmp := GinkgoT().TempDir()
		at := func(name string, args ...string) string {
			dir := filepath.Join(tmp, name)
			Expect(chaos(append(args, "--out", dir, "--quiet")...).code).To(Equal(0))
			return dir
		}
		a0 := at("a0", "run", small, "--repeat", "3", "--shard", "0/2")
		a1 := at("a1", "run", small, "--repeat", "3", "--shard", "1/2")
		seed := at("seed", "run", small, "--repeat", "3", "--shard", "1/2", "--seed", "9")
		other := at("other", "run", filepath.Join("testdata", "scenarios", "breaker.yaml"), "--repeat", "3", "--shard", "1/2")
		three := at("three", "run", small, "--repeat", "3", "--shard", "1/3")
		refused := func(want string, dirs ...string) {
			GinkgoHelper()
			r := chaos(append(append([]string{"merge"}, dirs...), "--out", filepath.Join(tmp, "m"))...)
			Expect(r.code).To(Equal(exitBadInput), r.stderr)
			Expect(r.stderr).To(ContainSubstring(want))
		}
		p := func(dir string) string { return filepath.Join(dir, partialFile) }
		refused(p(a0)+" and "+p(seed)+" are not shards of one run: seed 4 with 3 items against seed 9 with 3 items", a0, seed)
		refused(p(a0)+" and "+p(other)+" are not shards of one run: scenario", a0, other)
		refused(p(a0)+" and "+p(three)+" are not shards of one run: 2 shards against 3", a0, three)
		refused("shard 1/2 missing: given only "+p(a0)+" (shard 0/2)", a0)
		refused(p(a1)+" and "+p(a1)+" are both shard 1/2", a0, a1, a1)
		refused(p(filepath.Join(tmp, "none"))+": open", a0, filepath.Join(tmp, "none"))
		Expect(chaos("merge", a0, a1, "--out", filepath.Join(tmp, "m"), "--quiet").code).To(Equal(0))
	})
})
