package faultserver_test

import (
	"bytes"
	"fmt"
	"net/http"
	"net/http/httptest"
	"strconv"
	"sync"
	"time"

	. "github.com/onsi/ginkgo/v2"
	. "github.com/onsi/gomega"

	"github.com/chaos-harness/chaos/faultserver"
	"github.com/chaos-harness/chaos/record"
)

// statuses sends n GETs as client and returns the status of each (0 for a
// transport error).
func statuses(c *http.Client, url, client string, n int) []int {
	out := make([]int, n)
	for i := range out {
		if resp, _, err := call(c, "GET", url, client); err == nil {
			out[i] = resp.StatusCode
		}
	}
	return out
}

var _ = Describe("the script on the live server", func() {
	var c *http.Client
	BeforeEach(func() { c = freshClient(5 * time.Second) })

	It("switches count phases where scripted", func() {
		srv := startServer("phases:\n  - {name: down, requests: 3, fault: {status: 503}}\n  - {name: up}\n", faultserver.Options{})
		Expect(statuses(c, srv.URL()+"/", "a", 5)).To(Equal([]int{503, 503, 503, 200, 200}))
		recs := waitRecords(srv, 5)
		Expect(recs[2].Phase).To(Equal("down"))
		Expect(recs[3].Phase).To(Equal("up"))
	})

	It("switches time phases where scripted, timed from server start", func() {
		srv := startServer("phases:\n  - {name: down, duration: 1s, fault: {status: 503}}\n  - {name: up}\n", faultserver.Options{})
		// Requests sent within the first phase get 503 until it ends; after it, 200.
		Expect(statuses(c, srv.URL()+"/", "a", 1)).To(Equal([]int{503}))
		Eventually(func() []int { return statuses(c, srv.URL()+"/", "a", 1) }, 5*time.Second, 20*time.Millisecond).
			Should(Equal([]int{200}))
		for _, r := range srv.Records() {
			if r.Phase == "down" {
				Expect(r.TMs).To(BeNumerically("<", 1000))
			} else {
				Expect(r.TMs).To(BeNumerically(">=", 1000))
			}
		}
	})

	It("runs each client's own phases under per: client", func() {
		srv := startServer("per: client\nphases:\n  - {requests: 2, fault: {status: 503}}\n  - {}\n", faultserver.Options{})
		Expect(statuses(c, srv.URL()+"/", "a", 3)).To(Equal([]int{503, 503, 200}))
		Expect(statuses(c, srv.URL()+"/", "b", 3)).To(Equal([]int{503, 503, 200}))
		Expect(statuses(c, srv.URL()+"/", "a", 1)).To(Equal([]int{200}))
	})

	It("gives the same fault sequence from the same seed, whatever other clients do", func() {
		src := "phases:\n  - mix: [{weight: 1}, {weight: 1, fault: {status: 503}}, {weight: 1, fault: {status: 429}}]\n"
		run := func(seed uint64, noise bool) []int {
			srv := startServer(src, faultserver.Options{Seed: seed})
			var wg sync.WaitGroup
			if noise {
				for n := 0; n < 4; n++ {
					wg.Add(1)
					go func() {
						defer wg.Done()
						statuses(freshClient(5*time.Second), srv.URL()+"/", "noise"+strconv.Itoa(n), 20)
					}()
				}
			}
			got := statuses(c, srv.URL()+"/", "me", 30)
			wg.Wait()
			return got
		}
		first := run(9, false)
		Expect(first).To(ContainElements(200, 503, 429))
		Expect(run(9, true)).To(Equal(first))
		Expect(run(10, false)).NotTo(Equal(first))
	})

	It("records identity headers, and keys a client without them by IP and User-Agent", func() {
		srv := startServer("{}\n", faultserver.Options{})
		req, _ := http.NewRequest("GET", srv.URL()+"/api/x?q=1", nil)
		req.Header.Set(record.HeaderClient, "c17")
		req.Header.Set(record.HeaderRequest, "c17/3")
		req.Header.Set(record.HeaderAttempt, "2")
		resp, err := c.Do(req)
		Expect(err).NotTo(HaveOccurred())
		resp.Body.Close()
		req, _ = http.NewRequest("POST", srv.URL()+"/api/y", nil)
		req.Header.Set("User-Agent", "curl/8")
		resp, err = c.Do(req)
		Expect(err).NotTo(HaveOccurred())
		resp.Body.Close()
		recs := waitRecords(srv, 2)
		Expect(recs[0]).To(MatchFields(recs[0], "c17", "c17/3", 2, "GET", "/api/x"))
		Expect(recs[1]).To(MatchFields(recs[1], "127.0.0.1 curl/8", "", 0, "POST", "/api/y"))
	})

	It("keys each client without X-Chaos-Client by its own IP and User-Agent, however their requests interleave", func() {
		srv := startServer("{}\n", faultserver.Options{})
		h := srv.Handler()
		sent := []struct{ remote, agent, key string }{
			{"192.0.2.1:1000", "a/1", "192.0.2.1 a/1"},
			{"192.0.2.1:1001", "a/1", "192.0.2.1 a/1"},
			{"192.0.2.1:1000", "b/2", "192.0.2.1 b/2"},
			{"192.0.2.2:1000", "b/2", "192.0.2.2 b/2"},
			{"192.0.2.1:1000", "a/1", "192.0.2.1 a/1"},
			{"192.0.2.1:1000", "", "192.0.2.1 "},
			{"[2001:db8::1]:443", "a/1", "2001:db8::1 a/1"},
			{"no-port", "a/1", "no-port a/1"},
		}
		for _, r := range sent {
			req := httptest.NewRequest("GET", "/k", nil)
			req.RemoteAddr = r.remote
			req.Header.Del("User-Agent")
			if r.agent != "" {
				req.Header.Set("User-Agent", r.agent)
			}
			h.ServeHTTP(httptest.NewRecorder(), req)
		}
		recs := waitRecords(srv, len(sent))
		for i, r := range sent {
			Expect(recs[i].Client).To(Equal(r.key), "request %d", i)
		}
	})

	It("logs a Record at accept time and streams every one as a JSON line", func() {
		var buf syncBuffer
		srv := startServer("phases: [{requests: 2, fault: {delay: 100ms}}, {}]\n", faultserver.Options{Log: &buf})
		var wg sync.WaitGroup
		for i := 0; i < 4; i++ {
			wg.Add(1)
			go func() {
				defer wg.Done()
				defer GinkgoRecover()
				_, _, err := call(freshClient(5*time.Second), "GET", srv.URL()+"/", "c"+strconv.Itoa(i))
				Expect(err).NotTo(HaveOccurred())
			}()
		}
		wg.Wait()
		Expect(srv.Close()).To(Succeed())
		var streamed []record.Record
		Expect(record.Read(bytes.NewReader(buf.Bytes()), func(r record.Record) error {
			streamed = append(streamed, r)
			return nil
		})).To(Succeed())
		Expect(streamed).To(Equal(srv.Records()))
		Expect(streamed).To(HaveLen(4))
		for _, r := range streamed {
			if r.Fault == "delay" {
				Expect(r.LatencyMs).To(BeNumerically(">=", 100), "latency runs from acceptance, before the delay")
			}
		}
	})

	It("keeps only the last LogLimit Records in memory", func() {
		srv := startServer("{}\n", faultserver.Options{LogLimit: 3})
		for i := 1; i <= 7; i++ {
			statuses(c, srv.URL()+"/"+strconv.Itoa(i), "a", 1)
		}
		Eventually(srv.Stats).Should(HaveField("Requests", int64(7)))
		Expect(srv.Records()).To(HaveExactElements(HaveField("Path", "/5"), HaveField("Path", "/6"), HaveField("Path", "/7")))
	})

	It("serves the versioned row: stale writes get 409", func() {
		srv := startServer("row: {path: /row}\n", faultserver.Options{})
		read := func() string {
			resp, body, err := call(c, "GET", srv.URL()+"/row", "r")
			Expect(err).NotTo(HaveOccurred())
			Expect(body).To(MatchJSON(fmt.Sprintf(`{"version": %s}`, resp.Header.Get(record.HeaderVersion))))
			return resp.Header.Get("ETag")
		}
		write := func(etag string) int {
			req, _ := http.NewRequest("PUT", srv.URL()+"/row", nil)
			if etag != "" {
				req.Header.Set("If-Match", etag)
			}
			resp, err := c.Do(req)
			Expect(err).NotTo(HaveOccurred())
			resp.Body.Close()
			return resp.StatusCode
		}
		a, b := read(), read()
		Expect(a).To(Equal(`"1"`))
		Expect(write(a)).To(Equal(200))
		Expect(write(b)).To(Equal(409))
		Expect(write("")).To(Equal(428))
		Expect(read()).To(Equal(`"2"`))
	})
})

// MatchFields checks the identity fields of a Record.
func MatchFields(_ record.Record, client, request string, attempt int, method, path string) OmegaMatcher {
	return And(HaveField("Client", client), HaveField("Request", request), HaveField("Attempt", attempt),
		HaveField("Method", method), HaveField("Path", path))
}

// syncBuffer is a bytes.Buffer safe for a writer and a reader at once.
type syncBuffer struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func (b *syncBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.Write(p)
}

func (b *syncBuffer) Bytes() []byte {
	b.mu.Lock()
	defer b.mu.Unlock()
	return append([]byte(nil), b.buf.Bytes()...)
}
