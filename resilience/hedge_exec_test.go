package resilience_test

import (
	"context"
	"fmt"
	"io"
	"net/http"
	"strings"
	"sync/atomic"
	"time"

	. "github.com/onsi/ginkgo/v2"
	. "github.com/onsi/gomega"

	"github.com/chaos-harness/chaos/resilience"
)

// fetchBody sends req with c on its own goroutine and hands back the body
// of the response.
func fetchBody(c *http.Client, req *http.Request) <-chan string {
	done := make(chan string, 1)
	go func() {
		defer GinkgoRecover()
		resp, err := c.Do(req)
		Expect(err).NotTo(HaveOccurred())
		body, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		done <- string(body)
	}()
	return done
}

var _ = Describe("hedging in Do and the Transport, on a virtual clock", func() {
	var clock *resilience.VirtualClock
	BeforeEach(func() { clock = resilience.NewVirtualClock(epoch) })
	hedged := func() *resilience.Policy {
		return mustPolicy(resilience.Config{Hedge: &resilience.HedgeConfig{Delay: 50 * time.Millisecond}}, resilience.WithClock(clock))
	}
	// advanceWhenWaiting moves the clock by d once the executor waits for
	// its hedge delay (one timer), so no spec depends on wall time.
	advanceWhenWaiting := func(d time.Duration) {
		ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
		defer cancel()
		Expect(clock.WaitForSleepers(ctx, 1)).To(Succeed())
		clock.Advance(d)
	}

	It("Do sends a hedge after the delay, returns its answer and cancels the slow attempt", func() {
		p := hedged()
		var n atomic.Int32
		firstCanceled, entered := make(chan error, 1), make(chan struct{}, 2)
		fn := func(ctx context.Context) (string, error) {
			k := n.Add(1)
			entered <- struct{}{}
			if k == 1 {
				<-ctx.Done() // the slow first attempt: answers only when cancelled
				firstCanceled <- ctx.Err()
				return "", ctx.Err()
			}
			return "hedge", nil
		}
		done := make(chan string, 1)
		go func() {
			defer GinkgoRecover()
			v, err := resilience.Do(context.Background(), p, fn)
			Expect(err).NotTo(HaveOccurred())
			done <- v
		}()
		Eventually(entered, time.Minute).Should(Receive()) // attempt 1 is running: the hedge comes only after the advance
		advanceWhenWaiting(50 * time.Millisecond)
		Eventually(done, time.Minute).Should(Receive(Equal("hedge")))
		Eventually(firstCanceled, time.Minute).Should(Receive(MatchError(context.Canceled)))
		c := p.Counters()
		Expect([]int64{c.Attempts, c.Hedges, c.HedgesWon, c.HedgesWasted, c.Succeeded}).To(Equal([]int64{2, 1, 1, 1, 1}))
	})

	It("Do sends no hedge for an attempt that answers within the delay", func() {
		p := hedged()
		v, err := resilience.Do(context.Background(), p, func(context.Context) (int, error) { return 7, nil })
		Expect(err).NotTo(HaveOccurred())
		Expect(v).To(Equal(7))
		Expect(p.Counters().Hedges).To(BeZero())
	})

	It("the Transport hedges a slow GET over a loopback server: the hedge's response wins, the slow one is cancelled", func() {
		release := make(chan struct{})
		var cancelled atomic.Bool
		srv := newServer(func(n int, w http.ResponseWriter, r *http.Request) {
			if n == 1 {
				select { // the slow first attempt: its client goes away
				case <-r.Context().Done():
					cancelled.Store(true)
				case <-release:
				}
				return
			}
			fmt.Fprint(w, "from the hedge")
		})
		defer srv.Close()
		defer close(release)
		base := newBase()
		defer base.CloseIdleConnections()
		p := hedged()
		c := clientFor(p, base)
		req, _ := http.NewRequest(http.MethodGet, srv.URL+"/orders", nil)
		done := fetchBody(c, req)
		// Attempt 1 has reached the server before the hedge can be sent.
		Eventually(func() int { return len(srv.requests()) }, time.Minute).Should(Equal(1))
		advanceWhenWaiting(50 * time.Millisecond)
		Eventually(done, time.Minute).Should(Receive(Equal("from the hedge")))
		Eventually(cancelled.Load, time.Minute).Should(BeTrue())
		attempts := []string{}
		for _, s := range srv.requests() {
			attempts = append(attempts, s.attempt)
		}
		Expect(attempts).To(Equal([]string{"1", "2"}), "X-Chaos-Attempt numbers the hedge")
		c2 := p.Counters()
		Expect([]int64{c2.Hedges, c2.HedgesWon, c2.HedgesWasted}).To(Equal([]int64{1, 1, 1}))
	})

	It("the Transport re-reads the body of a hedged PUT through GetBody", func() {
		srv := newServer(func(n int, w http.ResponseWriter, r *http.Request) {
			if n == 1 {
				<-r.Context().Done()
				return
			}
			fmt.Fprint(w, "stored")
		})
		defer srv.Close()
		base := newBase()
		defer base.CloseIdleConnections()
		c := clientFor(hedged(), base)
		req, _ := http.NewRequest(http.MethodPut, srv.URL+"/orders/1", strings.NewReader("v=1"))
		done := fetchBody(c, req)
		// Attempt 1 has reached the server before the hedge can be sent.
		Eventually(func() int { return len(srv.requests()) }, time.Minute).Should(Equal(1))
		advanceWhenWaiting(50 * time.Millisecond)
		Eventually(done, time.Minute).Should(Receive(Equal("stored")))
		Eventually(func() int { return len(srv.requests()) }, time.Minute).Should(Equal(2))
		for _, s := range srv.requests() {
			Expect(s.body).To(Equal("v=1"))
		}
	})
})
