package faultserver_test

import (
	"bufio"
	"errors"
	"io"
	"net/http"
	"slices"
	"strings"
	"syscall"
	"time"

	. "github.com/onsi/ginkgo/v2"
	. "github.com/onsi/gomega"

	"github.com/chaos-harness/chaos/faultserver"
	"github.com/chaos-harness/chaos/record"
)

// oneFault is a server whose every request draws fault.
func oneFault(fault string) *faultserver.Server {
	return startServer("phases: [{name: bad, fault: "+fault+"}]\n", faultserver.Options{})
}

var _ = Describe("each fault kind on a real connection, as Go's client sees it", func() {
	var c *http.Client
	BeforeEach(func() { c = freshClient(5 * time.Second) })

	It("answers no fault with 200 OK and no marker", func() {
		srv := startServer("response: {headers: {x-app: yes}}\n", faultserver.Options{})
		resp, body, err := call(c, "GET", srv.URL()+"/anything", "c1")
		Expect(err).NotTo(HaveOccurred())
		Expect(resp.StatusCode).To(Equal(200))
		Expect(body).To(Equal("OK\n"))
		Expect(resp.Header.Get("X-App")).To(Equal("yes"))
		Expect(resp.Header.Values(record.HeaderFault)).To(BeEmpty())
		Expect(resp.Header.Get(record.HeaderPhase)).To(Equal("default"))
	})

	It("sends a status with its headers, body, marker and Retry-After in delta-seconds", func() {
		srv := oneFault("{status: 429, retry_after: 2s, headers: {x-limit: '10'}, body: slow down}")
		resp, body, err := call(c, "GET", srv.URL()+"/", "c1")
		Expect(err).NotTo(HaveOccurred())
		Expect(resp.StatusCode).To(Equal(429))
		Expect(body).To(Equal("slow down"))
		Expect(resp.Header.Get("Retry-After")).To(Equal("2"))
		Expect(resp.Header.Get("X-Limit")).To(Equal("10"))
		Expect(resp.Header.Get(record.HeaderFault)).To(Equal("status"))
		rec := waitRecords(srv, 1)[0]
		Expect(rec.Status).To(Equal(429))
		Expect(rec.RetryAfterMs).To(Equal(2000.0))
		Expect(rec.Fault).To(Equal("status"))
	})

	It("sends Retry-After as an HTTP-date at least the asked time ahead", func() {
		srv := oneFault("{status: 503, retry_after_date: 3s}")
		before := time.Now()
		resp, _, err := call(c, "GET", srv.URL()+"/", "c1")
		Expect(err).NotTo(HaveOccurred())
		at, err := http.ParseTime(resp.Header.Get("Retry-After"))
		Expect(err).NotTo(HaveOccurred())
		Expect(at).To(BeTemporally(">=", before.Add(3*time.Second).Truncate(time.Second)))
		Expect(at).To(BeTemporally("<=", time.Now().Add(4*time.Second)))
	})

	It("delays the answer: a client with a shorter timeout times out", func() {
		srv := oneFault("{delay: 1s}")
		_, _, err := call(freshClient(50*time.Millisecond), "GET", srv.URL()+"/", "c1")
		Expect(isTimeout(err)).To(BeTrue(), "%v", err)
		resp, _, err := call(c, "GET", srv.URL()+"/", "c1")
		Expect(err).NotTo(HaveOccurred())
		Expect(resp.Header.Get(record.HeaderFault)).To(Equal("delay"))
		recs := waitRecords(srv, 2)
		Expect(recs[0].Status).To(Equal(0), "the client went away before the status line")
		// Released when the client went away (~50 ms), well before the delay;
		// the margin is wide so a loaded CI machine cannot flake it.
		Expect(recs[0].LatencyMs).To(BeNumerically("<", 1000), "released when the client went away")
		Expect(recs[1].Status).To(Equal(200))
		Expect(recs[1].LatencyMs).To(BeNumerically(">=", 1000))
	})

	It("hangs: the client times out and the server closes without a status line", func() {
		srv := oneFault("{hang: 10s}")
		_, _, err := call(freshClient(100*time.Millisecond), "GET", srv.URL()+"/", "c1")
		Expect(isTimeout(err)).To(BeTrue(), "%v", err)
		rec := waitRecords(srv, 1)[0]
		Expect(rec.Fault).To(Equal("hang"))
		Expect(rec.Status).To(Equal(0))
		Expect(rec.LatencyMs).To(BeNumerically("<", 10000), "released when the client went away")
	})

	It("hangs for its duration, then closes: the client reads EOF", func() {
		srv := oneFault("{hang: 50ms}")
		_, _, err := call(c, "GET", srv.URL()+"/", "c1")
		Expect(err).To(MatchError(ContainSubstring("EOF")))
	})

	It("resets: the client sees connection reset by peer", func() {
		srv := oneFault("{reset: true}")
		_, _, err := call(c, "GET", srv.URL()+"/", "c1")
		Expect(errors.Is(err, syscall.ECONNRESET)).To(BeTrue(), "%v", err)
		Expect(err.Error()).To(ContainSubstring("connection reset by peer"))
		Expect(waitRecords(srv, 1)[0].Fault).To(Equal("reset"))
	})

	It("resets a POST with a body the same way", func() {
		srv := oneFault("{reset: true}")
		resp, err := c.Post(srv.URL()+"/", "text/plain", strings.NewReader(strings.Repeat("x", 10000)))
		if resp != nil {
			resp.Body.Close()
		}
		Expect(errors.Is(err, syscall.ECONNRESET)).To(BeTrue(), "%v", err)
	})

	It("closes: the client reads EOF where the response should be, not a reset", func() {
		srv := oneFault("{close: true}")
		_, _, err := call(c, "GET", srv.URL()+"/", "c1")
		Expect(errors.Is(err, io.EOF)).To(BeTrue(), "%v", err)
		Expect(errors.Is(err, syscall.ECONNRESET)).To(BeFalse())
	})

	It("truncates: the headers promise more body than arrives (unexpected EOF)", func() {
		srv := oneFault("{status: 200, body_size: 1000, truncate: 100}")
		resp, body, err := call(c, "GET", srv.URL()+"/", "c1")
		Expect(err).To(MatchError(io.ErrUnexpectedEOF))
		Expect(resp.StatusCode).To(Equal(200))
		Expect(resp.ContentLength).To(Equal(int64(1000)))
		Expect(body).To(HaveLen(100))
		Expect(resp.Header.Get(record.HeaderFault)).To(Equal("truncate"))
		Expect(waitRecords(srv, 1)[0].Status).To(Equal(200))
	})

	It("sends a slow body at its bandwidth: whole in the end, too slow for a short timeout", func() {
		srv := oneFault("{slow: 10KB/s, body_size: 2000}")
		resp, body, err := call(c, "GET", srv.URL()+"/", "c1")
		Expect(err).NotTo(HaveOccurred())
		Expect(resp.Header.Get(record.HeaderFault)).To(Equal("slow"))
		Expect(body).To(HaveLen(2000))
		// 2000 bytes at 10,000 B/s: the last piece is due 190ms after the first.
		Expect(waitRecords(srv, 1)[0].LatencyMs).To(BeNumerically(">=", 190))

		resp, body, err = call(freshClient(80*time.Millisecond), "GET", srv.URL()+"/", "c1")
		Expect(resp).NotTo(BeNil(), "the status line and headers come at once")
		Expect(isTimeout(err)).To(BeTrue(), "%v", err)
		Expect(len(body)).To(BeNumerically("<", 2000))
	})

	It("sends bytes that are not HTTP: the client reports a malformed response", func() {
		srv := oneFault("{malformed: true}")
		_, _, err := call(c, "GET", srv.URL()+"/", "c1")
		Expect(err).To(MatchError(ContainSubstring("malformed HTTP")))
		Expect(waitRecords(srv, 1)[0].Status).To(Equal(0))
	})

	It("refuses requests over capacity with the overload status and Retry-After", func() {
		srv := startServer("capacity: {concurrency: 1, status: 503, retry_after: 1s}\nresponse: {delay: 300ms}\n", faultserver.Options{})
		done := make(chan error, 1)
		go func() {
			_, _, err := call(freshClient(5*time.Second), "GET", srv.URL()+"/", "slowpoke")
			done <- err
		}()
		Eventually(func() int64 { return srv.Stats().InFlight }).Should(Equal(int64(1)))
		resp, _, err := call(c, "GET", srv.URL()+"/", "c2")
		Expect(err).NotTo(HaveOccurred())
		Expect(resp.StatusCode).To(Equal(503))
		Expect(resp.Header.Get(record.HeaderFault)).To(Equal("overload"))
		Expect(resp.Header.Get("Retry-After")).To(Equal("1"))
		Eventually(done, 5*time.Second).Should(Receive(BeNil()))
		recs := waitRecords(srv, 2)
		Expect(recs[0].Phase).To(Equal(faultserver.PhaseCapacity))
	})

	It("sends exactly its headers on the wire, the same on every response of a connection", func() {
		srv := startServer(`
routes:
  - {path: /limited, phases: [{name: limited, fault: {status: 429, retry_after: 2s, headers: {x-limit: '10'}}}]}
  - {path: /down, phases: [{name: outage, fault: {status: 503}}]}
  - {path: /later, phases: [{name: outage, fault: {status: 503, retry_after: 30m}}]}
  - {path: /big, response: {body_size: 5000}}
`, faultserver.Options{})
		const text = "Content-Type: text/plain; charset=utf-8"
		type answer struct {
			status string
			header []string // every line but Date
			body   int
		}
		want := []struct {
			method, path string
			answer
		}{
			{"GET", "/anything", answer{"HTTP/1.1 200 OK", []string{"Content-Length: 3", text, "X-Chaos-Phase: default"}, 3}},
			{"GET", "/down", answer{"HTTP/1.1 503 Service Unavailable",
				[]string{"Content-Length: 20", text, "X-Chaos-Fault: status", "X-Chaos-Phase: outage"}, 20}},
			{"HEAD", "/down", answer{"HTTP/1.1 503 Service Unavailable",
				[]string{"Content-Length: 20", text, "X-Chaos-Fault: status", "X-Chaos-Phase: outage"}, 0}},
			{"GET", "/limited", answer{"HTTP/1.1 429 Too Many Requests", []string{"Content-Length: 18", text,
				"Retry-After: 2", "X-Chaos-Fault: status", "X-Chaos-Phase: limited", "X-Limit: 10"}, 18}},
			{"GET", "/later", answer{"HTTP/1.1 503 Service Unavailable", []string{"Content-Length: 20", text,
				"Retry-After: 1800", "X-Chaos-Fault: status", "X-Chaos-Phase: outage"}, 20}},
			{"GET", "/big", answer{"HTTP/1.1 200 OK", []string{"Content-Length: 5000", text, "X-Chaos-Phase: default"}, 5000}},
		}
		conn := dialRaw(srv)
		Expect(conn.SetDeadline(time.Now().Add(10 * time.Second))).To(Succeed())
		br := bufio.NewReader(conn)
		for round := 0; round < 3; round++ { // the header values of one response are shared with the next
			for _, w := range want {
				_, err := conn.Write([]byte(w.method + " " + w.path + " HTTP/1.1\r\nHost: x\r\n\r\n"))
				Expect(err).NotTo(HaveOccurred())
				var got answer
				got.status, got.header = readRawHeader(br)
				var dates []string
				got.header = slices.DeleteFunc(got.header, func(line string) bool {
					if date, ok := strings.CutPrefix(line, "Date: "); ok {
						dates = append(dates, date)
						return true
					}
					return false
				})
				Expect(dates).To(HaveLen(1), w.path)
				_, err = http.ParseTime(dates[0])
				Expect(err).NotTo(HaveOccurred(), w.path)
				n, err := io.Copy(io.Discard, io.LimitReader(br, int64(w.body)))
				Expect(err).NotTo(HaveOccurred())
				got.body = int(n)
				Expect(got.status).To(Equal(w.status), w.method+" "+w.path)
				Expect(got.header).To(ConsistOf(w.header), w.method+" "+w.path)
				Expect(got.body).To(Equal(w.body), w.method+" "+w.path)
			}
		}
	})

	It("does not answer HEAD with a body", func() {
		srv := oneFault("{status: 500}")
		resp, body, err := call(c, "HEAD", srv.URL()+"/", "c1")
		Expect(err).NotTo(HaveOccurred())
		Expect(resp.StatusCode).To(Equal(500))
		Expect(body).To(BeEmpty())
	})
})

// readRawHeader reads a response's status line and header lines as they are
// on the wire, up to the empty line that ends them.
func readRawHeader(br *bufio.Reader) (status string, header []string) {
	for {
		line, err := br.ReadString('\n')
		ExpectWithOffset(1, err).NotTo(HaveOccurred())
		line = strings.TrimSuffix(line, "\r\n")
		switch {
		case status == "":
			status = line
		case line == "":
			return status, header
		default:
			header = append(header, line)
		}
	}
}

// isTimeout reports whether err is a client timeout.
func isTimeout(err error) bool {
	var t interface{ Timeout() bool }
	return errors.As(err, &t) && t.Timeout()
}
