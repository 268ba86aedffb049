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
)

// The soak's size: CI runs soakRequests; CHAOS_SOAK_REQUESTS=10000 runs the
// issue's full figure locally.
const (
	soakRequests    = 10_000
	soakConnections = 200
	soakSlowloris   = 20 // connections that never finish their headers
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
			Limits: faultserver.Limits{ReadHeaderTimeout: 5 * time.Second}})
		Expect(err).NotTo(HaveOccurred())
		_, err = srv.Start()
		Expect(err).NotTo(HaveOccurred())
		ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute) // self-stopping
		defer cancel()

		stalled := slowloris(ctx, srv.URL(), soakSlowloris)
		peak := samplePeaks()
		res := soakLoad(ctx, srv.URL(), n, soakConnections)
		peakG, peakFD := peak()
		Expect(ctx.Err()).NotTo(HaveOccurred(), "the load finished within its bound")
		Eventually(stalled, 10*time.Second).Should(BeClosed(), "slowloris connections are cut by the header timeout")
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
		Expect(st.Faults).To(HaveKey(faultserver.KindHang))
		Expect(st.Faults).To(HaveKey(faultserver.KindReset))
		Expect(st.Faults).To(HaveKey(faultserver.KindTruncate))
		Expect(st.Faults).To(HaveKey(faultserver.KindSlow))

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
	req.Header.Set(faultserver.HeaderClient, client)
	req.Header.Set(faultserver.HeaderRequest, id)
	req.Header.Set(faultserver.HeaderAttempt, "1")
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
	done := make(chan struct{})
	var wg sync.WaitGroup
	for i := 0; i < n; i++ {
		conn, err := net.Dial("tcp", strings.TrimPrefix(base, "http://"))
		Expect(err).NotTo(HaveOccurred())
		_, _ = conn.Write([]byte("GET /soak HTTP/1.1\r\nHost: x\r\nX-Stall: "))
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
