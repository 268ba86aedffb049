package analysis_test

import (
	"strings"

	. "github.com/onsi/ginkgo/v2"
	. "github.com/onsi/gomega"

	"github.com/chaos-harness/chaos/analysis"
	"github.com/chaos-harness/chaos/record"
)

var _ = Describe("reading arrival logs", func() {
	read := func(srcs ...analysis.LogSource) ([]record.Record, []string, error) {
		var recs []record.Record
		var warnings []string
		err := analysis.MergeLogs(srcs, func(r record.Record) error {
			recs = append(recs, r)
			return nil
		}, func(w string) { warnings = append(warnings, w) }, nil)
		return recs, warnings, err
	}
	src := func(name, text string) analysis.LogSource {
		return analysis.LogSource{Name: name, R: strings.NewReader(text)}
	}
	times := func(recs []record.Record) []float64 {
		var ts []float64
		for _, r := range recs {
			ts = append(ts, r.TMs)
		}
		return ts
	}

	It("merges several logs by arrival time, ties in the order of the logs", func() {
		recs, warnings, err := read(
			src("a.jsonl", `{"t_ms": 1, "client": "a"}`+"\n"+`{"t_ms": 5, "client": "a"}`+"\n"),
			src("b.jsonl", `{"t_ms": 0, "client": "b"}`+"\n\n"+`{"t_ms": 5, "client": "b"}`+"\r\n"+`{"t_ms": 9, "client": "b"}`),
		)
		Expect(err).NotTo(HaveOccurred())
		Expect(warnings).To(BeEmpty())
		Expect(times(recs)).To(Equal([]float64{0, 1, 5, 5, 9}))
		Expect(recs[2].Client).To(Equal("a"))
		Expect(recs[3].Client).To(Equal("b"))
	})

	It("skips a last line cut short, with a warning naming it", func() {
		recs, warnings, err := read(src("crash.jsonl", `{"t_ms": 1}`+"\n"+`{"t_ms": 2, "cli`))
		Expect(err).NotTo(HaveOccurred())
		Expect(times(recs)).To(Equal([]float64{1}))
		Expect(warnings).To(ConsistOf(ContainSubstring("crash.jsonl:2: skipped a last line cut short")))
	})

	It("stops at a bad line, naming the log and line", func() {
		_, _, err := read(src("bad.jsonl", `{"t_ms": 1}`+"\n"+`{"t_ms": "soon"}`+"\n"+`{"t_ms": 3}`+"\n"))
		Expect(err).To(MatchError(ContainSubstring("bad.jsonl:2: not a Record")))
	})

	It("does not take other JSON for a Record", func() {
		_, _, err := read(src("x.jsonl", "[1, 2]\n"))
		Expect(err).To(MatchError(ContainSubstring("x.jsonl:1: not a Record: want a JSON object")))
		_, _, err = read(src("y.jsonl", `{"t_ms": 1}`+"\n"+`{"client": "c"}`+"\n"))
		Expect(err).To(MatchError(ContainSubstring(`y.jsonl:2: not a Record: no "t_ms" field`)))
		// A line the fast path declines (an escape) is checked as well: "t_ms"
		// as a value is not a time, nor is a null one.
		_, _, err = read(src("z.jsonl", `{"client": "t_ms", "path": "\/"}`+"\n"))
		Expect(err).To(MatchError(ContainSubstring(`z.jsonl:1: not a Record: no "t_ms" field`)))
		_, _, err = read(src("n.jsonl", `{"t_ms": null}`+"\n"))
		Expect(err).To(MatchError(ContainSubstring(`n.jsonl:1: not a Record: no "t_ms" field`)))
		recs, _, err := read(src("c.jsonl", `{"T_MS": 5, "path": "\/"}`+"\n"))
		Expect(err).NotTo(HaveOccurred()) // encoding/json matches keys regardless of case
		Expect(recs[0].TMs).To(Equal(5.0))
	})

	It("names the log and line of a Record the callback refuses", func() {
		acc, err := analysis.New(analysis.Options{})
		Expect(err).NotTo(HaveOccurred())
		err = analysis.MergeLogs([]analysis.LogSource{src("neg.jsonl", `{"t_ms": 1}`+"\n"+`{"t_ms": -4}`+"\n")}, acc.Add, nil, nil)
		Expect(err).To(MatchError("neg.jsonl:2: t_ms -4: want a finite number of milliseconds, not negative"))
	})

	It("reads lines longer than its buffer", func() {
		long := `{"t_ms": 7, "path": "/` + strings.Repeat("x", 200_000) + `"}`
		recs, _, err := read(src("long.jsonl", long+"\n"))
		Expect(err).NotTo(HaveOccurred())
		Expect(recs).To(HaveLen(1))
		Expect(recs[0].Path).To(HaveLen(200_001))
	})
})
