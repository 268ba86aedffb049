package analysis_test

import (
	"strings"

	. "github.com/onsi/ginkgo/v2"
	. "github.com/onsi/gomega"

	"github.com/chaos-harness/chaos/analysis"
	"github.com/chaos-harness/chaos/record"
)

var _ = Describe("success counts only responses that reached their end", func() {
	// Four logical requests of one attempt each, as `chaos serve` logs them
	// (no Outcome) except d, a harness run's:
	//   a: 200, whole body                -> success
	//   b: slow 200, 40 of 10,000 bytes   -> failure (incomplete)
	//   c: slow 200, whole body           -> success
	//   d: Outcome ok but incomplete      -> failure (incomplete wins)
	// Succeeded = 2 of 4, success_rate = 0.5.
	log := `{"t_ms":0,"client":"a","request":"a/1","attempt":1,"fault":"none","status":200,"latency_ms":1,"body_bytes":3}
{"t_ms":10,"client":"b","request":"b/1","attempt":1,"fault":"slow","status":200,"latency_ms":200,"body_bytes":40,"incomplete":true}
{"t_ms":20,"client":"c","request":"c/1","attempt":1,"fault":"slow","status":200,"latency_ms":3000,"body_bytes":3000}
{"t_ms":30,"client":"d","request":"d/1","attempt":1,"fault":"slow","status":200,"latency_ms":200,"body_bytes":40,"incomplete":true,"outcome":"ok"}
`
	var recs []record.Record
	BeforeEach(func() {
		recs = nil
		Expect(record.Read(strings.NewReader(log), func(r record.Record) error {
			recs = append(recs, r)
			return nil
		})).To(Succeed())
	})

	It("reads body_bytes and incomplete", func() {
		Expect(recs[1].BodyBytes).To(Equal(int64(40)))
		Expect(recs[1].Incomplete).To(BeTrue())
		Expect(recs[2].Incomplete).To(BeFalse())
	})

	It("calls an incomplete response a failure whatever its status or outcome", func() {
		Expect([]bool{analysis.Succeeded(recs[0]), analysis.Succeeded(recs[1]),
			analysis.Succeeded(recs[2]), analysis.Succeeded(recs[3])}).To(Equal([]bool{true, false, true, false}))
	})

	It("counts 2 of 4 logical requests succeeded", func() {
		p := analyse(analysis.Options{}, recs).Policies[0]
		Expect(p.LogicalRequests).To(Equal(4))
		Expect(p.Succeeded).To(Equal(2))
		Expect(p.SuccessRate).To(Equal(0.5))
	})

	It("refuses a negative body_bytes, naming the field", func() {
		acc, err := analysis.New(analysis.Options{})
		Expect(err).NotTo(HaveOccurred())
		Expect(acc.Add(record.Record{TMs: 1, Client: "a", BodyBytes: -1})).To(MatchError(ContainSubstring("body_bytes -1")))
	})
})
