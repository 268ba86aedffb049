package analysis_test

import (
	"fmt"
	"time"

	. "github.com/onsi/ginkgo/v2"
	. "github.com/onsi/gomega"

	"github.com/chaos-harness/chaos/analysis"
	"github.com/chaos-harness/chaos/record"
)

// fleetLog is a fleet of 50 clients that start together: each sends one
// logical request at t=0 that fails (503, answered at once), then retries once
// at retryAt(k) and succeeds.
func fleetLog(policy string, retryAt func(k int) float64) []record.Record {
	var recs []record.Record
	for k := range 50 {
		c := fmt.Sprintf("c%02d", k)
		recs = append(recs, record.Record{TMs: 0, Client: c, Request: c + "/1", Attempt: 1, Policy: policy,
			Phase: "outage", Fault: "status", Status: 503})
	}
	for k := range 50 {
		c := fmt.Sprintf("c%02d", k)
		recs = append(recs, record.Record{TMs: retryAt(k), Client: c, Request: c + "/1", Attempt: 2, Policy: policy,
			Phase: "outage", Fault: "none", Status: 200})
	}
	return recs
}

// A synchronized fleet retries all at once, 1000 ms after the failure; a
// jittered one spreads its retries evenly over 0..2000 ms, one every 40 ms
// (20, 60, ..., 1980).
func synchronized(int) float64 { return 1000 }
func jittered(k int) float64   { return 20 + 40*float64(k) }

// twentyPerWindow is a token bucket that refills 1000 per second and holds 4:
// in any 16 ms window (the default) it admits at most 4 + 1000·0.016 = 20.
var twentyPerWindow = &analysis.Capacity{Rate: 1000, Burst: 4}

var _ = Describe("herd figures over retries only", func() {
	var res analysis.Result
	var none, full analysis.PolicyResult

	BeforeEach(func() {
		recs := append(fleetLog("none", synchronized), fleetLog("full", jittered)...)
		res = analyse(analysis.Options{BinWidth: 100 * time.Millisecond, Capacity: twentyPerWindow}, recs)
		none, full = res.Policies[0], res.Policies[1]
		Expect(none.Name).To(Equal("none"))
		Expect(full.Name).To(Equal("full"))
	})

	It("uses one retry window of 16 ms by default, for every policy", func() {
		Expect(res.RetryWindowMs).To(Equal(16.0))
		Expect(analysis.DefaultRetryWindow).To(Equal(16 * time.Millisecond))
	})

	It("shows the figures over all arrivals cannot tell the two fleets apart, or call the jittered one worse", func() {
		// Both fleets send the same 50 first attempts at t=0.
		// max_window_arrivals (1 s): none: [0, 1000) holds the 50 first attempts
		// and [1, 1001) the 50 retries: 50. full: [0, 1000) holds the 50 first
		// attempts and the 25 retries at 20..980: 75.
		Expect(none.MaxWindowArrivals).To(Equal(50))
		Expect(full.MaxWindowArrivals).To(Equal(75))
		// peak_to_mean over 100 ms bins: none: bins 0 (50) and 10 (50) of an
		// active span of 11 bins, mean 100/11: 50·11/100 = 5.5. full: bin 0
		// holds 50 + the retries at 20 and 60 = 52, of 20 bins with 100
		// arrivals, mean 5: 52/5 = 10.4.
		Expect(none.PeakToMean).To(BeNumerically("~", 5.5, 1e-12))
		Expect(full.PeakToMean).To(BeNumerically("~", 10.4, 1e-12))
	})

	It("separates a synchronized fleet from a jittered one by a wide margin", func() {
		// none: all 50 retries arrive at 1000, in one window.
		// full: retries 40 ms apart; a 16 ms window holds one of them.
		Expect(*none.RetryMaxWindow).To(Equal(50))
		Expect(*full.RetryMaxWindow).To(Equal(1))
		// Per second: 50/0.016 = 3125 and 1/0.016 = 62.5.
		Expect(*none.RetryPeakRate).To(BeNumerically("~", 3125, 1e-9))
		Expect(*full.RetryPeakRate).To(BeNumerically("~", 62.5, 1e-9))
		// Over the 20 the bucket admits in 16 ms: 50/20 = 2.5 and 1/20 = 0.05.
		Expect(*none.PeakToCapacity).To(BeNumerically("~", 2.5, 1e-12))
		Expect(*full.PeakToCapacity).To(BeNumerically("~", 0.05, 1e-12))
	})

	It("keeps the retries as a series in the rate bins", func() {
		// none: the 50 retries at 1000 fall in bin 10 of 100 ms.
		Expect(none.Series.Retries).To(HaveLen(20))
		Expect(none.Series.Retries[10]).To(Equal(50))
		Expect(none.Series.Arrivals[0]).To(Equal(50))
		// full: bin 0 holds the retries at 20 and 60, bin 1 those at 100, 140
		// and 180.
		Expect(full.Series.Retries[:2]).To(Equal([]int{2, 3}))
	})

	It("follows the retry window it is given", func() {
		recs := fleetLog("full", jittered)
		res := analyse(analysis.Options{RetryWindow: 100 * time.Millisecond, Capacity: twentyPerWindow}, recs)
		p := res.Policies[0]
		Expect(res.RetryWindowMs).To(Equal(100.0))
		// Retries 40 ms apart: a 100 ms window holds ceil(100/40) = 3 of them
		// ([20, 120): 20, 60, 100); 3/0.1 = 30 per second.
		Expect(*p.RetryMaxWindow).To(Equal(3))
		Expect(*p.RetryPeakRate).To(BeNumerically("~", 30, 1e-9))
		// The bucket admits 4 + 1000·0.1 = 104 in 100 ms: 3/104.
		Expect(*p.PeakToCapacity).To(BeNumerically("~", 3.0/104, 1e-12))

		res = analyse(analysis.Options{RetryWindow: time.Second, Capacity: twentyPerWindow}, recs)
		p = res.Policies[0]
		// [20, 1020) holds the 25 retries at 20, 60, ..., 980; 4 + 1000 = 1004
		// admitted in a second.
		Expect(*p.RetryMaxWindow).To(Equal(25))
		Expect(*p.RetryPeakRate).To(BeNumerically("~", 25, 1e-9))
		Expect(*p.PeakToCapacity).To(BeNumerically("~", 25.0/1004, 1e-12))
	})
})

