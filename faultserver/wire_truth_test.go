package faultserver_test

import (
	"fmt"
	"io"
	"net"
	"strings"
	"time"

	. "github.com/onsi/ginkgo/v2"
	. "github.com/onsi/gomega"

	"github.com/chaos-harness/chaos/analysis"
	"github.com/chaos-harness/chaos/faultserver"
)

var _ = Describe("the Record tells what reached the client", func() {
	It("counts the body bytes of a whole response, and it is complete", func() {
		srv := oneFault("{status: 503, body: unavailable}")
		_, body, err := call(freshClient(5*time.Second), "GET", srv.URL()+"/", "c1")
		Expect(err).NotTo(HaveOccurred())
		Expect(body).To(Equal("unavailable"))
		rec := waitRecords(srv, 1)[0]
		Expect(rec.BodyBytes).To(Equal(int64(len("unavailable")))) // 11
		Expect(rec.Incomplete).To(BeFalse())
	})

	It("counts no body for HEAD, and the response is complete", func() {
		srv := oneFault("{status: 200, body_size: 100}")
		resp, _, err := call(freshClient(5*time.Second), "HEAD", srv.URL()+"/", "c1")
		Expect(err).NotTo(HaveOccurred())
		Expect(resp.ContentLength).To(Equal(int64(100)))
		rec := waitRecords(srv, 1)[0]
		Expect(rec.BodyBytes).To(BeZero())
		Expect(rec.Incomplete).To(BeFalse())
	})

	It("says a truncated body is incomplete after the bytes it sent", func() {
		srv := oneFault("{truncate: 100, body_size: 1000}")
		_, body, err := call(freshClient(5*time.Second), "GET", srv.URL()+"/", "c1")
		Expect(err).To(MatchError(io.ErrUnexpectedEOF))
		Expect(body).To(HaveLen(100))
		rec := waitRecords(srv, 1)[0]
		Expect(rec.Status).To(Equal(200))
		Expect(rec.BodyBytes).To(Equal(int64(100)))
		Expect(rec.Incomplete).To(BeTrue())
	})

	It("says a slow body read to its end is complete, with every byte", func() {
		srv := oneFault("{slow: 100KB/s, body_size: 3000}")
		_, body, err := call(freshClient(10*time.Second), "GET", srv.URL()+"/", "c1")
		Expect(err).NotTo(HaveOccurred())
		Expect(body).To(HaveLen(3000))
		rec := waitRecords(srv, 1)[0]
		Expect(rec.BodyBytes).To(Equal(int64(3000)))
		Expect(rec.Incomplete).To(BeFalse())
		Expect(analysis.Succeeded(rec)).To(BeTrue())
	})

	It("says a slow body that Go's client abandons at its timeout is incomplete, and not a success", func() {
		// 10,000 bytes at 1,000 B/s take 10 s; the client gives up after
		// 200 ms. However loaded the machine, the client cannot read the body
		// whole before its timeout, nor the server write it before the client
		// has gone: chunks of 1000/100 = 10 bytes go out every 10 ms, the
		// first at once, so the Record holds at least 10 bytes and far fewer
		// than 10,000.
		srv := oneFault("{slow: 1KB/s, body_size: 10000}")
		resp, body, err := call(freshClient(200*time.Millisecond), "GET", srv.URL()+"/", "c1")
		Expect(resp).NotTo(BeNil(), "the status line and headers come at once")
		Expect(isTimeout(err)).To(BeTrue(), "%v", err)
		Expect(len(body)).To(BeNumerically("<", 10000))
		rec := waitRecords(srv, 1)[0]
		Expect(rec.Status).To(Equal(200), "the status line was sent")
		Expect(rec.Incomplete).To(BeTrue())
		Expect(rec.BodyBytes).To(BeNumerically(">=", 10))
		Expect(rec.BodyBytes).To(BeNumerically("<", 10000))
		Expect(analysis.Succeeded(rec)).To(BeFalse())

		acc, err := analysis.New(analysis.Options{})
		Expect(err).NotTo(HaveOccurred())
		Expect(acc.Add(rec)).To(Succeed())
		res, err := acc.Finish()
		Expect(err).NotTo(HaveOccurred())
		Expect(res.Policies[0].Succeeded).To(BeZero(), "1 logical request, 0 complete responses")
	})

	It("says a large body the client stops reading is incomplete once the write deadline passes", func() {
		// 16 MiB is more than loopback's socket buffers hold; the client reads
		// nothing, so the write cannot finish however fast the machine.
		srv := startServer("phases: [{fault: {status: 200, body_size: 16777216}}]\n",
			faultserver.Options{Limits: faultserver.Limits{WriteTimeout: 200 * time.Millisecond}})
		conn, err := net.Dial("tcp", strings.TrimPrefix(srv.URL(), "http://"))
		Expect(err).NotTo(HaveOccurred())
		defer conn.Close()
		_, err = conn.Write([]byte("GET / HTTP/1.1\r\nHost: x\r\nX-Chaos-Client: stalled\r\n\r\n"))
		Expect(err).NotTo(HaveOccurred())
		rec := waitRecords(srv, 1)[0]
		Expect(rec.Status).To(Equal(200))
		Expect(rec.Incomplete).To(BeTrue())
		Expect(rec.BodyBytes).To(BeNumerically("<", 16<<20))
		Expect(analysis.Succeeded(rec)).To(BeFalse())
	})

	It("sends an HTTP-date Retry-After and logs the wait until the date it sent", func() {
		// The server's wall clock reads 12:00:00.250. 1500 ms ahead is
		// 12:00:01.750, which the date rounds up to 12:00:02: the client is
		// asked to wait 2000 - 250 = 1750 ms, not the 1500 configured.
		srv := startAt("phases: [{fault: {status: 503, retry_after_date: 1500ms}}]\n", faultserver.Options{},
			time.Date(2026, 12, 1, 12, 0, 0, 250e6, time.UTC))

		resp, _, err := call(freshClient(5*time.Second), "GET", srv.URL()+"/", "c1")
		Expect(err).NotTo(HaveOccurred())
		Expect(resp.Header.Get("Retry-After")).To(Equal("Tue, 01 Dec 2026 12:00:02 GMT"))
		rec := waitRecords(srv, 1)[0]
		Expect(rec.RetryAfterMs).To(Equal(1750.0))

		// A retry 1600 ms after the response waited the configured 1500 ms
		// but not until the date sent: it is a violation.
		retry := rec
		retry.TMs, retry.Attempt, retry.RetryAfterMs = rec.TMs+rec.LatencyMs+1600, 2, 0
		rec.Request, retry.Request = "c1/1", "c1/1"
		rec.Attempt = 1
		acc, err := analysis.New(analysis.Options{})
		Expect(err).NotTo(HaveOccurred())
		Expect(acc.Add(rec)).To(Succeed())
		Expect(acc.Add(retry)).To(Succeed())
		res, err := acc.Finish()
		Expect(err).NotTo(HaveOccurred())
		Expect(res.Policies[0].RetryAfterViolations).To(HaveValue(Equal(1)))
	})
})

