package analysis_test

import (
	"bytes"
	"time"

	. "github.com/onsi/ginkgo/v2"
	. "github.com/onsi/gomega"

	"github.com/chaos-harness/chaos/analysis"
	"github.com/chaos-harness/chaos/record"
)

var _ = Describe("warming the Accumulator ahead of its Records", func() {
	It("changes nothing of the result", func() {
		// A fleet's log over three policies (one the default), with Records
		// of a layer below and header-less ones, which Warm passes over.
		f := newFleet(3_000)
		recs := make([]record.Record, 40_000)
		for i := range recs {
			recs[i] = f.record(i)
			recs[i].Policy = []string{"a", "b", ""}[i%3]
			switch i % 11 {
			case 3:
				recs[i].Layer = 1
			case 7:
				recs[i].Request, recs[i].Attempt = "", 0
			}
		}
		var log bytes.Buffer
		Expect(record.WriteAll(&log, recs)).To(Succeed())
		analyse := func(warm bool) analysis.Result {
			acc, err := analysis.New(analysis.Options{Created: time.Unix(1, 0)})
			Expect(err).NotTo(HaveOccurred())
			var warmFn func([]record.Record)
			warmed := 0
			if warm {
				warmFn = func(run []record.Record) {
					warmed += len(run)
					acc.Warm(run)
				}
			}
			src := []analysis.LogSource{{Name: "fleet.jsonl", R: bytes.NewReader(log.Bytes())}}
			Expect(analysis.MergeLogsWarm(src, acc.AddRecord, warmFn, nil, nil)).To(Succeed())
			if warm {
				Expect(warmed).To(Equal(len(recs)), "every Record was warmed for once")
			}
			res, err := acc.Finish()
			Expect(err).NotTo(HaveOccurred())
			return res
		}
		cold := analyse(false)
		Expect(cold.Policies).To(HaveLen(3))
		Expect(analyse(true)).To(Equal(cold))
	})
})
