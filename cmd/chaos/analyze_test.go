package main

import (
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"strings"

	. "github.com/onsi/ginkgo/v2"
	. "github.com/onsi/gomega"

	"github.com/chaos-harness/chaos/analysis"
)

var _ = Describe("chaos analyze", func() {
	var out string
	BeforeEach(func() { out = filepath.Join(GinkgoT().TempDir(), "report") })

	readResult := func(dir string) analysis.Result {
		GinkgoHelper()
		b, err := os.ReadFile(filepath.Join(dir, "result.json"))
		Expect(err).NotTo(HaveOccurred())
		var res analysis.Result
		Expect(json.Unmarshal(b, &res)).To(Succeed())
		return res
	}
	// writeLog writes a log into a temporary file and returns its path.
	writeLog := func(name, text string) string {
		GinkgoHelper()
		path := filepath.Join(GinkgoT().TempDir(), name)
		Expect(os.WriteFile(path, []byte(text), 0o644)).To(Succeed())
		return path
	}
	serveLog := func() string {
		GinkgoHelper()
		b, err := os.ReadFile("testdata/analyze/serve.jsonl")
		Expect(err).NotTo(HaveOccurred())
		return string(b)
	}

	It("analyses a log of chaos serve into result.json and the reports", func() {
		r := chaos("analyze", "testdata/analyze/serve.jsonl", "--out", out, "--seed", "42", "--bin", "1s")
		Expect(r.code).To(Equal(exitOK), r.stderr)
		Expect(r.stdout).To(ContainSubstring("client: 80.0% of 5 logical requests succeeded"))
		Expect(r.stdout).To(ContainSubstring("analysed 9 records into " + out))
		for _, f := range []string{"result.json", "report.md", "report.html", "arrivals.svg", "arrivals.png", "completion.svg"} {
			Expect(filepath.Join(out, f)).To(BeARegularFile())
		}
		res := readResult(out)
		Expect(res.Scenario).To(Equal("serve"))
		Expect(res.Engine).To(Equal("log"))
		Expect(*res.Seed).To(Equal(uint64(42)))
		Expect(res.Command).To(Equal("chaos analyze testdata/analyze/serve.jsonl --bin 1s --out " + out + " --seed 42"))
		p := res.Policies[0]
		Expect(p.Name).To(Equal("client"))
		Expect([]int{p.LogicalRequests, p.Succeeded, p.Attempts, *p.RetryAfterViolations}).To(Equal([]int{5, 4, 9, 1}))
		Expect(p.Series.Arrivals).To(Equal([]int{1, 5, 3}))
	})

	It("writes into chaos-out by default", func() {
		dir := GinkgoT().TempDir()
		log, err := filepath.Abs("testdata/analyze/serve.jsonl")
		Expect(err).NotTo(HaveOccurred())
		wd, err := os.Getwd()
		Expect(err).NotTo(HaveOccurred())
		Expect(os.Chdir(dir)).To(Succeed())
		DeferCleanup(os.Chdir, wd)
		r := chaos("analyze", log)
		Expect(r.code).To(Equal(exitOK), r.stderr)
		Expect(filepath.Join(dir, "chaos-out", "report.html")).To(BeARegularFile())
	})

	It("merges several logs by time into the same result as one log", func() {
		one := filepath.Join(out, "one")
		Expect(chaos("analyze", "testdata/analyze/serve.jsonl", "--out", one, "--scenario", "s").code).To(Equal(exitOK))
		two := filepath.Join(out, "two")
		r := chaos("analyze", "testdata/analyze/server1.jsonl", "testdata/analyze/server2.jsonl", "--out", two, "--scenario", "s")
		Expect(r.code).To(Equal(exitOK), r.stderr)
		a, b := readResult(one), readResult(two)
		a.Command, b.Command = "", ""
		a.Created, b.Created = "", "" // when each was made
		a.Run, b.Run = nil, nil       // names the logs analysed
		Expect(b).To(Equal(a))
	})

	It("skips a last line cut short, with a warning naming the file and line", func() {
		log := writeLog("crashed.jsonl", serveLog()+`{"t_ms":2600,"client":"e","req`)
		r := chaos("analyze", log, "--out", out)
		Expect(r.code).To(Equal(exitOK), r.stderr)
		Expect(r.stderr).To(ContainSubstring("chaos: warning: " + log + ":10: skipped a last line cut short"))
		Expect(readResult(out).Policies[0].Attempts).To(Equal(9))
	})

	It("analyses a real run's arrivals.jsonl cut short mid-line, as a crash leaves it", func() {
		run := filepath.Join(GinkgoT().TempDir(), "run")
		Expect(chaos("run", "testdata/scenarios/small.yaml", "--out", run).code).To(Equal(exitOK))
		full, err := os.ReadFile(filepath.Join(run, "arrivals.jsonl"))
		Expect(err).NotTo(HaveOccurred())
		total := strings.Count(string(full), "\n")
		Expect(total).To(BeNumerically(">", 40))
		// Cut inside the last line, and inside a line halfway through.
		for _, cut := range []int{len(full) - 7, len(full) / 2} {
			if full[cut-1] == '\n' {
				cut-- // inside a line, not on its end
			}
			whole := strings.Count(string(full[:cut]), "\n")
			log := writeLog("crashed.jsonl", string(full[:cut]))
			r := chaos("analyze", log, "--out", out)
			Expect(r.code).To(Equal(exitOK), r.stderr)
			Expect(r.stderr).To(ContainSubstring(fmt.Sprintf("chaos: warning: %s:%d: skipped a last line cut short", log, whole+1)))
			attempts := 0
			for _, p := range readResult(out).Policies {
				attempts += p.Attempts
			}
			Expect(attempts).To(Equal(whole), "cut at byte %d of %d", cut, len(full))
		}
	})

	It("exits 2 on a bad line, naming the file and line", func() {
		lines := strings.SplitAfter(serveLog(), "\n")
		lines[3] = "{\"t_ms\": \"late\"}\n"
		log := writeLog("bad.jsonl", strings.Join(lines, ""))
		r := chaos("analyze", log, "--out", out)
		Expect(r.code).To(Equal(exitBadInput))
		Expect(r.stderr).To(ContainSubstring(log + ":4: not a Record"))
		Expect(filepath.Join(out, "result.json")).NotTo(BeAnExistingFile())
	})

	It("exits 2 on a Record whose numbers cannot be, naming the file, line and field", func() {
		log := writeLog("neg.jsonl", serveLog()+`{"t_ms":-5,"client":"e"}`+"\n")
		r := chaos("analyze", log, "--out", out)
		Expect(r.code).To(Equal(exitBadInput))
		Expect(r.stderr).To(ContainSubstring(log + ":10: t_ms -5"))
	})

	It("exits 2 on an unreadable or empty log", func() {
		r := chaos("analyze", filepath.Join(out, "missing.jsonl"), "--out", out)
		Expect(r.code).To(Equal(exitBadInput))
		Expect(r.stderr).To(ContainSubstring("missing.jsonl"))

		empty := writeLog("empty.jsonl", "\n")
		r = chaos("analyze", empty, "--out", out)
		Expect(r.code).To(Equal(exitBadInput))
		Expect(r.stderr).To(ContainSubstring(empty + ": no records to analyse"))
	})

	It("exits 2 without a log or with a bad flag value", func() {
		Expect(chaos("analyze").code).To(Equal(exitBadInput))
		r := chaos("analyze", "testdata/analyze/serve.jsonl", "--out", out, "--bin", "-1s")
		Expect(r.code).To(Equal(exitBadInput))
		Expect(r.stderr).To(ContainSubstring("bin width -1s"))
	})
})
