package faultserver_test

import (
	"context"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"runtime"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	. "github.com/onsi/ginkgo/v2"
	. "github.com/onsi/gomega"

	"github.com/chaos-harness/chaos/faultserver"
	"github.com/chaos-harness/chaos/record"
)

// The soak's size: CI runs soakRequests; CHAOS_SOAK_REQUESTS=10000 runs the
// issue's full figure locally.
const (
	soakRequests    = 10_000
	soakConnections = 200
	soakSlowloris   = 20 // connections that never finish their headers
	soakAdminConns  = 16 // Limits.MaxAdminConns of the soak's admin listener
)

// soakScript mixes every fault that holds or breaks a connection.
const soakScript = `
phases:
  - name: soak
    mix:
      - {weight: 20}
      - {weight: 15, fault: {hang: 30ms}}
      - {weight: 8, fault: {hang: 1h}}
      - {weight: 15, fault: {reset: true}}
      - {weight: 8, fault: {close: true}}
      - {weight: 14, fault: {truncate: 100, body_size: 1000}}
      - {weight: 12, fault: {slow: 100KB/s, body_size: 2000}}
      - {weight: 4, fault: {malformed: true}}
      - {weight: 4, fault: {status: 503, retry_after: 1s}}
`

func soakSize() int {
	if n, err := strconv.Atoi(os.Getenv("CHAOS_SOAK_REQUESTS")); err == nil && n > 0 {
		return n
	}
	return soakRequests
}

// openFDs counts this process's open file descriptors (-1 where /proc is
// missing).
func openFDs() int {
	entries, err := os.ReadDir("/proc/self/fd")
	if err != nil {
		return -1
	}
	return len(entries)
}

// soakResult is what the load saw.
type soakResult struct {
	sent, answered, broken, abandoned atomic.Int64
	mu                                sync.Mutex
	seen                              map[string]string // ids of requests that reached the server for sure: what the client saw
}

var _ = Describe("the soak", func() {
	It("serves mixed hangs, resets, truncations and slow bodies from 200 connections, loses no Record and leaks nothing", func() {
		n := soakSize()
		runtime.GC()
		goroutines, fds := runtime.NumGoroutine(), openFDs()

		srv, err := faultserver.New(mustParse(soakScript), faultserver.Options{Seed: 9, LogLimit: n + 1000,
			Admin:  faultserver.AdminOptions{Addr: "127.0.0.1:0", Token: "soak"},
			Limits: faultserver.Limits{ReadHeaderTimeout: 5 * time.Second, BodyTimeout: 2 * time.Second, MaxAdminConns: soakAdminConns}})
		Expect(err).NotTo(HaveOccurred())
		_, err = srv.Start()
		Expect(err).NotTo(HaveOccurred())
		ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute) // self-stopping
		defer cancel()

		stalled := slowloris(ctx, srv.URL(), soakSlowloris)
		hostileAdmin := adminHostiles(ctx, srv.AdminURL())
		peak := samplePeaks()
		readers := adminReaders(ctx, srv.AdminURL())
		res := soakLoad(ctx, srv.URL(), n, soakConnections)
		admin := readers()
		peakG, peakFD := peak()
		Expect(ctx.Err()).NotTo(HaveOccurred(), "the load finished within its bound")
		Eventually(stalled, 10*time.Second).Should(BeClosed(), "slowloris connections are cut by the header timeout")
		Eventually(hostileAdmin, 10*time.Second).Should(BeClosed(), "hostile admin connections are answered and closed, or cut by the body and header timeouts")
		AddReportEntry("soak admin", fmt.Sprintf("admin reads answered %d, refused 503 %d, other %v", admin.ok, admin.busy, admin.other))
		Expect(admin.other).To(BeEmpty(), "every admin read is answered, or refused 503 over MaxAdminConns")
		Expect(admin.ok).To(BeNumerically(">", 0))
		Expect(srv.Close()).To(Succeed())

		recs := srv.Records()
		st := srv.Stats()
		AddReportEntry("soak load", fmt.Sprintf("requests sent %d, logged %d (answered %d, broken %d, abandoned %d), faults %v; goroutines %d -> peak %d; fds %d -> peak %d",
			res.sent.Load(), len(recs), res.answered.Load(), res.broken.Load(), res.abandoned.Load(), st.Faults, goroutines, peakG, fds, peakFD))
		Expect(int64(len(recs))).To(Equal(st.Requests))
		Expect(len(recs)).To(BeNumerically("<=", n), "no request is logged twice")
		ids := map[string]bool{}
		for _, r := range recs {
			if ids[r.Request] {
				Fail("request " + r.Request + " is logged twice")
			}
			ids[r.Request] = true
		}
		for id, saw := range res.seen {
			if !ids[id] {
				Fail("request " + id + " reached the server (the client saw " + saw + ") but is not in the log")
			}
		}
		Expect(st.Faults).To(HaveKey(record.FaultHang))
		Expect(st.Faults).To(HaveKey(record.FaultReset))
		Expect(st.Faults).To(HaveKey(record.FaultTruncate))
		Expect(st.Faults).To(HaveKey(record.FaultSlow))

		Eventually(runtime.NumGoroutine, 10*time.Second, 20*time.Millisecond).Should(BeNumerically("<=", goroutines))
		if fds >= 0 {
			Eventually(openFDs, 10*time.Second, 20*time.Millisecond).Should(BeNumerically("<=", fds))
		}
		AddReportEntry("soak after", fmt.Sprintf("goroutines %d -> %d; fds %d -> %d", goroutines, runtime.NumGoroutine(), fds, openFDs()))
	})
})

