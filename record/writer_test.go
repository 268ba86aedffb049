package record_test

import (
	"bytes"
	"fmt"
	"syscall"

	. "github.com/onsi/ginkgo/v2"
	. "github.com/onsi/gomega"

	"github.com/chaos-harness/chaos/record"
)

// chunks keeps every Write it is given, as given.
type chunks struct {
	writes [][]byte
	fail   error // returned from the second write on, when set
}

func (c *chunks) Write(p []byte) (int, error) {
	if c.fail != nil && len(c.writes) > 0 {
		return 0, c.fail
	}
	c.writes = append(c.writes, bytes.Clone(p))
	return len(p), nil
}

var _ = Describe("the record writer of arrivals.jsonl", func() {
	rec := func(i int) *record.Record {
		return &record.Record{TMs: float64(i), Client: fmt.Sprintf("c%d", i), Request: fmt.Sprintf("c%d/1", i),
			Attempt: 1, Method: "GET", Path: "/api/orders/with/a/longish/path", Phase: "healthy", Fault: "none", Status: 200}
	}

	It("hands the file whole lines only, so a crash leaves at most the last one cut short", func() {
		var w chunks
		rw := record.NewWriter(&w, record.WriterOptions{Buffer: 1 << 20})
		const n = 20_000 // several buffers' worth
		for i := range n {
			Expect(rw.Write(rec(i))).To(Succeed())
		}
		Expect(rw.Close()).To(Succeed())
		Expect(len(w.writes)).To(BeNumerically(">", 1))
		for _, c := range w.writes {
			Expect(c).To(HaveSuffix("\n"))
		}
		var got []record.Record
		Expect(record.Read(bytes.NewReader(bytes.Join(w.writes, nil)), func(r record.Record) error {
			got = append(got, r)
			return nil
		})).To(Succeed())
		Expect(got).To(HaveLen(n))
		Expect(got[n-1]).To(Equal(*rec(n - 1)))
		Expect(rw.Lines()).To(Equal(int64(n)))
	})

	It("says so when the disk is full, and keeps saying so", func() {
		w := chunks{fail: syscall.ENOSPC}
		rw := record.NewWriter(&w, record.WriterOptions{Buffer: 1 << 20})
		var err error
		for i := 0; i < 100_000 && err == nil; i++ {
			err = rw.Write(rec(i))
		}
		Expect(err).To(MatchError(ContainSubstring("writing the records: no space left on device")))
		Expect(rw.Write(rec(0))).To(MatchError(syscall.ENOSPC))
		Expect(rw.Close()).To(MatchError(syscall.ENOSPC))
	})

	It("writes what it holds on Flush and on Close, and may be closed twice", func() {
		var w chunks
		rw := record.NewWriter(&w, record.WriterOptions{Buffer: 1 << 20})
		Expect(rw.Write(rec(1))).To(Succeed())
		Expect(rw.Flush()).To(Succeed())
		Expect(w.writes).To(HaveLen(1))
		Expect(rw.Write(rec(2))).To(Succeed())
		Expect(rw.Close()).To(Succeed())
		Expect(rw.Close()).To(Succeed())
		Expect(w.writes).To(HaveLen(2))
	})
})
