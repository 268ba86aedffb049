package logfile_test

import (
	"fmt"
	"io"
	"os"
	"path/filepath"

	. "github.com/onsi/ginkgo/v2"
	. "github.com/onsi/gomega"

	"github.com/chaos-harness/chaos/internal/logfile"
	"github.com/chaos-harness/chaos/record"
)

// writeLog writes n Records through a record.Writer onto a log at path,
// flushing every flushEvery Records, and returns the bytes of the lines.
func writeLog(path string, n, flushEvery int) string {
	w, err := logfile.Create(path)
	Expect(err).NotTo(HaveOccurred())
	rw := record.NewWriter(w, record.WriterOptions{})
	var want []byte
	for i := range n {
		rec := record.Record{TMs: float64(i), Client: fmt.Sprintf("c%d", i%7), Attempt: 1, Method: "GET", Path: "/a", Fault: record.FaultNone, Status: 200}
		Expect(rw.Write(&rec)).To(Succeed())
		want, _ = record.AppendJSON(want, &rec)
		if (i+1)%flushEvery == 0 {
			Expect(rw.Flush()).To(Succeed())
		}
	}
	Expect(rw.Close()).To(Succeed())
	Expect(w.Close()).To(Succeed())
	return string(want)
}

func readAll(path string) (string, *logfile.Reader) {
	r, err := logfile.Open(path)
	Expect(err).NotTo(HaveOccurred())
	DeferCleanup(r.Close)
	b, err := io.ReadAll(r)
	Expect(err).NotTo(HaveOccurred())
	return string(b), r
}

var _ = Describe("arrival-log files", func() {
	It("writes a .zst name compressed and reads it back as it was, and a plain name plain", func() {
		dir := GinkgoT().TempDir()
		zst := filepath.Join(dir, "arrivals.jsonl.zst")
		want := writeLog(zst, 5000, 1000)
		raw, err := os.ReadFile(zst)
		Expect(err).NotTo(HaveOccurred())
		Expect(raw[:4]).To(Equal([]byte{0x28, 0xb5, 0x2f, 0xfd}), "a zstd frame")
		Expect(len(raw)).To(BeNumerically("<", len(want)/4), "smaller by more than 4x")
		got, r := readAll(zst)
		Expect(got).To(Equal(want))
		Expect(r.Compressed()).To(BeTrue())
		Expect(r.CutShort()).To(BeFalse())

		plain := filepath.Join(dir, "arrivals.jsonl")
		Expect(writeLog(plain, 100, 10)).To(Equal(string(must(os.ReadFile(plain)))))
		got, r = readAll(plain)
		Expect(r.Compressed()).To(BeFalse())
		Expect(got).To(HaveLen(len(must(os.ReadFile(plain)))))
	})

	It("reads a compressed log cut short up to its last whole block, and says so", func() {
		dir := GinkgoT().TempDir()
		zst := filepath.Join(dir, "crash.jsonl.zst")
		want := writeLog(zst, 3000, 1000) // three flushes: three blocks at least
		raw := must(os.ReadFile(zst))
		for _, cut := range []int{len(raw) - 3, len(raw) * 2 / 3, len(raw) / 3} {
			Expect(os.WriteFile(zst, raw[:cut], 0o644)).To(Succeed())
			got, r := readAll(zst)
			Expect(r.CutShort()).To(BeTrue(), "cut at %d of %d", cut, len(raw))
			Expect(want).To(HavePrefix(got), "a prefix of what was written")
			Expect(len(got)).To(BeNumerically(">", 0))
		}
	})

	It("reads a log twice with Rewind", func() {
		zst := filepath.Join(GinkgoT().TempDir(), "a.jsonl.zst")
		want := writeLog(zst, 200, 50)
		r, err := logfile.Open(zst)
		Expect(err).NotTo(HaveOccurred())
		defer r.Close()
		Expect(io.ReadAll(r)).To(BeEquivalentTo(want))
		Expect(r.Rewind()).To(Succeed())
		Expect(io.ReadAll(r)).To(BeEquivalentTo(want))
	})
})

func must[T any](v T, err error) T {
	Expect(err).NotTo(HaveOccurred())
	return v
}
