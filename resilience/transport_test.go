package resilience_test

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"runtime"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	. "github.com/onsi/ginkgo/v2"
	. "github.com/onsi/gomega"

	"github.com/chaos-harness/chaos/resilience"
)

// seen is what the test server recorded of one request.
type seen struct {
	attempt, client, body string
}

// server is an httptest server on 127.0.0.1 whose handler answers the n-th
// request (from 1) with respond(n, w, r) and records what it saw.
type server struct {
	*httptest.Server
	mu    sync.Mutex
	seen  []seen
	conns atomic.Int32
}

func newServer(respond func(n int, w http.ResponseWriter, r *http.Request)) *server {
	s := &server{}
	s.Server = httptest.NewUnstartedServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		body, _ := io.ReadAll(r.Body)
		s.mu.Lock()
		s.seen = append(s.seen, seen{r.Header.Get("X-Chaos-Attempt"), r.Header.Get("X-Chaos-Client"), string(body)})
		n := len(s.seen)
		s.mu.Unlock()
		respond(n, w, r)
	}))
	s.Config.ConnState = func(_ net.Conn, st http.ConnState) {
		if st == http.StateNew {
			s.conns.Add(1)
		}
	}
	s.Start()
	return s
}

func (s *server) requests() []seen {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]seen(nil), s.seen...)
}

// hijack takes the raw connection to misbehave on it.
func hijack(w http.ResponseWriter) net.Conn {
	conn, _, err := http.NewResponseController(w).Hijack()
	Expect(err).NotTo(HaveOccurred())
	return conn
}

func clientFor(p *resilience.Policy, base *http.Transport, mod ...func(*resilience.Transport)) *http.Client {
	t := &resilience.Transport{Policy: p, Base: base}
	for _, m := range mod {
		m(t)
	}
	return &http.Client{Transport: t}
}

func newBase() *http.Transport {
	return &http.Transport{MaxIdleConnsPerHost: 4, DisableCompression: true}
}

