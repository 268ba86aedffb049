package faultserver_test

import (
	"errors"
	"fmt"
	"io"
	"net/http"
	"strconv"
	"strings"
	"sync"
	"time"

	. "github.com/onsi/ginkgo/v2"
	. "github.com/onsi/gomega"

	"github.com/chaos-harness/chaos/faultserver"
	"github.com/chaos-harness/chaos/record"
)

// versionScript is script number k: its first 20 requests are in phase
// vK-first, the rest in vK-rest.
func versionScript(k int) string {
	return fmt.Sprintf("phases:\n  - {name: v%d-first, requests: 20}\n  - {name: v%d-rest}\n", k, k)
}

// load sends n requests from workers goroutines with unique request ids and
// returns, by id, the phase each response named. before, when set, runs
// before request i is sent.
func load(base string, n, workers int, before func(i int)) map[string]string {
	tr := &http.Transport{MaxIdleConnsPerHost: workers}
	defer tr.CloseIdleConnections()
	c := &http.Client{Transport: tr, Timeout: 10 * time.Second}
	var mu sync.Mutex
	phases := map[string]string{}
	var wg sync.WaitGroup
	next := make(chan int)
	for w := 0; w < workers; w++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := range next {
				if before != nil {
					before(i)
				}
				id := "r" + strconv.Itoa(i)
				req, _ := http.NewRequest("GET", base+"/", nil)
				req.Header.Set(record.HeaderClient, "w"+strconv.Itoa(w))
				req.Header.Set(record.HeaderRequest, id)
				if resp, err := c.Do(req); err == nil {
					_, _ = io.Copy(io.Discard, resp.Body)
					resp.Body.Close()
					mu.Lock()
					phases[id] = resp.Header.Get(record.HeaderPhase)
					mu.Unlock()
				}
			}
		}()
	}
	for i := 0; i < n; i++ {
		next <- i
	}
	close(next)
	wg.Wait()
	return phases
}

var _ = Describe("the admin API under load", func() {
	It("replaces the script under load without dropping or double-counting a request", func() {
		const n, versions = 3000, 30
		srv := startServer(versionScript(0), faultserver.Options{LogLimit: 2 * n})
		done := make(chan map[string]string, 1)
		go func() {
			defer GinkgoRecover()
			// One worker puts script k in force before request 100k, while
			// the other workers keep sending.
			done <- load(srv.URL(), n, 16, func(i int) {
				if k := i / 100; i%100 == 0 && k >= 1 && k <= versions {
					status, body, _ := adminDo("PUT", srv.URL()+"/_chaos/script", "", versionScript(k))
					Expect(status).To(Equal(200), body)
				}
			})
		}()
		var answered map[string]string
		Eventually(done, 60*time.Second).Should(Receive(&answered))
		Expect(answered).To(HaveLen(n), "every request was answered")

		recs := srv.Records()
		Expect(recs).To(HaveLen(n), "every request is logged once")
		Expect(srv.Stats().Requests).To(Equal(int64(n)))
		perPhase := map[string]int{}
		for _, r := range recs {
			Expect(r.Phase).To(Equal(answered[r.Request]), "the log and the response agree on the phase of %s", r.Request)
			delete(answered, r.Request) // a second Record of the same request would now fail
			perPhase[r.Phase]++
		}
		// Each script counted its own requests exactly: its first phase holds
		// its first 20 (or all it got, if it was replaced sooner).
		used := 0
		for k := 0; k <= versions; k++ {
			first, rest := perPhase[fmt.Sprintf("v%d-first", k)], perPhase[fmt.Sprintf("v%d-rest", k)]
			if first > 0 {
				used++
			}
			if rest > 0 {
				Expect(first).To(Equal(20), "script %d", k)
			} else {
				Expect(first).To(BeNumerically("<=", 20), "script %d", k)
			}
		}
		Expect(used).To(BeNumerically(">", 1), "scripts were replaced while requests ran")
		AddReportEntry("replace under load", fmt.Sprintf("%d requests over %d scripts", n, used))
		sum := int64(0)
		for _, p := range srv.Stats().Phases {
			sum += p.Requests
		}
		Expect(sum).To(Equal(int64(n)))
	})

	It("serves the log to a reader that lags behind, from its offset, with nothing lost or repeated", func() {
		const n = 1500
		srv := startServer("{}\n", faultserver.Options{LogLimit: 2 * n})
		done := make(chan map[string]string, 1)
		go func() { done <- load(srv.URL(), n, 8, nil) }()
		var got []record.Record
		offset, loadDone := int64(0), false
		for rounds := 0; rounds < 100_000 && (!loadDone || offset < n); rounds++ { // bounded
			select {
			case <-done:
				loadDone = true
			default:
			}
			status, body, h := adminDo("GET", srv.URL()+"/_chaos/log?limit=7&offset="+strconv.FormatInt(offset, 10), "", "")
			Expect(status).To(Equal(200))
			Expect(h.Get("X-Chaos-Log-First")).To(Equal(strconv.FormatInt(offset, 10)), "no gap")
			Expect(record.Read(strings.NewReader(body), func(r record.Record) error {
				got = append(got, r)
				return nil
			})).To(Succeed())
			offset, _ = strconv.ParseInt(h.Get("X-Chaos-Log-Next"), 10, 64)
		}
		Expect(got).To(Equal(srv.Records()))
		Expect(got).To(HaveLen(n))
	})
})