var _ = Describe("peak_to_capacity", func() {
	It("stays meaningful when retries are sparse, however much empty time lies between them", func() {
		// 50 first attempts at t=0 fail; three of them retry, late and far
		// apart. Spreading the same three retries further changes nothing a
		// retry window sees.
		sparse := func(at ...float64) analysis.PolicyResult {
			recs := fleetLog("full", func(int) float64 { return 0 })[:50]
			for i, t := range at {
				c := fmt.Sprintf("c%02d", i)
				recs = append(recs, record.Record{TMs: t, Client: c, Request: c + "/1", Attempt: 2, Policy: "full", Fault: "none", Status: 200})
			}
			return analyse(analysis.Options{BinWidth: time.Second, Capacity: twentyPerWindow}, recs).Policies[0]
		}
		near, far := sparse(5000, 9000, 13000), sparse(10000, 30000, 50000)
		for _, p := range []analysis.PolicyResult{near, far} {
			// One retry per window: 1, 62.5 per second, 1/20 of what the bucket admits.
			Expect(*p.RetryMaxWindow).To(Equal(1))
			Expect(*p.RetryPeakRate).To(BeNumerically("~", 62.5, 1e-9))
			Expect(*p.PeakToCapacity).To(BeNumerically("~", 0.05, 1e-12))
		}
		// A peak-to-mean over 1 s bins is the empty bins' doing: 50 over a mean
		// of 53/14 bins (near) = 700/53, and of 53/51 bins (far) = 2550/53.
		Expect(near.PeakToMean).To(BeNumerically("~", 700.0/53, 1e-9))
		Expect(far.PeakToMean).To(BeNumerically("~", 2550.0/53, 1e-9))
	})

	It("takes what a concurrency limit holds at once, and the smaller of both limits", func() {
		recs := fleetLog("none", synchronized)
		// 50 retries in one window against 40 slots: 50/40.
		p := analyse(analysis.Options{Capacity: &analysis.Capacity{Concurrency: 40}}, recs).Policies[0]
		Expect(*p.PeakToCapacity).To(BeNumerically("~", 1.25, 1e-12))
		// Slots 40, bucket 4 + 1000·0.016 = 20: the bucket decides, 50/20.
		p = analyse(analysis.Options{Capacity: &analysis.Capacity{Concurrency: 40, Rate: 1000, Burst: 4}}, recs).Policies[0]
		Expect(*p.PeakToCapacity).To(BeNumerically("~", 2.5, 1e-12))
		// No burst given: one second's worth, 1000; 1000 + 16 = 1016 in 16 ms.
		p = analyse(analysis.Options{Capacity: &analysis.Capacity{Rate: 1000}}, recs).Policies[0]
		Expect(*p.PeakToCapacity).To(BeNumerically("~", 50.0/1016, 1e-12))
	})

	It("is null, with a note, when the server has no capacity model", func() {
		res := analyse(analysis.Options{}, fleetLog("none", synchronized))
		Expect(res.Policies[0].PeakToCapacity).To(BeNil())
		Expect(*res.Policies[0].RetryMaxWindow).To(Equal(50))
		Expect(res.Notes).To(ContainElement(ContainSubstring("no capacity model")))
	})
})

