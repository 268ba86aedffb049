package record_test

import (
	"bytes"
	"strings"

	. "github.com/onsi/ginkgo/v2"
	. "github.com/onsi/gomega"

	"github.com/chaos-harness/chaos/record"
)

var _ = Describe("a log's header line: the epoch of t_ms 0 and the server run", func() {
	h := record.LogHeader{EpochUnixMs: 1764640800123.5, Server: "host-a:8080", ServerRun: "r1"}

	It("is written before the Records, read into Header and skipped, and not counted as a Record", func() {
		var buf bytes.Buffer
		w := record.NewWriter(&buf, record.WriterOptions{})
		Expect(w.WriteHeader(h)).To(Succeed())
		Expect(w.Write(&record.Record{TMs: 5, Client: "c1", Fault: "none", Status: 200})).To(Succeed())
		Expect(w.Close()).To(Succeed())
		Expect(w.Lines()).To(Equal(int64(1)))
		Expect(strings.SplitN(buf.String(), "\n", 2)[0]).To(Equal(`{"chaos_log":1,"epoch_unix_ms":1764640800123.5,"server":"host-a:8080","server_run":"r1"}`))

		r := record.NewReader(bytes.NewReader(buf.Bytes()), "a.jsonl")
		ok, err := r.Next()
		Expect(err).NotTo(HaveOccurred())
		Expect(ok).To(BeTrue())
		Expect(r.Header()).To(Equal(&h))
		Expect(r.Record().TMs).To(Equal(5.0))
		Expect(r.Line()).To(Equal(2))
		ok, err = r.Next()
		Expect(err).NotTo(HaveOccurred())
		Expect(ok).To(BeFalse())

		var n int
		Expect(record.Read(bytes.NewReader(buf.Bytes()), func(record.Record) error { n++; return nil })).To(Succeed())
		Expect(n).To(Equal(1))
	})

	It("leaves Header nil for a log without one, and refuses a header after the first line, naming it", func() {
		r := record.NewReader(strings.NewReader(`{"t_ms":1}`+"\n"), "old.jsonl")
		Expect(r.Next()).To(BeTrue())
		Expect(r.Header()).To(BeNil())

		joined := `{"t_ms":1}` + "\n" + string(record.AppendHeader(nil, h))
		r = record.NewReader(strings.NewReader(joined), "joined.jsonl")
		Expect(r.Next()).To(BeTrue())
		_, err := r.Next()
		Expect(err).To(MatchError(ContainSubstring("joined.jsonl:2: a log header after the first line")))

		r = record.NewReader(strings.NewReader(`{"chaos_log":2,"epoch_unix_ms":1}`+"\n"), "new.jsonl")
		_, err = r.Next()
		Expect(err).To(MatchError("new.jsonl:1: a log header of version 2; this chaos reads version 1"))
	})
})
