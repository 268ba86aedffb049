package goclient_test

import (
	"context"
	"fmt"
	"sync"
	"time"

	. "github.com/onsi/ginkgo/v2"
	. "github.com/onsi/gomega"

	"github.com/chaos-harness/chaos/chaostest"
	"github.com/chaos-harness/chaos/examples/goclient"
	"github.com/chaos-harness/chaos/resilience"
)

// The fault server answers like the orders API when it injects nothing.
const orderAPI = `
response: {body: '{"id": "7", "status": "shipped"}', headers: {Content-Type: application/json}}
per: client
`

// fetch runs clients concurrently, each fetching order 7 requests times
// with think between, and returns how many fetches failed.
func fetch(url string, cfg resilience.Config, clients, requests int, think time.Duration) int {
	var failed sync.Map
	var wg sync.WaitGroup
	for i := range clients {
		c, err := goclient.New(url, fmt.Sprintf("orders-%d", i), cfg, uint64(i))
		Expect(err).NotTo(HaveOccurred())
		wg.Go(func() {
			for n := range requests {
				if _, err := c.Order(context.Background(), "7"); err != nil {
					failed.Store(fmt.Sprint(i, n), err)
				}
				time.Sleep(think)
			}
		})
	}
	wg.Wait()
	n := 0
	failed.Range(func(any, any) bool { n++; return true })
	return n
}

var _ = Describe("the orders client under scripted faults", func() {
	It("waits as long as a 429 asks", func() {
		srv := chaostest.NewServer(GinkgoT(), orderAPI+`
phases:
  - {requests: 1, fault: {status: 429, retry_after: 1s}}
  - {name: served}
`)
		Expect(fetch(srv.URL, goclient.DefaultPolicy(), 3, 2, 0)).To(BeZero())

		Expect(srv).To(chaostest.HonourRetryAfter())
		Expect(srv).To(chaostest.HaveSuccessRate(BeNumerically("==", 1)))
	})

	It("takes a 404 for an answer", func() {
		srv := chaostest.NewServer(GinkgoT(), orderAPI+`
phases:
  - {requests: 1, fault: {status: 404}}
  - {name: served}
`)
		Expect(fetch(srv.URL, goclient.DefaultPolicy(), 2, 2, 0)).To(Equal(2))

		Expect(srv).To(chaostest.NotRetry(400, 404))
	})

	It("rides out failing attempts without a retry storm or a herd", func() {
		srv := chaostest.NewServer(GinkgoT(), orderAPI+`
phases:
  - {name: failing, requests: 2, fault: {status: 503}}
  - {name: served}
`)
		Expect(fetch(srv.URL, goclient.DefaultPolicy(), 16, 3, 0)).To(BeZero())

		Expect(srv).To(chaostest.HaveSuccessRate(BeNumerically(">=", 0.99)))
		Expect(srv).To(chaostest.HaveAttemptsPerRequest(BeNumerically("<=", 3)))
		Expect(srv).To(chaostest.HaveAmplification(BeNumerically("<=", 2)))
		// Full jitter over 100ms spreads the first retry by about 29ms.
		Expect(srv).To(chaostest.SpreadRetries(10 * time.Millisecond))
		// Any figure of result.json, by its path: the failing phase served
		// each of the 16 clients its two 503s, 32 in all.
		Expect(srv).To(chaostest.HaveMetric("faults.status", BeNumerically("==", 32)))
	})

	It("opens its breaker in a long outage instead of hammering the server", func() {
		srv := chaostest.NewServer(GinkgoT(), orderAPI+`
phases:
  - {name: outage, requests: 5, fault: {status: 503}}
  - {name: served}
`)
		cfg := goclient.DefaultPolicy()
		cfg.Breaker.Open = time.Second
		// The first fetch fails five times and gives up; the breaker refuses
		// the fetches of the next second without sending them.
		Expect(fetch(srv.URL, cfg, 2, 30, 50*time.Millisecond)).To(BeNumerically(">=", 2))

		Expect(srv).To(chaostest.OpenBreaker(5, 900*time.Millisecond))
	})
})
