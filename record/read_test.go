package record_test

import (
	"fmt"
	"strings"

	. "github.com/onsi/ginkgo/v2"
	. "github.com/onsi/gomega"

	"github.com/chaos-harness/chaos/record"
)

// lines is a log of n Records at t_ms 0..n-1, with a blank line after the
// third.
func lines(n int) string {
	var b strings.Builder
	for i := range n {
		fmt.Fprintf(&b, `{"t_ms":%d,"client":"c"}`+"\n", i)
		if i == 2 {
			b.WriteString("\n")
		}
	}
	return b.String()
}

// drain reads every batch, handing each back, and returns the Records' times,
// their lines and the last batch.
func drain(log string, size int) (times []float64, at []int, last *record.Batch) {
	batches, release, stop := record.NewReader(strings.NewReader(log), "a.jsonl").ReadAhead(size)
	defer stop()
	for b := range batches {
		for i, rec := range b.Records {
			times = append(times, rec.TMs)
			at = append(at, b.Lines[i])
		}
		if last != nil {
			release(last)
		}
		last = b
	}
	return times, at, last
}

var _ = Describe("reading ahead", func() {
	It("yields every Record in order with its line, whatever the batch size", func() {
		for _, size := range []int{1, 2, 3, 7, 100} {
			times, at, last := drain(lines(7), size)
			Expect(times).To(Equal([]float64{0, 1, 2, 3, 4, 5, 6}), "batch size %d", size)
			Expect(at).To(Equal([]int{1, 2, 3, 5, 6, 7, 8}), "the blank line 4 is skipped, and counted")
			Expect(last.Err).NotTo(HaveOccurred())
			Expect(last.CutShort).NotTo(HaveOccurred())
		}
	})

	It("ends with the error of a bad line, after the Records before it", func() {
		times, _, last := drain(lines(3)+"not json\n"+lines(2), 2)
		Expect(times).To(Equal([]float64{0, 1, 2}))
		Expect(last.Err).To(MatchError(HavePrefix("a.jsonl:5: not a Record")))
	})

	It("ends at a last line cut short, saying which", func() {
		times, _, last := drain(lines(3)+`{"t_ms":9,"cli`, 10)
		Expect(times).To(Equal([]float64{0, 1, 2}))
		Expect(last.CutShort).To(MatchError(HavePrefix("a last line cut short")))
		Expect(last.CutShortLine).To(Equal(5))
	})

	It("stops early when the consumer gives up, and may be stopped twice", func() {
		batches, _, stop := record.NewReader(strings.NewReader(lines(10_000)), "a.jsonl").ReadAhead(10)
		Expect(<-batches).NotTo(BeNil())
		stop()
		stop()
	})
})
