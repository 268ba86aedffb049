package realclients_test

import (
	"context"
	"fmt"
	"io"
	"net/http"
	"time"

	"github.com/failsafe-go/failsafe-go/failsafehttp"
	"github.com/failsafe-go/failsafe-go/hedgepolicy"
	. "github.com/onsi/ginkgo/v2"
	. "github.com/onsi/gomega"

	"github.com/chaos-harness/chaos/chaostest"
	"github.com/chaos-harness/chaos/record"
	"github.com/chaos-harness/chaos/resilience"
)

// firstHangs hangs each client's first request (until its client goes
// away), then answers 200.
const firstHangs = `
per: client
phases:
  - {name: stuck, requests: 1, fault: {hang: 1m}}
  - {name: open}
`

const hedgeClients = 5

// hedgeRun sends one GET per client through the round tripper rt makes and
// returns the Records the server logged, once it has logged wantRecords.
func hedgeRun(rt func(base http.RoundTripper) http.RoundTripper, wantRecords int) []record.Record {
	srv := chaostest.NewServer(GinkgoT(), firstHangs)
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	for i := range hedgeClients {
		base := &http.Transport{}
		DeferCleanup(base.CloseIdleConnections)
		client := &http.Client{Transport: rt(base)}
		req, err := http.NewRequestWithContext(ctx, http.MethodGet, srv.URL+"/api/orders", nil)
		Expect(err).NotTo(HaveOccurred())
		req.Header.Set(record.HeaderClient, fmt.Sprintf("c%d", i))
		resp, err := client.Do(req)
		Expect(err).NotTo(HaveOccurred())
		_, _ = io.Copy(io.Discard, resp.Body)
		resp.Body.Close()
		Expect(resp.StatusCode).To(Equal(http.StatusOK))
	}
	// The hung first attempts are logged once their clients have gone.
	Eventually(func() int { return len(srv.Records()) }, time.Minute).Should(Equal(wantRecords))
	return srv.Records()
}

func attemptsByClient(recs []record.Record) map[string]int {
	n := map[string]int{}
	for _, r := range recs {
		n[r.Client]++
	}
	return n
}

var _ = Describe("hedging against a first attempt that never answers, failsafe-go beside resilience", func() {
	// The first attempt of every client hangs, so a hedge is always sent
	// after the 50ms delay, whatever the machine's speed, and it answers:
	// exactly 2 attempts per logical request, the first cancelled.
	want := map[string]int{}
	for i := range hedgeClients {
		want[fmt.Sprintf("c%d", i)] = 2
	}

	It("failsafe-go's hedge policy sends one hedge per request and cancels the hung attempt", func() {
		policy := hedgepolicy.NewWithDelay[*http.Response](50 * time.Millisecond)
		recs := hedgeRun(func(base http.RoundTripper) http.RoundTripper {
			return failsafehttp.NewRoundTripper(base, policy)
		}, 2*hedgeClients)
		Expect(attemptsByClient(recs)).To(Equal(want))
	})

	It("resilience's hedge sends the same, and counts each hedge sent, won and the hung attempt wasted", func() {
		p, err := resilience.New(resilience.Config{Hedge: &resilience.HedgeConfig{Delay: 50 * time.Millisecond}})
		Expect(err).NotTo(HaveOccurred())
		recs := hedgeRun(func(base http.RoundTripper) http.RoundTripper {
			return &resilience.Transport{Policy: p, Base: base}
		}, 2*hedgeClients)
		Expect(attemptsByClient(recs)).To(Equal(want))
		c := p.Counters()
		Expect([]int64{c.Hedges, c.HedgesWon, c.HedgesWasted}).To(Equal([]int64{hedgeClients, hedgeClients, hedgeClients}))
		for _, r := range recs {
			if r.Phase == "stuck" {
				Expect(r.Attempt).To(Equal(1), "X-Chaos-Attempt: the hung one is the first")
			} else {
				Expect(r.Attempt).To(Equal(2), "and the hedge the second")
			}
		}
	})
})
