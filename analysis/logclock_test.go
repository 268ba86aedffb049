package analysis_test

import (
	"strings"

	. "github.com/onsi/ginkgo/v2"
	. "github.com/onsi/gomega"

	"github.com/chaos-harness/chaos/analysis"
	"github.com/chaos-harness/chaos/record"
)

var _ = Describe("logs of several servers on one clock (epoch_unix_ms)", func() {
	merge := func(srcs ...analysis.LogSource) ([]record.Record, []string) {
		var recs []record.Record
		var notes []string
		Expect(analysis.MergeLogs(srcs, func(r record.Record) error {
			recs = append(recs, r)
			return nil
		}, nil, func(n string) { notes = append(notes, n) })).To(Succeed())
		return recs, notes
	}
	log := func(name string, h *record.LogHeader, lines ...string) analysis.LogSource {
		var text []byte
		if h != nil {
			text = record.AppendHeader(text, *h)
		}
		return analysis.LogSource{Name: name, R: strings.NewReader(string(text) + strings.Join(lines, "\n") + "\n")}
	}
	type arrival struct {
		T       float64
		Client  string
		Request string
	}
	arrivals := func(recs []record.Record) []arrival {
		var out []arrival
		for _, r := range recs {
			out = append(out, arrival{r.TMs, r.Client, r.Request})
		}
		return out
	}

	It("lines two servers' logs up by their epochs, in time order, keys unchanged", func() {
		// Server B started 1500 ms after server A: B's t_ms 0 is A's 1500.
		a := &record.LogHeader{EpochUnixMs: 1764640800000, Server: "a/127.0.0.1:8080", ServerRun: "ra"}
		b := &record.LogHeader{EpochUnixMs: 1764640801500, Server: "b/127.0.0.1:8080", ServerRun: "rb"}
		recs, notes := merge(
			log("b.jsonl", b, `{"t_ms":0,"client":"c2","request":"c2/1","sent_ms":-0.5}`, `{"t_ms":1000,"client":"c1","request":"c1/2"}`),
			log("a.jsonl", a, `{"t_ms":1000,"client":"c1","request":"c1/1"}`, `{"t_ms":2000,"client":"c3","request":"c3/1"}`),
		)
		// b's 0 → 1500 and 1000 → 2500; a's stay: 1000, 1500, 2000, 2500.
		Expect(arrivals(recs)).To(Equal([]arrival{
			{1000, "c1", "c1/1"}, {1500, "c2", "c2/1"}, {2000, "c3", "c3/1"}, {2500, "c1", "c1/2"},
		}))
		Expect(*recs[1].SentMs).To(Equal(1499.5))
		Expect(notes).To(Equal([]string{"logs put on one clock by their epoch_unix_ms: t_ms counts from 2025-12-02T02:00:00.000Z (the start of a.jsonl); b.jsonl +1500 ms, a.jsonl +0 ms"}))
	})

	It("tells two runs of one server apart, and keeps a log without a header as it was, with notes", func() {
		first := &record.LogHeader{EpochUnixMs: 1000, Server: "s", ServerRun: "r1"}
		second := &record.LogHeader{EpochUnixMs: 61000, Server: "s", ServerRun: "r2"}
		recs, notes := merge(
			log("second.jsonl", second, `{"t_ms":5,"client":"c1","request":"c1/1"}`),
			log("first.jsonl", first, `{"t_ms":5,"client":"c1","request":"c1/1"}`),
			log("old.jsonl", nil, `{"t_ms":7,"client":"c9"}`),
		)
		// second: 5 + 60000; its keys prefixed, so its c1/1 is not the first run's.
		Expect(arrivals(recs)).To(Equal([]arrival{{5, "c1", "c1/1"}, {7, "c9", ""}, {60005, "r2/c1", "r2/c1/1"}}))
		Expect(notes).To(ConsistOf(
			`second.jsonl is another run of server s (server_run r2, not r1): its client and request keys are prefixed with "r2/", so its logical requests are not laid over the earlier run's`,
			ContainSubstring("second.jsonl +60000 ms, first.jsonl +0 ms"),
			"old.jsonl has no log header (epoch_unix_ms): its t_ms are taken as counted from the same start as the others, as before logs had one",
		))
	})

	It("leaves logs without headers as they always were, with no note", func() {
		recs, notes := merge(log("x.jsonl", nil, `{"t_ms":3}`), log("y.jsonl", nil, `{"t_ms":1}`))
		Expect(arrivals(recs)).To(Equal([]arrival{{1, "", ""}, {3, "", ""}}))
		Expect(notes).To(BeEmpty())
	})
})
