package realclients_test

import (
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"time"

	"github.com/hashicorp/go-retryablehttp"
	. "github.com/onsi/ginkgo/v2"
	. "github.com/onsi/gomega"

	"github.com/chaos-harness/chaos/analysis"
	"github.com/chaos-harness/chaos/chaostest"
	"github.com/chaos-harness/chaos/faultserver"
	"github.com/chaos-harness/chaos/record"
)

// go-retryablehttp retries a request that met a connection error or a 5xx
// whatever its method, POST included, re-sending its body: the client that
// turns a lost acknowledgement into a second order.
var _ = Describe("go-retryablehttp behind a fault after the work (after_upstream)", func() {
	It("makes the upstream do each request's work twice, which duplicate_effects counts", func() {
		// The upstream: a real service on 127.0.0.1 that creates an order
		// per request.
		var mu sync.Mutex
		orders := map[string]int{}
		upstream := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			body, _ := io.ReadAll(r.Body)
			mu.Lock()
			orders[string(body)]++
			mu.Unlock()
			w.WriteHeader(http.StatusCreated)
		}))
		DeferCleanup(upstream.Close)

		// Each client's first request reaches the upstream, and the client
		// gets a reset (c1 to c3) or a 503 (c4) instead of the 201; its
		// retry is forwarded and answered.
		spec, _, err := faultserver.ParseScript("lost-ack.yaml", []byte(`
per: client
phases:
  - {name: lost-ack, requests: 1, fault: {reset: true, after_upstream: true}}
  - {name: forwarded}
routes:
  - path: /api/refunds
    per: client
    phases:
      - {name: lost-ack-503, requests: 1, fault: {status: 503, after_upstream: true}}
      - {name: forwarded}
`))
		Expect(err).NotTo(HaveOccurred())
		srv, err := faultserver.NewStarted(spec, faultserver.Options{Upstream: upstream.URL})
		Expect(err).NotTo(HaveOccurred())
		DeferCleanup(srv.Close)

		// One logical request each, named on the wire (retryablehttp keeps
		// the headers on every retry):
		//   c1 POST /api/orders, no Idempotency-Key  -> 2 effects, unsafe
		//   c2 PATCH /api/orders, no key             -> 2 effects, unsafe
		//   c3 POST /api/orders, Idempotency-Key     -> 2 effects, safe
		//   c4 PUT /api/refunds, no key (idempotent) -> 2 effects, safe
		// duplicate_effects = 4, unsafe_duplicate_effects = 2.
		type call struct {
			client, method, path string
			key                  bool
		}
		calls := []call{{"c1", "POST", "/api/orders", false}, {"c2", "PATCH", "/api/orders", false},
			{"c3", "POST", "/api/orders", true}, {"c4", "PUT", "/api/refunds", false}}
		for _, c := range calls {
			rc := retryablehttp.NewClient()
			rc.Logger = nil
			rc.RetryMax, rc.RetryWaitMin, rc.RetryWaitMax = 3, 10*time.Millisecond, 50*time.Millisecond
			rc.HTTPClient.Timeout = 10 * time.Second
			req, err := retryablehttp.NewRequest(c.method, srv.URL()+c.path, strings.NewReader("order-"+c.client))
			Expect(err).NotTo(HaveOccurred())
			req.Header.Set(record.HeaderClient, c.client)
			req.Header.Set(record.HeaderRequest, c.client+"/1")
			if c.key {
				req.Header.Set("Idempotency-Key", "key-"+c.client)
			}
			resp, err := rc.Do(req)
			Expect(err).NotTo(HaveOccurred(), c.client)
			_, _ = io.Copy(io.Discard, resp.Body)
			resp.Body.Close()
			Expect(resp.StatusCode).To(Equal(http.StatusCreated), "%s: its retry got the upstream's answer", c.client)
		}

		mu.Lock()
		Expect(orders).To(Equal(map[string]int{"order-c1": 2, "order-c2": 2, "order-c3": 2, "order-c4": 2}),
			"every request's work was done twice")
		mu.Unlock()

		records := srv.Records()
		Expect(records).To(HaveLen(8))
		for _, r := range records {
			Expect(r.UpstreamStatus).To(Equal(http.StatusCreated), "every attempt reached the upstream: %+v", r)
		}
		res, err := analysis.AnalyzeRecords(analysis.Options{}, records)
		Expect(err).NotTo(HaveOccurred())
		p, ok := res.Policy(analysis.DefaultPolicyName)
		Expect(ok).To(BeTrue())
		Expect(p.LogicalRequests).To(Equal(4))
		Expect(p.Succeeded).To(Equal(4), "each retry succeeded: the client never learnt of the duplicate")
		Expect(p.DuplicateEffects).To(HaveValue(Equal(4)))
		Expect(p.UnsafeDuplicateEffects).To(HaveValue(Equal(2)))
		Expect(records).To(chaostest.HaveMetric("unsafe_duplicate_effects", Equal(2.0)))
	})
})