var _ = Describe("RetryAfterHeader, the one rendering of Retry-After", func() {
	at := func(ms int) time.Time { return time.Date(2026, 12, 1, 12, 0, 0, ms*1e6, time.UTC) }
	DescribeTable("renders the value and the wait it asks for",
		func(after time.Duration, date bool, now time.Time, value string, wait time.Duration) {
			v, w := faultserver.RetryAfterHeader(after, date, now)
			Expect(v).To(Equal(value))
			Expect(w).To(Equal(wait))
		},
		Entry("delta-seconds", 2*time.Second, false, at(250), "2", 2*time.Second),
		// 12:00:00.000 + 1.5 s = 01.500, rounded up to 02: 2000 ms.
		Entry("a date from a whole second", 1500*time.Millisecond, true, at(0), "Tue, 01 Dec 2026 12:00:02 GMT", 2000*time.Millisecond),
		// 00.250 + 1.5 s = 01.750 -> 02: 1750 ms.
		Entry("a date from a quarter second", 1500*time.Millisecond, true, at(250), "Tue, 01 Dec 2026 12:00:02 GMT", 1750*time.Millisecond),
		// 00.600 + 1.5 s = 02.100 -> 03: 2400 ms.
		Entry("a date that rounds over the next second", 1500*time.Millisecond, true, at(600), "Tue, 01 Dec 2026 12:00:03 GMT", 2400*time.Millisecond),
		// 00.000 + 3 s lands on a whole second: no rounding, 3000 ms.
		Entry("a date on a whole second", 3*time.Second, true, at(0), "Tue, 01 Dec 2026 12:00:03 GMT", 3*time.Second),
	)
})