// samplePeaks samples the goroutines and file descriptors every 10ms until
// the returned function is called, which returns the highest counts seen.
func samplePeaks() func() (goroutines, fds int) {
	stop, done := make(chan struct{}), make(chan struct{})
	var g, f int
	go func() {
		defer close(done)
		t := time.NewTicker(10 * time.Millisecond)
		defer t.Stop()
		for {
			g, f = max(g, runtime.NumGoroutine()), max(f, openFDs())
			select {
			case <-stop:
				return
			case <-t.C:
			}
		}
	}()
	return func() (int, int) {
		close(stop)
		<-done
		return g, f
	}
}

func mustParse(src string) *faultserver.Spec {
	spec, _, err := faultserver.ParseScript("soak.yaml", []byte(src))
	ExpectWithOffset(1, err).NotTo(HaveOccurred())
	return spec
}

// soakLoad sends n requests from conns workers, a new connection each, and
// stops early when ctx ends. A request whose client gave up (timeout) may or
// may not have reached the server; every other one did.
func soakLoad(ctx context.Context, base string, n, conns int) *soakResult {
	res := &soakResult{seen: map[string]string{}}
	tr := &http.Transport{DisableKeepAlives: true, MaxConnsPerHost: conns}
	defer tr.CloseIdleConnections()
	client := &http.Client{Transport: tr, Timeout: 300 * time.Millisecond}
	next := make(chan int)
	var wg sync.WaitGroup
	for w := 0; w < conns; w++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := range next {
				soakOne(ctx, client, base, "w"+strconv.Itoa(w), i, res)
			}
		}()
	}
	for i := 0; i < n && ctx.Err() == nil; i++ {
		next <- i
	}
	close(next)
	wg.Wait()
	return res
}

func soakOne(ctx context.Context, c *http.Client, base, client string, i int, res *soakResult) {
	id := "r" + strconv.Itoa(i)
	req, _ := http.NewRequestWithContext(ctx, "GET", base+"/soak", nil)
	req.Header.Set(record.HeaderClient, client)
	req.Header.Set(record.HeaderRequest, id)
	req.Header.Set(record.HeaderAttempt, "1")
	res.sent.Add(1)
	saw := "a response"
	resp, err := c.Do(req)
	switch {
	case err == nil:
		_, err = io.Copy(io.Discard, resp.Body)
		resp.Body.Close()
		if err == nil {
			res.answered.Add(1)
		} else {
			res.broken.Add(1) // truncated
			saw = err.Error()
		}
	case isTimeout(err):
		res.abandoned.Add(1)
		return
	default:
		res.broken.Add(1) // reset, closed, malformed: the server read it
		saw = err.Error()
	}
	res.mu.Lock()
	res.seen[id] = saw
	res.mu.Unlock()
}

