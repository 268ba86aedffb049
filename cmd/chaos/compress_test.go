package main

import (
	"os"
	"path/filepath"

	. "github.com/onsi/ginkgo/v2"
	. "github.com/onsi/gomega"
)

var _ = Describe("compressed arrival logs", func() {
	It("run --compress writes arrivals.jsonl.zst in place of arrivals.jsonl, and analyze reads it to the same figures", func() {
		out := GinkgoT().TempDir()
		Expect(chaos("run", "testdata/scenarios/small.yaml", "--out", out).code).To(Equal(exitOK))
		plain, err := os.ReadFile(filepath.Join(out, "arrivals.jsonl"))
		Expect(err).NotTo(HaveOccurred())

		r := chaos("run", "testdata/scenarios/small.yaml", "--out", out, "--compress")
		Expect(r.code).To(Equal(exitOK), r.stderr)
		Expect(r.stdout).To(ContainSubstring("wrote " + filepath.Join(out, "arrivals.jsonl.zst")))
		Expect(filepath.Join(out, "arrivals.jsonl")).NotTo(BeAnExistingFile(), "no log of the earlier run beside the new one")
		zst, err := os.ReadFile(filepath.Join(out, "arrivals.jsonl.zst"))
		Expect(err).NotTo(HaveOccurred())
		Expect(zst[:4]).To(Equal([]byte{0x28, 0xb5, 0x2f, 0xfd}), "a zstd frame")
		Expect(len(zst)).To(BeNumerically("<", len(plain)/3))
		run := readResult(filepath.Join(out, "result.json"))

		again := GinkgoT().TempDir()
		r = chaos("analyze", filepath.Join(out, "arrivals.jsonl.zst"), "--out", again)
		Expect(r.code).To(Equal(exitOK), r.stderr)
		got := readResult(filepath.Join(again, "result.json"))
		Expect(got.Policies).To(HaveLen(len(run.Policies)))
		for i := range run.Policies {
			Expect(got.Policies[i].Name).To(Equal(run.Policies[i].Name))
			Expect(got.Policies[i].Attempts).To(Equal(run.Policies[i].Attempts))
			Expect(got.Policies[i].SuccessRate).To(Equal(run.Policies[i].SuccessRate))
		}
	})

	It("analyze reads a compressed log cut short up to where it was cut, with a warning", func() {
		out := GinkgoT().TempDir()
		Expect(chaos("run", "testdata/scenarios/small.yaml", "--out", out, "--compress").code).To(Equal(exitOK))
		path := filepath.Join(out, "arrivals.jsonl.zst")
		data, err := os.ReadFile(path)
		Expect(err).NotTo(HaveOccurred())
		cut := filepath.Join(GinkgoT().TempDir(), "cut.jsonl.zst")
		Expect(os.WriteFile(cut, data[:len(data)-5], 0o644)).To(Succeed())
		r := chaos("analyze", cut, "--out", GinkgoT().TempDir())
		Expect(r.code).To(Equal(exitOK), r.stderr)
		Expect(r.stderr).To(ContainSubstring("chaos: warning: " + cut + ": the compressed log ends cut short"))
	})

	It("serve --log FILE.zst writes its log compressed", func() {
		logPath := filepath.Join(GinkgoT().TempDir(), "serve.jsonl.zst")
		sv := startServe("--log", logPath)
		for range 3 {
			code, _ := get(sv.url+"/api", "c1")
			Expect(code).NotTo(BeZero())
		}
		Expect(sv.shutdown()).To(Equal(exitOK))
		data, err := os.ReadFile(logPath)
		Expect(err).NotTo(HaveOccurred())
		Expect(data[:4]).To(Equal([]byte{0x28, 0xb5, 0x2f, 0xfd}))
		r := chaos("analyze", logPath, "--out", GinkgoT().TempDir())
		Expect(r.code).To(Equal(exitOK), r.stderr)
		Expect(r.stdout).To(ContainSubstring("analysed 3 records"))
	})
})
