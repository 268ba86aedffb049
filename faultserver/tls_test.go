package faultserver_test

import (
	"errors"
	"net"
	"net/http"
	"sync"
	"time"

	. "github.com/onsi/ginkgo/v2"
	. "github.com/onsi/gomega"
	"github.com/onsi/gomega/types"

	"github.com/chaos-harness/chaos/faultserver"
	"github.com/chaos-harness/chaos/record"
	"github.com/chaos-harness/chaos/resilience"
)

// tlsServer starts src over TLS with a fresh identity.
func tlsServer(src string, opts faultserver.Options) (*faultserver.Server, *faultserver.TLSIdentity) {
	id, err := faultserver.NewTLSIdentity()
	ExpectWithOffset(1, err).NotTo(HaveOccurred())
	opts.TLS = id.ServerConfig()
	return startServer(src, opts), id
}

// h2Client is Go's client trusting id, speaking HTTP/2 (h2 by ALPN), or
// HTTP/1.1 only when h1.
func h2Client(id *faultserver.TLSIdentity, h1 bool, timeout time.Duration) (*http.Client, *http.Transport) {
	tr := &http.Transport{TLSClientConfig: id.ClientConfig(), ForceAttemptHTTP2: true}
	if h1 {
		tr.TLSClientConfig.NextProtos = []string{"http/1.1"}
		tr.Protocols = new(http.Protocols)
		tr.Protocols.SetHTTP1(true)
	}
	DeferCleanup(tr.CloseIdleConnections)
	return &http.Client{Transport: tr, Timeout: timeout}, tr
}

// h2cClient is Go's client speaking cleartext HTTP/2 with prior knowledge.
func h2cClient() *http.Client {
	tr := &http.Transport{Protocols: new(http.Protocols)}
	tr.Protocols.SetUnencryptedHTTP2(true)
	DeferCleanup(tr.CloseIdleConnections)
	return &http.Client{Transport: tr, Timeout: 10 * time.Second}
}

// before is a Record of a fault before the request: its kind, the
// connection, and no request fields.
func before(kind string, tlsConn bool) types.GomegaMatcher {
	return And(
		HaveField("Fault", kind), HaveField("Method", ""), HaveField("Path", ""), HaveField("Client", ""),
		HaveField("Status", 0), HaveField("Protocol", ""), HaveField("TLS", tlsConn),
		HaveField("Conn", BeNumerically(">", 0)))
}

