package faultserver_test

import (
	"io"
	"net/http"
	"net/http/httptest"
	"net/http/httptrace"
	"net/textproto"
	"strings"
	"sync/atomic"
	"time"

	. "github.com/onsi/ginkgo/v2"
	. "github.com/onsi/gomega"

	"github.com/chaos-harness/chaos/analysis"
	"github.com/chaos-harness/chaos/faultserver"
	"github.com/chaos-harness/chaos/resilience"
)

// proxyTo starts a fault server with no fault in front of upstream, its wall
// clock fixed at now when now is not zero.
func proxyTo(upstream http.Handler, now time.Time) *faultserver.Server {
	up := httptest.NewServer(upstream)
	DeferCleanup(up.Close)
	return startAt("{}\n", faultserver.Options{Upstream: up.URL}, now)
}

// startAt is startServer with the server's clock stopped at now (a
// resilience.VirtualClock nothing advances), unless now is zero.
func startAt(src string, opts faultserver.Options, now time.Time) *faultserver.Server {
	GinkgoHelper()
	spec, _, err := faultserver.ParseScript("test.yaml", []byte(src))
	Expect(err).NotTo(HaveOccurred())
	if !now.IsZero() {
		opts.Clock = resilience.NewVirtualClock(now)
	}
	srv, err := faultserver.New(spec, opts)
	Expect(err).NotTo(HaveOccurred())
	_, err = srv.Start()
	Expect(err).NotTo(HaveOccurred())
	DeferCleanup(srv.Close)
	return srv
}

// expectContinue POSTs a body with Expect: 100-continue, waiting for the 100
// before sending it, and returns how many 1xx responses came, the final
// status and the body.
func expectContinue(url string) (int32, int, string) {
	GinkgoHelper()
	tr := &http.Transport{DisableKeepAlives: true, ExpectContinueTimeout: 5 * time.Second}
	DeferCleanup(tr.CloseIdleConnections)
	req, err := http.NewRequest("POST", url+"/api/orders", strings.NewReader(`{"item": 7}`))
	Expect(err).NotTo(HaveOccurred())
	req.Header.Set("Expect", "100-continue")
	var informational atomic.Int32
	req = req.WithContext(httptrace.WithClientTrace(req.Context(), &httptrace.ClientTrace{
		Got1xxResponse: func(int, textproto.MIMEHeader) error {
			informational.Add(1)
			return nil
		},
	}))
	resp, err := (&http.Client{Transport: tr, Timeout: 10 * time.Second}).Do(req)
	Expect(err).NotTo(HaveOccurred())
	defer resp.Body.Close()
	body, err := io.ReadAll(resp.Body)
	Expect(err).NotTo(HaveOccurred())
	return informational.Load(), resp.StatusCode, string(body)
}

var _ = Describe("proxy mode logs what the client got", func() {
	It("logs the final status of an Expect: 100-continue request, not the 100", func() {
		// The upstream reads the body, so Go's server sends it 100 Continue,
		// which the proxy forwards; then it answers 500.
		srv := proxyTo(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			_, _ = io.ReadAll(r.Body)
			http.Error(w, "upstream broke", http.StatusInternalServerError)
		}), time.Time{})
		continues, status, body := expectContinue(srv.URL())
		Expect(status).To(Equal(500))
		Expect(continues).To(Equal(int32(1)), "one 100 Continue")

		rec := waitRecords(srv, 1)[0]
		Expect(rec.Status).To(Equal(500))
		Expect(rec.BodyBytes).To(Equal(int64(len(body)))) // "upstream broke\n", 15 bytes
		Expect(rec.Incomplete).To(BeFalse())
		Expect(analysis.Succeeded(rec)).To(BeFalse())
	})

	It("logs the upstream's Retry-After in delta-seconds", func() {
		srv := proxyTo(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			w.Header().Set("Retry-After", "3")
			w.WriteHeader(http.StatusTooManyRequests)
		}), time.Time{})
		resp, _, err := call(freshClient(5*time.Second), "GET", srv.URL()+"/", "c1")
		Expect(err).NotTo(HaveOccurred())
		Expect(resp.Header.Get("Retry-After")).To(Equal("3"))
		rec := waitRecords(srv, 1)[0]
		Expect(rec.Status).To(Equal(429))
		Expect(rec.RetryAfterMs).To(Equal(3000.0))
	})

	It("logs the upstream's Retry-After as an HTTP-date as the wait from the server's clock", func() {
		// The server's clock reads 12:00:00.250; the upstream asks until
		// 12:00:05: a wait of 4750 ms.
		now := time.Date(2026, 12, 1, 12, 0, 0, 250e6, time.UTC)
		srv := proxyTo(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			w.Header().Set("Retry-After", "Tue, 01 Dec 2026 12:00:05 GMT")
			w.WriteHeader(http.StatusServiceUnavailable)
		}), now)
		_, _, err := call(freshClient(5*time.Second), "GET", srv.URL()+"/", "c1")
		Expect(err).NotTo(HaveOccurred())
		rec := waitRecords(srv, 1)[0]
		Expect(rec.Status).To(Equal(503))
		Expect(rec.RetryAfterMs).To(Equal(4750.0))
	})

	It("says a proxied body the client abandons is incomplete, and not a success", func() {
		// The upstream streams 10 bytes every 10 ms for up to 10 s; the
		// client gives up after 200 ms, long before the end.
		srv := proxyTo(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			rc := http.NewResponseController(w)
			for range 1000 {
				if _, err := w.Write([]byte("0123456789")); err != nil || rc.Flush() != nil {
					return
				}
				select {
				case <-r.Context().Done():
					return
				case <-time.After(10 * time.Millisecond):
				}
			}
		}), time.Time{})
		_, body, err := call(freshClient(200*time.Millisecond), "GET", srv.URL()+"/", "c1")
		Expect(isTimeout(err)).To(BeTrue(), "%v", err)
		Expect(len(body)).To(BeNumerically("<", 10000))
		rec := waitRecords(srv, 1)[0]
		Expect(rec.Status).To(Equal(200))
		Expect(rec.Incomplete).To(BeTrue())
		Expect(rec.BodyBytes).To(BeNumerically("<", 10000))
		Expect(analysis.Succeeded(rec)).To(BeFalse())
	})
})
