package faultserver_test

import (
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync/atomic"
	"time"

	. "github.com/onsi/ginkgo/v2"
	. "github.com/onsi/gomega"

	"github.com/chaos-harness/chaos/faultserver"
	"github.com/chaos-harness/chaos/record"
)

var _ = Describe("proxy mode", func() {
	var upstream *httptest.Server
	var hits atomic.Int64
	BeforeEach(func() {
		hits.Store(0)
		upstream = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			hits.Add(1)
			body, _ := io.ReadAll(r.Body)
			w.Header().Set("X-Echo-Method", r.Method)
			w.Header().Set("X-Echo-Header", r.Header.Get("X-Custom"))
			w.Header().Set("X-Echo-Path", r.URL.RequestURI())
			w.WriteHeader(http.StatusCreated)
			_, _ = w.Write(body)
		}))
		DeferCleanup(upstream.Close)
	})

	It("forwards requests that draw no fault with method, headers and body intact", func() {
		srv := startServer(`
routes: [{path: /broken, phases: [{fault: {status: 503}}]}]
phases: [{requests: 1, fault: {delay: 20ms}}, {}]
`, faultserver.Options{Upstream: upstream.URL})
		c := freshClient(5 * time.Second)
		for i := 0; i < 2; i++ {
			req, _ := http.NewRequest("PATCH", srv.URL()+"/api/items/7?x=1", strings.NewReader("payload"))
			req.Header.Set("X-Custom", "kept")
			resp, err := c.Do(req)
			Expect(err).NotTo(HaveOccurred())
			body, _ := io.ReadAll(resp.Body)
			resp.Body.Close()
			Expect(resp.StatusCode).To(Equal(201))
			Expect(string(body)).To(Equal("payload"))
			Expect(resp.Header.Get("X-Echo-Method")).To(Equal("PATCH"))
			Expect(resp.Header.Get("X-Echo-Header")).To(Equal("kept"))
			Expect(resp.Header.Get("X-Echo-Path")).To(Equal("/api/items/7?x=1"))
			if i == 0 {
				Expect(resp.Header.Get(record.HeaderFault)).To(Equal("delay"))
			}
		}
		resp, _, err := call(c, "GET", srv.URL()+"/broken", "a")
		Expect(err).NotTo(HaveOccurred())
		Expect(resp.StatusCode).To(Equal(503))
		Expect(hits.Load()).To(Equal(int64(2)), "a fault is not forwarded")
		recs := waitRecords(srv, 3)
		Expect(recs[0].Status).To(Equal(201))
	})

	It("answers 502 when the upstream is down", func() {
		down := httptest.NewServer(http.NotFoundHandler())
		down.Close()
		srv := startServer("{}\n", faultserver.Options{Upstream: down.URL})
		resp, _, err := call(freshClient(5*time.Second), "GET", srv.URL()+"/", "a")
		Expect(err).NotTo(HaveOccurred())
		Expect(resp.StatusCode).To(Equal(502))
	})

	It("refuses an upstream that is not an http URL", func() {
		_, err := faultserver.New(&faultserver.Spec{}, faultserver.Options{Upstream: "ftp://x"})
		Expect(err).To(MatchError(ContainSubstring("not an http")))
	})
})