var _ = Describe("TLS and HTTP/2", func() {
	It("serves HTTPS with a generated CA, HTTP/2 by ALPN or HTTP/1.1, and says so in the Records", func() {
		srv, id := tlsServer("response: {status: 200}\n", faultserver.Options{})
		Expect(srv.URL()).To(HavePrefix("https://127.0.0.1:"))
		h2, _ := h2Client(id, false, 10*time.Second)
		resp, body, err := call(h2, "GET", srv.URL()+"/a", "c1")
		Expect(err).NotTo(HaveOccurred())
		Expect(resp.Proto).To(Equal("HTTP/2.0"))
		Expect(body).To(Equal("OK\n"))
		h1, _ := h2Client(id, true, 10*time.Second)
		resp, _, err = call(h1, "GET", srv.URL()+"/b", "c2")
		Expect(err).NotTo(HaveOccurred())
		Expect(resp.Proto).To(Equal("HTTP/1.1"))

		recs := waitRecords(srv, 2)
		Expect(recs).To(ConsistOf(
			And(HaveField("Path", "/a"), HaveField("Protocol", "HTTP/2.0"), HaveField("TLS", true), HaveField("Status", 200)),
			And(HaveField("Path", "/b"), HaveField("Protocol", "HTTP/1.1"), HaveField("TLS", true), HaveField("Status", 200))))
		Expect(recs[0].Conn).NotTo(Equal(recs[1].Conn))

		// A client that does not trust the CA does not get in.
		_, _, err = call(&http.Client{Timeout: 10 * time.Second}, "GET", srv.URL()+"/c", "c3")
		Expect(err).To(MatchError(ContainSubstring("certificate signed by unknown authority")))
	})

	It("serves cleartext HTTP/2 with prior knowledge beside HTTP/1.1 (h2c)", func() {
		srv := startServer("response: {status: 200}\n", faultserver.Options{H2C: true})
		resp, _, err := call(h2cClient(), "GET", srv.URL()+"/a", "c1")
		Expect(err).NotTo(HaveOccurred())
		Expect(resp.Proto).To(Equal("HTTP/2.0"))
		resp, _, err = call(freshClient(10*time.Second), "GET", srv.URL()+"/b", "c2")
		Expect(err).NotTo(HaveOccurred())
		Expect(resp.Proto).To(Equal("HTTP/1.1"))
		Expect(waitRecords(srv, 2)).To(ConsistOf(
			And(HaveField("Path", "/a"), HaveField("Protocol", "HTTP/2.0"), HaveField("TLS", false)),
			And(HaveField("Path", "/b"), HaveField("Protocol", "HTTP/1.1"), HaveField("TLS", false))))
	})

	Describe("faults before the request", func() {
		It("refuses the handshake with a certificate the client does not trust, then lets the next connection in", func() {
			srv, id := tlsServer("phases: [{name: bad, requests: 1, fault: {tls_bad_cert: true}}, {name: ok}]\n", faultserver.Options{})
			c, _ := h2Client(id, false, 10*time.Second)
			_, _, err := call(c, "GET", srv.URL()+"/a", "c1")
			Expect(err).To(MatchError(ContainSubstring("certificate signed by unknown authority")))
			Expect(resilience.Classify(err)).To(Equal(resilience.ClassError))
			resp, _, err := call(c, "GET", srv.URL()+"/a", "c1")
			Expect(err).NotTo(HaveOccurred())
			Expect(resp.StatusCode).To(Equal(200))
			recs := waitRecords(srv, 2)
			Expect(recs).To(ContainElement(And(before(record.FaultTLSBadCert, true), HaveField("Phase", "bad"))))
			Expect(recs).To(ContainElement(And(HaveField("Fault", record.FaultNone), HaveField("Phase", "ok"), HaveField("Protocol", "HTTP/2.0"))))
		})

		It("closes mid-handshake: the client reads EOF", func() {
			srv, id := tlsServer("phases: [{requests: 1, fault: {tls_close: true}}, {}]\n", faultserver.Options{})
			c, _ := h2Client(id, false, 10*time.Second)
			_, _, err := call(c, "GET", srv.URL()+"/a", "c1")
			Expect(err).To(HaveOccurred())
			Expect(resilience.Classify(err)).To(Equal(resilience.ClassEOF), err.Error())
			Expect(waitRecords(srv, 1)).To(ConsistOf(before(record.FaultTLSClose, true)))
		})

		It("stalls the handshake: the client's handshake timeout fires, and the stall ends when the client goes", func() {
			srv, id := tlsServer("phases: [{requests: 1, fault: {tls_stall: 1h}}, {}]\n", faultserver.Options{})
			c, tr := h2Client(id, false, 0)
			tr.TLSHandshakeTimeout = 50 * time.Millisecond
			_, _, err := call(c, "GET", srv.URL()+"/a", "c1")
			Expect(err).To(MatchError(ContainSubstring("TLS handshake timeout")))
			Expect(resilience.Classify(err)).To(Equal(resilience.ClassTimeout), err.Error())
			Expect(waitRecords(srv, 1)).To(ConsistOf(before(record.FaultTLSStall, true)))
		})

		It("accepts a connection and never reads it, until the server closes", func() {
			srv := startServer("phases: [{requests: 1, fault: {accept_stall: 1h}}, {}]\n", faultserver.Options{})
			_, _, err := call(freshClient(50*time.Millisecond), "GET", srv.URL()+"/a", "c1")
			var ne net.Error
			Expect(errors.As(err, &ne)).To(BeTrue())
			Expect(ne.Timeout()).To(BeTrue(), "the client's timeout: %v", err)
			Expect(srv.Stats().InFlight).To(Equal(int64(1)), "still stalled: nothing was read, so the client's going is not seen")
			Expect(srv.Close()).To(Succeed())
			Expect(srv.Records()).To(ConsistOf(And(before(record.FaultAcceptStall, false), HaveField("Phase", "phase1"))))
		})

		It("are decided once per connection by the phase in force, and leave scripts without them deciding nothing at accept", func() {
			// A mix of 50% tls_close: of the connections, those that draw it
			// fail and are logged; the others go on to their request, which
			// draws from the mix too but is served (its connection is past
			// the handshake). The count phase ends after 40 arrivals,
			// connections that failed and requests together.
			srv, id := tlsServer("phases: [{requests: 40, mix: [{weight: 1, fault: {tls_close: true}}, {weight: 1}]}, {name: after}]\n", faultserver.Options{Seed: 3})
			c, tr := h2Client(id, false, 10*time.Second)
			tr.DisableKeepAlives = true
			failed := 0
			for range 40 {
				if _, _, err := call(c, "GET", srv.URL()+"/", "c1"); err != nil {
					failed++
				}
			}
			recs := waitRecords(srv, 40)
			closed := 0
			for _, r := range recs {
				if r.Fault == record.FaultTLSClose {
					Expect(r).To(before(record.FaultTLSClose, true))
					closed++
				} else {
					Expect(r).To(And(HaveField("Fault", record.FaultNone), HaveField("Status", 200)))
				}
			}
			Expect(len(recs)-closed).To(Equal(40-failed), "a served Record for each call that succeeded")
			Expect(closed).To(Equal(failed), "a call that met a close failed: Go's transport does not dial again after a handshake cut short")
			Expect(closed).To(BeNumerically(">", 5))
			Expect(closed).To(BeNumerically("<", 38))
			// The 41st connection is past the count phase.
			_, _, err := call(c, "GET", srv.URL()+"/", "c1")
			Expect(err).NotTo(HaveOccurred())
			Expect(waitRecords(srv, 41)).To(ContainElement(HaveField("Phase", "after")))
		})
	})

	Describe("HTTP/2 faults", func() {
		It("resets a stream with REFUSED_STREAM, which Go's transport retries by itself: two Records of one attempt", func() {
			srv, id := tlsServer("phases: [{name: refuse, requests: 1, fault: {rst_stream: REFUSED_STREAM}}, {name: ok}]\n", faultserver.Options{})
			c, _ := h2Client(id, false, 10*time.Second)
			req, _ := http.NewRequest("GET", srv.URL()+"/a", nil)
			req.Header.Set(record.HeaderClient, "c1")
			req.Header.Set(record.HeaderAttempt, "1")
			resp, err := c.Do(req)
			Expect(err).NotTo(HaveOccurred(), "the transport retried the refused stream")
			resp.Body.Close()
			Expect(resp.StatusCode).To(Equal(200))
			recs := waitRecords(srv, 2)
			Expect(recs).To(ConsistOf(
				And(HaveField("Fault", record.FaultRSTStream), HaveField("Attempt", 1), HaveField("Status", 0), HaveField("Phase", "refuse")),
				And(HaveField("Fault", record.FaultNone), HaveField("Attempt", 1), HaveField("Status", 200), HaveField("Phase", "ok"))))
		})

		It("resets a stream with CANCEL, which the client reports as a stream error", func() {
			srv, id := tlsServer("phases: [{requests: 1, fault: {rst_stream: CANCEL}}, {}]\n", faultserver.Options{})
			c, _ := h2Client(id, false, 10*time.Second)
			_, _, err := call(c, "GET", srv.URL()+"/a", "c1")
			Expect(err).To(MatchError(ContainSubstring("CANCEL")))
			Expect(resilience.Classify(err)).To(Equal(resilience.ClassError), err.Error())
			Expect(waitRecords(srv, 1)).To(ConsistOf(HaveField("Fault", record.FaultRSTStream)))
		})

		It("falls back to a TCP reset for rst_stream on HTTP/1.1", func() {
			srv, id := tlsServer("phases: [{requests: 1, fault: {rst_stream: INTERNAL_ERROR}}, {}]\n", faultserver.Options{})
			c, tr := h2Client(id, true, 10*time.Second)
			tr.DisableKeepAlives = true
			_, _, err := call(c, "GET", srv.URL()+"/a", "c1")
			Expect(err).To(HaveOccurred())
			Expect(resilience.Classify(err)).To(Equal(resilience.ClassReset), err.Error())
		})

		It("falls back on HTTP/1.1: a graceful goaway is Connection: close, another a close with no response", func() {
			srv, id := tlsServer("phases: [{requests: 1, fault: {goaway: true}}, {requests: 1, fault: {goaway: {code: CANCEL}}}, {}]\n", faultserver.Options{})
			c, _ := h2Client(id, true, 10*time.Second)
			resp, _, err := call(c, "GET", srv.URL()+"/a", "c1")
			Expect(err).NotTo(HaveOccurred())
			Expect(resp.Proto).To(Equal("HTTP/1.1"))
			Expect(resp.Close).To(BeTrue(), "Connection: close")
			_, _, err = call(c, "GET", srv.URL()+"/a", "c1")
			Expect(err).To(HaveOccurred())
			Expect(resilience.Classify(err)).To(Equal(resilience.ClassEOF), err.Error())
		})

		It("sends a graceful GOAWAY: the request is answered and the next goes on a new connection", func() {
			srv, id := tlsServer("phases: [{requests: 1, fault: {goaway: true}}, {}]\n", faultserver.Options{})
			c, _ := h2Client(id, false, 10*time.Second)
			for range 2 {
				resp, _, err := call(c, "GET", srv.URL()+"/a", "c1")
				Expect(err).NotTo(HaveOccurred())
				Expect(resp.StatusCode).To(Equal(200))
			}
			recs := waitRecords(srv, 2)
			Expect(recs).To(ConsistOf(
				And(HaveField("Fault", record.FaultGoAway), HaveField("Status", 200)),
				HaveField("Fault", record.FaultNone)))
			Expect(recs[0].Conn).NotTo(Equal(recs[1].Conn))
		})

		It("sends a GOAWAY with last stream id 0: Go's transport retries the unprocessed request on a new connection", func() {
			srv, id := tlsServer("phases: [{requests: 1, fault: {goaway: {last_stream_id: 0}}}, {}]\n", faultserver.Options{})
			c, _ := h2Client(id, false, 10*time.Second)
			resp, _, err := call(c, "GET", srv.URL()+"/a", "c1")
			Expect(err).NotTo(HaveOccurred())
			Expect(resp.StatusCode).To(Equal(200))
			recs := waitRecords(srv, 2)
			Expect(recs).To(ConsistOf(
				And(HaveField("Fault", record.FaultGoAway), HaveField("Status", 0)),
				And(HaveField("Fault", record.FaultNone), HaveField("Status", 200))))
			Expect(recs[0].Conn).NotTo(Equal(recs[1].Conn))
		})

		It("sends a GOAWAY with an error code: Go's transport does not retry the first stream of a connection", func() {
			srv, id := tlsServer("phases: [{requests: 1, fault: {goaway: {code: ENHANCE_YOUR_CALM}}}, {}]\n", faultserver.Options{})
			c, _ := h2Client(id, false, 10*time.Second)
			_, _, err := call(c, "GET", srv.URL()+"/a", "c1")
			Expect(err).To(MatchError(ContainSubstring("received GOAWAY from server ErrCode:ENHANCE_YOUR_CALM")))
			Expect(resilience.Classify(err)).To(Equal(resilience.ClassError), err.Error())
			Expect(waitRecords(srv, 1)).To(ConsistOf(And(HaveField("Fault", record.FaultGoAway), HaveField("Status", 0))))
		})

		It("fails a request whose stream the GOAWAY says was processed (last_stream_id above it)", func() {
			srv, id := tlsServer("phases: [{requests: 1, fault: {goaway: {code: PROTOCOL_ERROR, last_stream_id: 2147483647}}}, {}]\n", faultserver.Options{})
			c, _ := h2Client(id, false, 10*time.Second)
			_, _, err := call(c, "GET", srv.URL()+"/a", "c1")
			Expect(err).To(HaveOccurred())
			Expect(waitRecords(srv, 1)).To(ConsistOf(HaveField("Fault", record.FaultGoAway)))
		})

		It("announces a max-concurrent-streams limit: Go's transport opens a connection per stream beyond it", func() {
			srv, id := tlsServer("phases: [{fault: {hang: 1h}}]\n", faultserver.Options{MaxConcurrentStreams: 1})
			c, _ := h2Client(id, false, 0)
			var wg sync.WaitGroup
			for range 3 {
				wg.Go(func() { _, _, _ = call(c, "GET", srv.URL()+"/a", "c1") })
			}
			Eventually(func() int64 { return srv.Stats().Hung }, 10*time.Second, 5*time.Millisecond).Should(Equal(int64(3)))
			Expect(srv.Close()).To(Succeed())
			wg.Wait()
			conns := map[uint64]bool{}
			for _, r := range srv.Records() {
				Expect(r.Protocol).To(Equal("HTTP/2.0"))
				conns[r.Conn] = true
			}
			Expect(conns).To(HaveLen(3), "one stream a connection")
		})
	})

	DescribeTable("the faults that take the connection over on HTTP/1.1 reset the stream on HTTP/2",
		func(fault string) {
			srv, id := tlsServer("phases: [{requests: 1, fault: "+fault+"}, {}]\n", faultserver.Options{})
			c, _ := h2Client(id, false, 10*time.Second)
			resp, _, err := call(c, "GET", srv.URL()+"/a", "c1")
			Expect(err).To(MatchError(ContainSubstring("INTERNAL_ERROR")), "no whole response: %v", resp)
			Expect(waitRecords(srv, 1)).To(ConsistOf(HaveField("Protocol", "HTTP/2.0")))
		},
		Entry("reset", "{reset: true}"),
		Entry("close", "{close: true}"),
		Entry("malformed", "{malformed: true}"),
		Entry("truncate", "{truncate: 3, body_size: 100}"),
		Entry("a hang's end", "{hang: 1ms}"),
	)

	It("refuses unknown HTTP/2 error codes and a bad goaway, naming the field", func() {
		_, _, err := faultserver.ParseScript("s.yaml", []byte("phases: [{fault: {rst_stream: NOPE}}]\n"))
		Expect(err).To(MatchError(ContainSubstring(`phases[0].fault.rst_stream: "NOPE" is not an HTTP/2 error code`)))
		_, _, err = faultserver.ParseScript("s.yaml", []byte("phases: [{fault: {goaway: {cod: CANCEL}}}]\n"))
		Expect(err).To(MatchError(ContainSubstring(`unknown field "cod" of a goaway (did you mean "code"?)`)))
		_, _, err = faultserver.ParseScript("s.yaml", []byte("phases: [{fault: {goaway: false}}]\n"))
		Expect(err).To(MatchError(ContainSubstring("expected true (a graceful GOAWAY)")))
		_, _, err = faultserver.ParseScript("s.yaml", []byte("phases: [{fault: {tls_stall: -1s}}]\n"))
		Expect(err).To(MatchError(ContainSubstring(`phases[0].fault.tls_stall: duration "-1s" is negative`)))
	})
})

var _ = Describe("a stall before the request and the server's limits", func() {
	It("takes a MaxHeld slot: past the limit a new connection is closed at once and logged as overload", func() {
		srv := startServer("phases: [{fault: {accept_stall: 1h}}]\n", faultserver.Options{Limits: faultserver.Limits{MaxHeld: 1}})
		c := freshClient(100 * time.Millisecond)
		_, _, err := call(c, "GET", srv.URL()+"/a", "c1") // stalls until Close, holding the one slot
		Expect(err).To(HaveOccurred())
		_, _, err = call(c, "GET", srv.URL()+"/a", "c1") // refused at once
		Expect(err).To(HaveOccurred())
		Expect(waitRecords(srv, 1)).To(ConsistOf(And(HaveField("Fault", record.FaultOverload), HaveField("Phase", faultserver.PhaseLimit),
			HaveField("Method", ""), HaveField("Conn", uint64(2)))))
		Expect(srv.Close()).To(Succeed())
		Expect(srv.Records()).To(ContainElement(And(HaveField("Fault", record.FaultAcceptStall), HaveField("Conn", uint64(1)))))
	})
})