var _ = Describe("the slow-body schedule", func() {
	It("writes chunks of a tick's worth, each due at its offset over the bandwidth", func() {
		b := faultserver.Bandwidth(1000) // 1000 B/s: chunks of 1000/100 = 10 bytes
		Expect(faultserver.SlowChunk(b)).To(Equal(int64(10)))
		Expect(faultserver.SlowChunk(faultserver.Bandwidth(50))).To(Equal(int64(1)), "at least a byte")
		Expect(faultserver.SlowDue(b, 10)).To(Equal(10 * time.Millisecond))                             // 10/1000 s
		Expect(faultserver.SlowDue(b, 1)).To(Equal(time.Millisecond))                                   // 1/1000 s
		Expect(faultserver.SlowDue(faultserver.Bandwidth(3), 1)).To(Equal(333333333 * time.Nanosecond)) // 1/3 s, rounded down
	})

	// slowDecision is a slow 200 of n bytes at 1000 B/s.
	slowDecision := func(n int) faultserver.Plan {
		s := compile(fmt.Sprintf("phases: [{fault: {slow: 1000B/s, body_size: %d}}]\n", n), 1)
		return decide(s, 0, "a", "GET", "/")
	}

	DescribeTable("ends a slow body when its last chunk is due",
		func(n int, end time.Duration) {
			d := slowDecision(n)
			v := faultserver.PlayVirtual(&d, time.Second, 0, false)
			Expect(v.End - time.Second).To(Equal(end))
			Expect([]any{v.Status, v.BodyBytes, v.Incomplete, v.Left, v.Ending}).
				To(Equal([]any{200, int64(n), false, false, faultserver.EndResponse}))
		},
		// 10,000 bytes: the last chunk starts at byte 9990, due 9.99 s after the first.
		Entry("10,000 bytes", 10000, 9990*time.Millisecond),
		// 25 bytes: chunks at 0, 10, 20; the last due at 20 ms.
		Entry("25 bytes", 25, 20*time.Millisecond),
		Entry("a body of one chunk", 10, time.Duration(0)),
	)

	DescribeTable("counts the bytes written by a client's deadline t after the first write",
		func(n int, t time.Duration, sent int64) {
			d := slowDecision(n)
			v := faultserver.PlayVirtual(&d, time.Second, time.Second+t, false)
			Expect(v.BodyBytes).To(Equal(sent))
			Expect(v.Incomplete).To(Equal(sent < int64(n)))
		},
		Entry("the first chunk goes at once", 10000, time.Duration(0), int64(10)),
		Entry("just before the second is due", 10000, 9*time.Millisecond, int64(10)),
		Entry("the second is due at 10 ms", 10000, 10*time.Millisecond, int64(20)),
		// 200 ms: chunks at 0, 10, ..., 200 ms are due, 21 of them, 210 bytes.
		Entry("at a 200 ms timeout", 10000, 200*time.Millisecond, int64(210)),
		Entry("a short body is whole", 25, time.Second, int64(25)),
		Entry("the last partial chunk", 25, 20*time.Millisecond, int64(25)),
	)
})
