package resilience_test

import (
	"sync"
	"sync/atomic"
	"time"

	. "github.com/onsi/ginkgo/v2"
	. "github.com/onsi/gomega"

	"github.com/chaos-harness/chaos/resilience"
	"github.com/chaos-harness/chaos/resilience/breaker"
)

// op is one step of a breaker script: at a time, do something, then expect
// a state.
type op struct {
	at   time.Duration
	do   string // ok, fail: a whole call; reject: Allow must refuse; probe: Allow and hold; held-ok, held-fail, held-ignore: record the held ticket
	want breaker.State
}

func runBreaker(cfg resilience.BreakerConfig, ops []op) []breaker.Change {
	var changes []breaker.Change
	b, err := breaker.New(resilience.BreakerSettings(cfg), func(c breaker.Change) { changes = append(changes, c) })
	Expect(err).NotTo(HaveOccurred())
	var held []breaker.Ticket
	pop := func() breaker.Ticket {
		t := held[0]
		held = held[1:]
		return t
	}
	for i, o := range ops {
		now := epoch.Add(o.at)
		switch o.do {
		case "ok", "fail":
			t, err := b.Allow(now)
			Expect(err).NotTo(HaveOccurred(), "op %d", i)
			r := breaker.Success
			if o.do == "fail" {
				r = breaker.Failure
			}
			b.Report(now, t, r)
		case "reject":
			_, err := b.Allow(now)
			Expect(err).To(MatchError(breaker.ErrOpen), "op %d", i)
		case "probe":
			t, err := b.Allow(now)
			Expect(err).NotTo(HaveOccurred(), "op %d", i)
			held = append(held, t)
		case "held-ok":
			b.Report(now, pop(), breaker.Success)
		case "held-fail":
			b.Report(now, pop(), breaker.Failure)
		case "held-ignore":
			b.Report(now, pop(), breaker.Ignore)
		}
		Expect(b.State(now)).To(Equal(o.want), "after op %d (%s at %v)", i, o.do, o.at)
	}
	return changes
}

const (
	closed   = breaker.Closed
	open     = breaker.Open
	halfOpen = breaker.HalfOpen
)