var _ = Describe("Transport over a real loopback server", func() {
	var clock *resilience.VirtualClock
	var base *http.Transport
	BeforeEach(func() {
		clock = resilience.NewVirtualClock(epoch)
		base = newBase()
		DeferCleanup(base.CloseIdleConnections)
	})

	policy := func(cfg resilience.Config) *resilience.Policy {
		return mustPolicy(cfg, resilience.WithClock(clock))
	}

	It("re-sends the body on every attempt, numbers attempts and leaves the caller's headers alone", func() {
		srv := newServer(func(n int, w http.ResponseWriter, _ *http.Request) {
			if n < 3 {
				w.WriteHeader(http.StatusServiceUnavailable)
				return
			}
			fmt.Fprint(w, "created")
		})
		defer srv.Close()
		clock.SetAutoAdvance(true)
		c := clientFor(policy(resilience.Config{Retry: constantRetry(3, 10*time.Millisecond)}), base)
		req, _ := http.NewRequest(http.MethodPost, srv.URL+"/orders", strings.NewReader(`{"sku":"A1"}`))
		req.Header.Set("Idempotency-Key", "k-1")
		req.Header.Set("X-Chaos-Client", "c17")
		resp, err := c.Do(req)
		Expect(err).NotTo(HaveOccurred())
		body, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		Expect(string(body)).To(Equal("created"))
		Expect(srv.requests()).To(Equal([]seen{
			{"1", "c17", `{"sku":"A1"}`}, {"2", "c17", `{"sku":"A1"}`}, {"3", "c17", `{"sku":"A1"}`},
		}))
		Expect(req.Header.Get("X-Chaos-Attempt")).To(BeEmpty()) // the caller's request is not modified
	})

	It("reuses connections and leaks no goroutines over 1,000 retried calls", func() {
		srv := newServer(func(n int, w http.ResponseWriter, _ *http.Request) {
			if n%2 == 1 {
				w.Header().Set("Retry-After", "0")
				w.WriteHeader(http.StatusServiceUnavailable)
				fmt.Fprint(w, strings.Repeat("x", 2048)) // a body that must be drained for reuse
				return
			}
			fmt.Fprint(w, "ok")
		})
		defer srv.Close()
		before := runtime.NumGoroutine()
		clock.SetAutoAdvance(true)
		p := policy(resilience.Config{Retry: constantRetry(2, time.Millisecond)})
		c := clientFor(p, base)
		for range 1000 {
			resp, err := c.Get(srv.URL)
			Expect(err).NotTo(HaveOccurred())
			Expect(resp.StatusCode).To(Equal(200))
			_, _ = io.Copy(io.Discard, resp.Body)
			resp.Body.Close()
		}
		Expect(p.Counters().Retries).To(Equal(int64(1000)))
		// 2,000 sequential attempts. Had a retried response's body not been
		// drained, each retry would dial anew: over 1,000 connections. With
		// it drained, one connection serves them all, except that net/http
		// returns a connection to its idle pool a moment after the body's
		// EOF, on its own goroutine: an attempt sent within that moment (a
		// loaded machine stretches it) dials a second one. Once both are
		// pooled, one is always idle for the next sequential attempt, so
		// there are never more than two: that bound, not "exactly one", is
		// what does not depend on the scheduler.
		Expect(srv.conns.Load()).To(BeNumerically("<=", 2))
		base.CloseIdleConnections()
		Eventually(runtime.NumGoroutine).WithTimeout(5 * time.Second).Should(BeNumerically("<=", before))
	})

	It("honours Retry-After to the millisecond on the virtual clock, as seconds and as a date", func() {
		srv := newServer(func(n int, w http.ResponseWriter, _ *http.Request) {
			switch n {
			case 1:
				w.Header().Set("Retry-After", "2")
				w.WriteHeader(http.StatusTooManyRequests)
			case 2:
				w.Header().Set("Retry-After", clock.Now().Add(3*time.Second).Format(http.TimeFormat))
				w.WriteHeader(http.StatusServiceUnavailable)
			default:
				fmt.Fprint(w, "ok")
			}
		})
		defer srv.Close()
		c := clientFor(policy(resilience.Config{Retry: constantRetry(3, 100*time.Millisecond)}), base)
		done := make(chan *http.Response, 1)
		go func() {
			defer GinkgoRecover()
			resp, err := c.Get(srv.URL)
			Expect(err).NotTo(HaveOccurred())
			done <- resp
		}()
		Expect(clock.WaitForSleepers(context.Background(), 1)).To(Succeed())
		Expect(clock.Sleepers()).To(Equal([]time.Duration{2 * time.Second}))
		clock.Advance(2 * time.Second)
		Eventually(clock.Sleepers).Should(Equal([]time.Duration{3 * time.Second}))
		clock.Advance(3 * time.Second)
		var resp *http.Response
		Eventually(done).Should(Receive(&resp))
		resp.Body.Close()
		Expect(resp.StatusCode).To(Equal(200))
		Expect(clock.Now().Sub(epoch)).To(Equal(5 * time.Second))
	})

	It("fails fast, carrying the asked delay, when Retry-After exceeds the maximum", func() {
		srv := newServer(func(_ int, w http.ResponseWriter, _ *http.Request) {
			w.Header().Set("Retry-After", "3600")
			w.WriteHeader(http.StatusServiceUnavailable)
		})
		defer srv.Close()
		r := constantRetry(3, 100*time.Millisecond)
		r.RetryAfterMax = 30 * time.Second
		c := clientFor(policy(resilience.Config{Retry: r}), base)
		_, err := c.Get(srv.URL)
		var ra *resilience.RetryAfterError
		Expect(errors.As(err, &ra)).To(BeTrue())
		Expect(ra.Asked).To(Equal(time.Hour))
		Expect(srv.requests()).To(HaveLen(1))
		Expect(clock.Now()).To(Equal(epoch))
	})

	It("returns the last failing response, readable, once retries are exhausted", func() {
		srv := newServer(func(n int, w http.ResponseWriter, _ *http.Request) {
			w.WriteHeader(http.StatusBadGateway)
			fmt.Fprintf(w, "failure %d", n)
		})
		defer srv.Close()
		clock.SetAutoAdvance(true)
		c := clientFor(policy(resilience.Config{Retry: constantRetry(2, time.Millisecond)}), base)
		resp, err := c.Get(srv.URL)
		Expect(err).NotTo(HaveOccurred())
		body, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		Expect(resp.StatusCode).To(Equal(502))
		Expect(string(body)).To(Equal("failure 3"))
	})

	DescribeTable("retries network failures that a real server causes",
		func(misbehave func(w http.ResponseWriter), readBody bool) {
			srv := newServer(func(n int, w http.ResponseWriter, _ *http.Request) {
				if n == 1 {
					misbehave(w)
					return
				}
				fmt.Fprint(w, "ok")
			})
			defer srv.Close()
			clock.SetAutoAdvance(true)
			c := clientFor(policy(resilience.Config{Retry: constantRetry(2, time.Millisecond)}), base,
				func(t *resilience.Transport) { t.ReadBody = readBody })
			resp, err := c.Get(srv.URL)
			Expect(err).NotTo(HaveOccurred())
			body, _ := io.ReadAll(resp.Body)
			resp.Body.Close()
			Expect(string(body)).To(Equal("ok"))
			Expect(srv.requests()).To(HaveLen(2))
		},
		Entry("a TCP reset", func(w http.ResponseWriter) {
			conn := hijack(w)
			_ = conn.(*net.TCPConn).SetLinger(0)
			conn.Close()
		}, false),
		Entry("a close with no response", func(w http.ResponseWriter) { hijack(w).Close() }, false),
		Entry("bytes that are not HTTP", func(w http.ResponseWriter) {
			conn := hijack(w)
			fmt.Fprint(conn, "this is not http\r\n\r\n")
			conn.Close()
		}, false),
		Entry("a truncated body, read within the attempt", func(w http.ResponseWriter) {
			w.Header().Set("Content-Length", "100")
			fmt.Fprint(w, "only ten b")
		}, true),
	)

	It("times out a hung attempt on a real clock and retries", func() {
		srv := newServer(func(n int, w http.ResponseWriter, r *http.Request) {
			if n == 1 {
				<-r.Context().Done() // hang until the client gives up on the attempt
				return
			}
			fmt.Fprint(w, "ok")
		})
		defer srv.Close()
		p := mustPolicy(resilience.Config{Retry: constantRetry(2, time.Millisecond),
			Timeout: &resilience.TimeoutConfig{Attempt: 50 * time.Millisecond}})
		var kinds []resilience.AttemptClass
		p2 := mustPolicy(p.Config(), resilience.WithObserver(resilience.ObserverFunc(func(e resilience.Event) {
			if e.Kind == resilience.EventAttemptFailed {
				kinds = append(kinds, e.Outcome)
			}
		})))
		resp, err := clientFor(p2, base).Get(srv.URL)
		Expect(err).NotTo(HaveOccurred())
		resp.Body.Close()
		Expect(kinds).To(Equal([]resilience.AttemptClass{resilience.ClassTimeout}))
	})

	It("does not retry a POST without an Idempotency-Key, nor a body it cannot re-read", func() {
		srv := newServer(func(_ int, w http.ResponseWriter, _ *http.Request) { w.WriteHeader(503) })
		defer srv.Close()
		c := clientFor(policy(resilience.Config{Retry: constantRetry(3, time.Millisecond)}), base)
		resp, err := c.Post(srv.URL, "text/plain", strings.NewReader("x"))
		Expect(err).NotTo(HaveOccurred())
		resp.Body.Close()
		Expect(resp.StatusCode).To(Equal(503))
		req, _ := http.NewRequest(http.MethodPut, srv.URL, io.NopCloser(strings.NewReader("y")))
		resp, err = c.Do(req)
		Expect(err).NotTo(HaveOccurred())
		resp.Body.Close()
		Expect(srv.requests()).To(HaveLen(2))
	})

	It("serves the last good response when the server fails, marked as stale", func() {
		var failing atomic.Bool
		srv := newServer(func(n int, w http.ResponseWriter, _ *http.Request) {
			if failing.Load() {
				w.WriteHeader(503)
				return
			}
			w.Header().Set("Content-Type", "application/json")
			fmt.Fprintf(w, `{"version":%d}`, n)
		})
		defer srv.Close()
		clock.SetAutoAdvance(true)
		c := clientFor(policy(resilience.Config{Retry: constantRetry(1, time.Second),
			Fallback: &resilience.FallbackConfig{Stale: time.Minute}}), base)
		get := func() (*http.Response, string) {
			resp, err := c.Get(srv.URL + "/config")
			Expect(err).NotTo(HaveOccurred())
			body, _ := io.ReadAll(resp.Body)
			resp.Body.Close()
			return resp, string(body)
		}
		_, body := get()
		Expect(body).To(Equal(`{"version":1}`))
		failing.Store(true)
		resp, body := get()
		Expect(body).To(Equal(`{"version":1}`))
		Expect(resp.Header.Get("X-Chaos-Fallback")).To(Equal("stale"))
		Expect(resp.Header.Get("Content-Type")).To(Equal("application/json"))
		Expect(resp.Header.Get("Age")).To(Equal(strconv.Itoa(1)))
	})

	It("refuses without touching the server while the breaker is open", func() {
		srv := newServer(func(_ int, w http.ResponseWriter, _ *http.Request) { w.WriteHeader(500) })
		defer srv.Close()
		c := clientFor(policy(resilience.Config{Breaker: &resilience.BreakerConfig{Failures: 2}}), base)
		for range 2 {
			resp, err := c.Get(srv.URL)
			Expect(err).NotTo(HaveOccurred())
			resp.Body.Close()
		}
		_, err := c.Get(srv.URL)
		Expect(err).To(MatchError(resilience.ErrBreakerOpen))
		Expect(srv.requests()).To(HaveLen(2))
	})
})