var _ = Describe("the admin API's guard", func() {
	It("answers 400 naming the field to a path template with a capture group, where mux would panic", func() {
		srv := startServer("phases: [{fault: {status: 418}}]\n", faultserver.Options{})
		status, body, _ := adminDo("PUT", srv.URL()+"/_chaos/script", "", "routes:\n  - {path: \"/{id:(a)}\"}\n")
		Expect(status).To(Equal(400), body)
		Expect(body).To(ContainSubstring("script:2:"))
		Expect(body).To(ContainSubstring("routes[0].path: invalid path template"))
		resp, _, err := call(freshClient(5*time.Second), "GET", srv.URL()+"/", "c")
		Expect(err).NotTo(HaveOccurred())
		Expect(resp.StatusCode).To(Equal(http.StatusTeapot), "the script in force stays")
	})

	It("refuses hostile scripts at once with 400: a self-containing anchor, nested aliases, a huge body", func() {
		srv := startServer("{}\n", faultserver.Options{})
		laughs := "a: &a [x, x, x, x, x, x, x, x, x, x]\n"
		for c := 'b'; c <= 'j'; c++ {
			prev := string(c - 1)
			laughs += fmt.Sprintf("%c: &%c [%s]\n", c, c, strings.Repeat("*"+prev+", ", 9)+"*"+prev)
		}
		laughs += "phases: [{name: x, mix: *j}]\n"
		for _, script := range []string{"phases: &p [{requests: 1}, *p]\n", laughs,
			"phases: [{fault: {body_size: 99999999999, status: 200}}]\n"} {
			status, body, _ := adminDo("PUT", srv.URL()+"/_chaos/script", "", script)
			Expect(status).To(Equal(400), body)
		}
		status, _, _ := adminDo("PUT", srv.URL()+"/_chaos/script", "", strings.Repeat("#", 2<<20))
		Expect(status).To(Equal(http.StatusRequestEntityTooLarge))
	})

	DescribeTable("refuses to listen beyond loopback without a token, before listening",
		func(addr, adminAddr string) {
			_, err := faultserver.NewStarted(&faultserver.Spec{}, faultserver.Options{Addr: addr,
				Admin: faultserver.AdminOptions{Addr: adminAddr}})
			Expect(errors.Is(err, faultserver.ErrAdminExposed)).To(BeTrue(), "%v", err)
		},
		Entry("every interface", "0.0.0.0:0", ""),
		Entry("an empty host", ":0", ""),
		Entry("IPv6 every interface", "[::]:0", ""),
		Entry("a host name", "example.invalid:0", ""),
		Entry("an admin address of its own", "127.0.0.1:0", "0.0.0.0:0"),
	)

	DescribeTable("knows loopback addresses",
		func(addr string, loopback bool) { Expect(faultserver.IsLoopback(addr)).To(Equal(loopback)) },
		Entry(nil, "127.0.0.1:8080", true),
		Entry(nil, "127.3.4.5:0", true),
		Entry(nil, "[::1]:0", true),
		Entry(nil, "localhost:0", true),
		Entry(nil, "0.0.0.0:0", false),
		Entry(nil, ":8080", false),
		Entry(nil, "10.0.0.1:80", false),
		Entry(nil, "127.0.0.1", false),
	)

	It("accepts only the exact token, with any case of the scheme", func() {
		srv := startServer("{}\n", faultserver.Options{Admin: faultserver.AdminOptions{Token: "s3cret"}})
		try := func(header string) int {
			req, _ := http.NewRequest("GET", srv.URL()+"/_chaos/stats", nil)
			if header != "" {
				req.Header.Set("Authorization", header)
			}
			resp, err := freshClient(5 * time.Second).Do(req)
			Expect(err).NotTo(HaveOccurred())
			resp.Body.Close()
			return resp.StatusCode
		}
		Expect(try("Bearer s3cret")).To(Equal(200))
		Expect(try("bearer s3cret")).To(Equal(200))
		for _, wrong := range []string{"", "Bearer", "Bearer ", "Bearer s3cre", "Bearer s3cret2", "Bearer S3CRET",
			"Basic s3cret", "s3cret", "Bearer  s3cret"} {
			Expect(try(wrong)).To(Equal(401), "%q", wrong)
		}
	})
})