var _ = Describe("Breaker state machine", func() {
	DescribeTable("scripts",
		func(cfg resilience.BreakerConfig, ops []op) { runBreaker(cfg, ops) },
		Entry("trips on consecutive failures; a success resets the count",
			resilience.BreakerConfig{Failures: 3, Open: 10 * time.Second}, []op{
				{0, "fail", closed}, {0, "fail", closed}, {0, "ok", closed},
				{0, "fail", closed}, {0, "fail", closed}, {time.Second, "fail", open},
				{5 * time.Second, "reject", open},
				{11 * time.Second, "probe", halfOpen}, {11 * time.Second, "reject", halfOpen},
				{12 * time.Second, "held-ok", closed}, {12 * time.Second, "ok", closed},
			}),
		Entry("a probe failure reopens, for a growing duration up to open_max, reset by a close",
			resilience.BreakerConfig{Failures: 1, Open: 10 * time.Second, OpenMultiplier: 2, OpenMax: 30 * time.Second}, []op{
				{0, "fail", open},
				{10 * time.Second, "probe", halfOpen}, {10 * time.Second, "held-fail", open},
				{29 * time.Second, "reject", open},
				{30 * time.Second, "probe", halfOpen}, {30 * time.Second, "held-fail", open},
				{59 * time.Second, "reject", open},
				{60 * time.Second, "probe", halfOpen}, {60 * time.Second, "held-ok", closed},
				{61 * time.Second, "fail", open}, {70 * time.Second, "reject", open}, {71 * time.Second, "probe", halfOpen},
			}),
		Entry("trips on a failure ratio once the window has the minimum throughput",
			resilience.BreakerConfig{Ratio: 0.5, MinRequests: 4, Window: 10 * time.Second}, []op{
				{0, "fail", closed}, {0, "ok", closed}, {0, "fail", closed}, {time.Second, "ok", closed},
				{2 * time.Second, "fail", open},
			}),
		Entry("forgets failures that left the sliding window",
			resilience.BreakerConfig{Ratio: 0.5, MinRequests: 4, Window: 10 * time.Second}, []op{
				{0, "fail", closed}, {time.Second, "fail", closed}, {2 * time.Second, "fail", closed},
				{13 * time.Second, "ok", closed}, {13 * time.Second, "ok", closed}, {13 * time.Second, "fail", closed},
				{14 * time.Second, "ok", closed}, {14 * time.Second, "ok", closed},
			}),
		Entry("admits a limited number of probes and closes after the success threshold",
			resilience.BreakerConfig{Failures: 1, Open: time.Second, HalfOpenProbes: 3, HalfOpenSuccesses: 2}, []op{
				{0, "fail", open},
				{time.Second, "probe", halfOpen}, {time.Second, "probe", halfOpen}, {time.Second, "probe", halfOpen},
				{time.Second, "reject", halfOpen},
				{2 * time.Second, "held-ok", halfOpen}, {2 * time.Second, "held-ok", closed},
				{2 * time.Second, "held-fail", closed}, // a probe of the old generation: ignored
			}),
		Entry("ignores results of calls admitted before the last transition",
			resilience.BreakerConfig{Failures: 2, Open: time.Second}, []op{
				{0, "probe", closed}, {0, "fail", closed}, {0, "fail", open},
				{0, "held-ok", open}, // a slow success from before the trip cannot close it
			}),
		Entry("a released probe frees its slot",
			resilience.BreakerConfig{Failures: 1, Open: time.Second}, []op{
				{0, "fail", open}, {time.Second, "probe", halfOpen}, {time.Second, "reject", halfOpen},
				{time.Second, "held-ignore", halfOpen}, {time.Second, "probe", halfOpen}, {time.Second, "held-ok", closed},
			}),
	)

	It("reports each transition once, dating the lazy half-open at the end of the open period", func() {
		changes := runBreaker(resilience.BreakerConfig{Failures: 1, Open: 10 * time.Second}, []op{
			{time.Second, "fail", open},
			{time.Minute, "probe", halfOpen}, // noticed a minute in, effective at 11s
			{time.Minute, "held-ok", closed},
		})
		Expect(changes).To(Equal([]breaker.Change{
			{From: closed, To: open, At: epoch.Add(time.Second)},
			{From: open, To: halfOpen, At: epoch.Add(11 * time.Second)},
			{From: halfOpen, To: closed, At: epoch.Add(time.Minute)},
		}))
	})

	It("admits exactly half_open_probes of 100 concurrent callers, then closes on their successes", func() {
		var changes atomic.Int32
		b, err := breaker.New(resilience.BreakerSettings(resilience.BreakerConfig{Failures: 1, Open: time.Second, HalfOpenProbes: 5}),
			func(breaker.Change) { changes.Add(1) })
		Expect(err).NotTo(HaveOccurred())
		t, _ := b.Allow(epoch)
		b.Report(epoch, t, breaker.Failure)
		now := epoch.Add(time.Second)
		var admitted atomic.Int32
		var wg sync.WaitGroup
		start := make(chan struct{})
		tickets := make(chan breaker.Ticket, 100)
		for range 100 {
			wg.Add(1)
			go func() {
				defer wg.Done()
				<-start
				if t, err := b.Allow(now); err == nil {
					admitted.Add(1)
					tickets <- t
				}
			}()
		}
		close(start)
		wg.Wait()
		close(tickets)
		Expect(admitted.Load()).To(Equal(int32(5)))
		for t := range tickets {
			wg.Add(1)
			go func() {
				defer wg.Done()
				b.Report(now, t, breaker.Success)
			}()
		}
		wg.Wait()
		Expect(b.State(now)).To(Equal(closed))
		Expect(changes.Load()).To(Equal(int32(3))) // open, half-open, closed
		Expect(b.Trips()).To(Equal(int64(1)))
	})

	It("stays consistent under 100 goroutines of mixed traffic", func() {
		b, err := breaker.New(resilience.BreakerSettings(resilience.BreakerConfig{Failures: 3, Open: time.Millisecond, HalfOpenProbes: 2}), nil)
		Expect(err).NotTo(HaveOccurred())
		var wg sync.WaitGroup
		for g := range 100 {
			wg.Add(1)
			go func() {
				defer wg.Done()
				for i := range 200 {
					now := epoch.Add(time.Duration(i) * time.Millisecond)
					t, err := b.Allow(now)
					if err != nil {
						continue
					}
					r := breaker.Success
					if (g+i)%3 == 0 {
						r = breaker.Failure
					}
					b.Report(now, t, r)
				}
			}()
		}
		wg.Wait()
		Expect(b.State(epoch.Add(time.Hour))).To(BeElementOf(closed, halfOpen))
	})
})

var _ = Describe("breaker.within, through a Config", func() {
	It("trips on failures within the period through the step driver, and names a bad period", func() {
		p := mustPolicy(resilience.Config{Breaker: &resilience.BreakerConfig{Failures: 2, Within: 5 * time.Second}})
		// failure at 0s, success at 1s, failure at 2s: 2 within 5s, open.
		drive(p, epoch, get, fail503)
		drive(p, epoch.Add(time.Second), get, ok200)
		drive(p, epoch.Add(2*time.Second), get, fail503)
		Expect(p.Counters().BreakerTrips).To(Equal(int64(1)))
		ps := resilience.Config{Breaker: &resilience.BreakerConfig{Ratio: 0.5, Within: time.Second}}.Problems()
		Expect(ps).To(ContainElement(HaveField("Path", "breaker.within")))
	})
})
