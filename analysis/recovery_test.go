package analysis_test

import (
	"time"

	. "github.com/onsi/ginkgo/v2"
	. "github.com/onsi/gomega"

	"github.com/chaos-harness/chaos/analysis"
	"github.com/chaos-harness/chaos/record"
)

// attempts makes one single-attempt logical request per time, all ok or all
// failed (503).
func attempts(ok bool, ts ...float64) []record.Record {
	var recs []record.Record
	for _, t := range ts {
		rec := record.Record{TMs: t, Client: "c", Attempt: 1, Fault: "none", Status: 200}
		rec.Request = "c/" + time.Duration(t*float64(time.Millisecond)).String()
		if !ok {
			rec.Fault, rec.Status = "status", 503
		}
		recs = append(recs, rec)
	}
	return recs
}

func joined(groups ...[]record.Record) []record.Record {
	var all []record.Record
	for _, g := range groups {
		all = append(all, g...)
	}
	return all
}

var _ = Describe("time to recover", func() {
	outage := func(start, end time.Duration) analysis.Phase {
		return analysis.Phase{Name: "outage", Start: start, End: end, Fault: true}
	}

	It("ends at sustained success, never before the first success after the phase", func() {
		// Outage [0, 2000): failures at 0, 500, 1000, 1500. Then a success at
		// 2900, a relapse at 3000 and 3100, and successes at 4500, 4600, 4700.
		//
		// With a 1 s window the trailing success rate falls below 0.95 at 3000
		// (1 of 2) and stays there while the failure at 3100 is in the window,
		// up to 4099; the first success after that is at 4500: 2500 ms after the
		// end. Windows that merely start after the end and hold a success said
		// 0 ms, 900 ms before any success.
		recs := joined(attempts(false, 0, 500, 1000, 1500), attempts(true, 2900), attempts(false, 3000, 3100),
			attempts(true, 4500, 4600, 4700))
		p := analyse(analysis.Options{Phases: []analysis.Phase{outage(0, 2*time.Second)}}, recs).Policies[0]
		Expect(p.Recovery).To(HaveLen(1))
		Expect(*p.Recovery[0].TimeToRecoverMs).To(Equal(2500.0))
		Expect(*p.TimeToRecoverMs).To(Equal(2500.0))
	})

	It("counts a window at the threshold as recovered, and one below it as not", func() {
		// Outage [0, 1000), a failure at 1050, then 19 successes at 1100..1190
		// (every 5 ms). The trailing 1 s window at 1190 holds 19 ok of 20: 0.95,
		// at the threshold, and stays there until the failure leaves it (2050):
		// recovered at 1190, the first success from which on the rate holds.
		oks := []float64{}
		for i := range 19 {
			oks = append(oks, 1100+5*float64(i))
		}
		phases := []analysis.Phase{outage(0, time.Second)}
		p := analyse(analysis.Options{Phases: phases}, joined(attempts(false, 0, 1050), attempts(true, oks...), attempts(true, 2500))).Policies[0]
		Expect(*p.TimeToRecoverMs).To(Equal(190.0))
		// A second failure at 1060 makes it 19 of 21, below, in every window up
		// to 2049, which still holds the failure at 1050; from 2050 on it is at
		// least 19 of 20. The first success after 2049 is at 2500: 1500 ms.
		p = analyse(analysis.Options{Phases: phases}, joined(attempts(false, 0, 1050, 1060), attempts(true, oks...), attempts(true, 2500))).Policies[0]
		Expect(*p.TimeToRecoverMs).To(Equal(1500.0))
	})

	It("stops looking at the next fault phase", func() {
		// outage [0, 1000): failures at 0, 500; successes at 1200, 1300.
		// second [2000, 3000): failures at 2000, 2500; successes at 3400, 3500.
		// The first recovers at 1200 (200 ms) before the second begins; its
		// failures do not count against it. The second recovers at 3400 (400 ms).
		recs := joined(attempts(false, 0, 500), attempts(true, 1200, 1300), attempts(false, 2000, 2500), attempts(true, 3400, 3500))
		p := analyse(analysis.Options{Phases: []analysis.Phase{
			outage(0, time.Second),
			{Name: "second", Start: 2 * time.Second, End: 3 * time.Second, Fault: true},
		}}, recs).Policies[0]
		Expect(p.Recovery).To(HaveLen(2))
		Expect(*p.Recovery[0].TimeToRecoverMs).To(Equal(200.0))
		Expect(*p.Recovery[1].TimeToRecoverMs).To(Equal(400.0))
		Expect(*p.TimeToRecoverMs).To(Equal(400.0))
	})

	It("never recovers when failures return after the last success", func() {
		// Outage [0, 1000); a success at 1500, then failures at 1600 and 1700
		// to the end of the run: no success follows the relapse.
		recs := joined(attempts(false, 0), attempts(true, 1500), attempts(false, 1600, 1700))
		res := analyse(analysis.Options{Phases: []analysis.Phase{outage(0, time.Second)}}, recs)
		Expect(res.Policies[0].TimeToRecoverMs).To(BeNil())
		Expect(res.Notes).To(ContainElement(ContainSubstring(`never came back to the threshold after phase "outage"`)))
	})
})