// slowloris opens n connections that send half a header and stall; the
// returned channel closes once the server has cut every one.
func slowloris(ctx context.Context, base string, n int) <-chan struct{} {
	return stall(ctx, base, n, "GET /soak HTTP/1.1\r\nHost: x\r\nX-Stall: ")
}

// adminHostiles opens, on the admin listener, more connections than
// MaxAdminConns: requests without the token that declare a body and send
// none, authenticated GETs that declare a body and send none, and trickled
// script uploads. The returned channel closes once the server has closed
// every one: at once (answered, or over the limit), or at a timeout.
func adminHostiles(ctx context.Context, admin string) <-chan struct{} {
	kinds := []<-chan struct{}{
		stall(ctx, admin, 30, "GET /_chaos/stats HTTP/1.1\r\nHost: x\r\nContent-Length: 1000\r\n\r\n"),
		stall(ctx, admin, 30, "GET /_chaos/stats HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer soak\r\nContent-Length: 1000\r\n\r\n"),
		stall(ctx, admin, 10, "PUT /_chaos/script HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer soak\r\nContent-Length: 100\r\n\r\nphases: ["),
	}
	done := make(chan struct{})
	go func() {
		for _, k := range kinds {
			<-k
		}
		close(done)
	}()
	return done
}

// adminTally counts the answers admin readers got.
type adminTally struct {
	ok, busy int
	other    []string
}

// adminReaders reads the log, the stats and the metrics from 8 goroutines in
// a loop while the load runs; the returned function stops them and returns
// what they got.
func adminReaders(ctx context.Context, admin string) func() adminTally {
	stop := make(chan struct{})
	var mu sync.Mutex
	var tally adminTally
	var wg sync.WaitGroup
	paths := []string{"/_chaos/log?limit=500", "/_chaos/stats", "/metrics"}
	for w := 0; w < 8; w++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			c := &http.Client{Timeout: 10 * time.Second}
			defer c.CloseIdleConnections()
			for i := 0; ; i++ {
				select {
				case <-stop:
					return
				case <-ctx.Done():
					return
				default:
				}
				req, _ := http.NewRequestWithContext(ctx, "GET", admin+paths[(w+i)%len(paths)], nil)
				req.Header.Set("Authorization", "Bearer soak")
				resp, err := c.Do(req)
				status := 0
				if err == nil {
					status = resp.StatusCode
					_, err = io.Copy(io.Discard, resp.Body)
					resp.Body.Close()
				}
				mu.Lock()
				switch {
				case err == nil && status == http.StatusOK:
					tally.ok++
				case err == nil && status == http.StatusServiceUnavailable:
					tally.busy++
				case err != nil && !isTimeout(err) && ctx.Err() == nil:
					// Over the limit, the listener answers 503 and closes
					// before reading the request: the client may see the
					// close (EOF, reset) rather than the answer.
					tally.busy++
				case err != nil:
					tally.other = append(tally.other, err.Error())
				default:
					tally.other = append(tally.other, "status "+strconv.Itoa(status))
				}
				mu.Unlock()
			}
		}()
	}
	return func() adminTally {
		close(stop)
		wg.Wait()
		return tally
	}
}

// stall opens n connections that send raw and then nothing more, reading
// whatever the server answers; the returned channel closes once the server
// has closed every one.
func stall(ctx context.Context, base string, n int, raw string) <-chan struct{} {
	done := make(chan struct{})
	var wg sync.WaitGroup
	for i := 0; i < n; i++ {
		conn, err := net.Dial("tcp", strings.TrimPrefix(base, "http://"))
		Expect(err).NotTo(HaveOccurred())
		_, _ = conn.Write([]byte(raw))
		wg.Add(1)
		go func() {
			defer wg.Done()
			defer conn.Close()
			stop := context.AfterFunc(ctx, func() { _ = conn.Close() })
			defer stop()
			_, _ = io.Copy(io.Discard, conn) // returns when the server closes
		}()
	}
	go func() { wg.Wait(); close(done) }()
	return done
}