var _ = Describe("herd figures of a log whose retries cannot be seen", func() {
	It("are null, with a note, when header-less attempts cannot be grouped", func() {
		// No ids, and every client behind one address and User-Agent: the 50
		// first attempts are in flight on one key at once, so the inference
		// cannot tell whose retry is whose (Identity.Groupable).
		recs := fleetLog("", synchronized)
		for i := range recs {
			recs[i].Client, recs[i].Request, recs[i].Attempt = "10.0.0.1 curl/8", "", 0
			recs[i].LatencyMs = 5
		}
		res := analyse(analysis.Options{Capacity: twentyPerWindow}, recs)
		p := res.Policies[0]
		Expect(p.RetryMaxWindow).To(BeNil())
		Expect(p.RetryPeakRate).To(BeNil())
		Expect(p.PeakToCapacity).To(BeNil())
		Expect(p.Amplification).To(BeNil())
		Expect(res.Notes).To(ContainElement(ContainSubstring("retries cannot be told from first attempts")))
	})

	It("counts an attempt numbered above 1 as a retry even when its first attempt is not in the log", func() {
		recs := fleetLog("none", synchronized)[50:] // the retries alone
		p := analyse(analysis.Options{}, recs).Policies[0]
		Expect(*p.RetryMaxWindow).To(Equal(50))
	})
})

var _ = Describe("the retry window option", func() {
	It("refuses a negative window and a capacity that cannot be", func() {
		_, err := analysis.New(analysis.Options{RetryWindow: -time.Millisecond})
		Expect(err).To(MatchError(ContainSubstring("retry window -1ms")))
		_, err = analysis.New(analysis.Options{Capacity: &analysis.Capacity{Rate: -1}})
		Expect(err).To(MatchError(ContainSubstring("capacity")))
	})
})

var _ = Describe("the default retry window on long runs", func() {
	// The timeline keeps 2^18 bins: a run past 2^18·8 ms (35 min) has 16 ms
	// bins, one past 2^18·16 ms (70 min) 32 ms bins.
	long := func(lastMs float64) analysis.Result {
		return analyse(analysis.Options{}, []record.Record{
			{TMs: 0, Client: "a", Request: "a", Attempt: 1, Fault: "none", Status: 200},
			{TMs: lastMs, Client: "b", Request: "b", Attempt: 1, Fault: "none", Status: 200},
		})
	}

	It("stays exactly 16 ms up to 70 minutes", func() {
		res := long(1 << 18 * 8)
		Expect(res.ResolutionMs).To(Equal(16.0))
		Expect(res.RetryWindowMs).To(Equal(16.0))
		Expect(res.Notes).NotTo(ContainElement(ContainSubstring("retry window")))
	})

	It("is rounded, with a note, beyond", func() {
		res := long(1 << 18 * 16)
		Expect(res.ResolutionMs).To(Equal(32.0))
		Expect(res.RetryWindowMs).To(Equal(32.0))
		Expect(res.Notes).To(ContainElement("retry window 16ms rounded to 32 ms, a multiple of the timeline resolution of 32 ms"))
	})
})
