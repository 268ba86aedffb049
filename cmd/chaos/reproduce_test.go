package main

import (
	"os"
	"path/filepath"
	"time"

	. "github.com/onsi/ginkgo/v2"
	. "github.com/onsi/gomega"
)

var _ = Describe("result.json", func() {
	It("carries schema_version, created and the scenario's text, and that text runs again to the same numbers", func() {
		dir := GinkgoT().TempDir()
		file := "testdata/scenarios/small.yaml"
		text, err := os.ReadFile(file)
		Expect(err).NotTo(HaveOccurred())
		first := filepath.Join(dir, "first")
		r := chaos("run", file, "--out", first)
		Expect(r.code).To(Equal(exitOK), r.stderr)
		res := readResult(filepath.Join(first, "result.json"))
		Expect(res.SchemaVersion).To(Equal(2))
		created, err := time.Parse(time.RFC3339, res.Created)
		Expect(err).NotTo(HaveOccurred())
		Expect(created.Location()).To(Equal(time.UTC))
		Expect(res.Created).To(HaveSuffix("Z"))
		Expect(res.ScenarioText).To(Equal(string(text)))
		Expect(res.Run).NotTo(BeNil())
		Expect(res.Run.Source).To(Equal(file))

		// Only result.json in hand: write its scenario_text and run that.
		again := filepath.Join(dir, "again.yaml")
		Expect(os.WriteFile(again, []byte(res.ScenarioText), 0o644)).To(Succeed())
		second := filepath.Join(dir, "second")
		r = chaos("run", again, "--out", second)
		Expect(r.code).To(Equal(exitOK), r.stderr)
		back := readResult(filepath.Join(second, "result.json"))
		Expect(back.Policies).To(Equal(res.Policies))
		Expect(back.Scenario).To(Equal(res.Scenario))
		Expect(*back.Seed).To(Equal(*res.Seed))
		Expect(back.Comparisons).To(Equal(res.Comparisons))
		Expect(back.Run.Policies).To(Equal(res.Run.Policies))
		Expect(back.Run.Server).To(Equal(res.Run.Server))
	})

	It("of a built-in scenario carries the built-in's YAML", func() {
		out := filepath.Join(GinkgoT().TempDir(), "out")
		Expect(chaos("run", "fail-first", "--out", out).code).To(Equal(exitOK))
		r := chaos("scenarios", "show", "fail-first")
		Expect(r.code).To(Equal(exitOK))
		res := readResult(filepath.Join(out, "result.json"))
		Expect(r.stdout).To(ContainSubstring(res.ScenarioText))
		Expect(res.ScenarioText).To(ContainSubstring("name: fail-first"))
		Expect(res.Run.Source).To(Equal("builtin:fail-first"))
	})

	It("of chaos analyze names the logs it read and has no scenario text", func() {
		out := filepath.Join(GinkgoT().TempDir(), "out")
		r := chaos("analyze", "testdata/analyze/serve.jsonl", "--out", out)
		Expect(r.code).To(Equal(exitOK), r.stderr)
		res := readResult(filepath.Join(out, "result.json"))
		Expect(res.SchemaVersion).To(Equal(2))
		Expect(res.ScenarioText).To(BeEmpty())
		Expect(res.Run.Logs).To(Equal([]string{"testdata/analyze/serve.jsonl"}))
		md, err := os.ReadFile(filepath.Join(out, "report.md"))
		Expect(err).NotTo(HaveOccurred())
		Expect(string(md)).To(ContainSubstring("Analysed from the arrival logs testdata/analyze/serve.jsonl"))
	})
})
