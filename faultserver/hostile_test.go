package faultserver_test

import (
	"bufio"
	"errors"
	"io"
	"net"
	"net/http"
	"os"
	"strings"
	"time"

	. "github.com/onsi/ginkgo/v2"
	. "github.com/onsi/gomega"

	"github.com/chaos-harness/chaos/faultserver"
	"github.com/chaos-harness/chaos/record"
)

// dialRaw opens a plain TCP connection to a server, closed when the spec ends.
func dialRaw(srv *faultserver.Server) net.Conn {
	conn, err := net.Dial("tcp", strings.TrimPrefix(srv.URL(), "http://"))
	Expect(err).NotTo(HaveOccurred())
	DeferCleanup(conn.Close)
	return conn
}

// closedByServer reads until the server closes the connection, and fails if
// it is still open after a generous wait. It returns what was read.
func closedByServer(conn net.Conn) string {
	Expect(conn.SetReadDeadline(time.Now().Add(10 * time.Second))).To(Succeed())
	got, err := io.ReadAll(conn)
	if err != nil {
		Expect(errors.Is(err, os.ErrDeadlineExceeded)).To(BeFalse(), "the server kept the connection open")
	}
	return string(got)
}

var _ = Describe("the server under hostile clients", func() {
	It("disconnects a client that sends its headers too slowly (slowloris)", func() {
		srv := startServer("{}\n", faultserver.Options{Limits: faultserver.Limits{ReadHeaderTimeout: 100 * time.Millisecond}})
		conn := dialRaw(srv)
		_, err := conn.Write([]byte("GET / HTTP/1.1\r\nHost: x\r\nX-Slow: "))
		Expect(err).NotTo(HaveOccurred())
		got := closedByServer(conn)
		Expect(got).NotTo(ContainSubstring("200 OK"))
		Expect(srv.Stats().Requests).To(BeZero(), "a request that never arrived is not logged")
	})

	It("disconnects a client that sends its body too slowly, and logs that no status was sent", func() {
		srv := startServer("{}\n", faultserver.Options{Limits: faultserver.Limits{BodyTimeout: 100 * time.Millisecond}})
		conn := dialRaw(srv)
		_, err := conn.Write([]byte("POST / HTTP/1.1\r\nHost: x\r\nContent-Length: 10\r\n\r\nab"))
		Expect(err).NotTo(HaveOccurred())
		Expect(closedByServer(conn)).To(BeEmpty())
		recs := waitRecords(srv, 1)
		Expect(recs[0].Status).To(Equal(0))
		Expect(srv.Stats().InFlight).To(BeZero())
	})

	It("answers 431 to headers over MaxHeaderBytes", func() {
		srv := startServer("{}\n", faultserver.Options{Limits: faultserver.Limits{MaxHeaderBytes: 1024}})
		req, err := http.NewRequest("GET", srv.URL()+"/", nil)
		Expect(err).NotTo(HaveOccurred())
		req.Header.Set("X-Big", strings.Repeat("a", 64<<10))
		resp, err := freshClient(5 * time.Second).Do(req)
		Expect(err).NotTo(HaveOccurred())
		resp.Body.Close()
		Expect(resp.StatusCode).To(Equal(http.StatusRequestHeaderFieldsTooLarge))
	})

	It("answers 413 at once to a declared body over MaxBodyBytes, logged as overload in phase limit", func() {
		srv := startServer("phases: [{fault: {hang: 1h}}]\n", faultserver.Options{Limits: faultserver.Limits{MaxBodyBytes: 100}})
		conn := dialRaw(srv)
		_, err := conn.Write([]byte("POST /up HTTP/1.1\r\nHost: x\r\nContent-Length: 5000\r\n\r\n"))
		Expect(err).NotTo(HaveOccurred())
		resp, err := http.ReadResponse(bufio.NewReader(conn), nil)
		Expect(err).NotTo(HaveOccurred())
		body, _ := io.ReadAll(resp.Body)
		Expect(resp.StatusCode).To(Equal(http.StatusRequestEntityTooLarge))
		Expect(resp.Header.Get(record.HeaderFault)).To(Equal(record.FaultOverload))
		Expect(string(body)).To(ContainSubstring("MaxBodyBytes"))
		rec := waitRecords(srv, 1)[0]
		Expect([]any{rec.Phase, rec.Fault, rec.Status}).To(Equal([]any{faultserver.PhaseLimit, record.FaultOverload, 413}))
	})

	It("closes a keep-alive connection left idle past IdleTimeout", func() {
		srv := startServer("{}\n", faultserver.Options{Limits: faultserver.Limits{IdleTimeout: 100 * time.Millisecond}})
		conn := dialRaw(srv)
		_, err := conn.Write([]byte("GET / HTTP/1.1\r\nHost: x\r\n\r\n"))
		Expect(err).NotTo(HaveOccurred())
		br := bufio.NewReader(conn)
		resp, err := http.ReadResponse(br, nil)
		Expect(err).NotTo(HaveOccurred())
		_, _ = io.Copy(io.Discard, resp.Body)
		Expect(resp.StatusCode).To(Equal(200))
		Expect(conn.SetReadDeadline(time.Now().Add(10 * time.Second))).To(Succeed())
		_, err = br.ReadByte()
		Expect(err).To(MatchError(io.EOF))
	})

	It("holds at most MaxHeld requests and answers the next with a clear 503 overload at once", func() {
		srv := startServer("routes: [{path: /ok}]\nphases: [{fault: {hang: 1h}}]\n",
			faultserver.Options{Limits: faultserver.Limits{MaxHeld: 5}})
		for i := 0; i < 5; i++ {
			go func() { _, _, _ = call(freshClient(time.Minute), "GET", srv.URL()+"/hang", "h") }()
		}
		Eventually(func() int64 { return srv.Stats().Held }, 5*time.Second, 5*time.Millisecond).Should(Equal(int64(5)))
		c := freshClient(5 * time.Second)
		resp, body, err := call(c, "GET", srv.URL()+"/hang", "over")
		Expect(err).NotTo(HaveOccurred())
		Expect(resp.StatusCode).To(Equal(http.StatusServiceUnavailable))
		Expect(resp.Header.Get(record.HeaderFault)).To(Equal(record.FaultOverload))
		Expect(resp.Header.Get(record.HeaderPhase)).To(Equal(faultserver.PhaseLimit))
		Expect(body).To(ContainSubstring("5 requests are held already"))
		resp, _, err = call(c, "GET", srv.URL()+"/ok", "fine")
		Expect(err).NotTo(HaveOccurred())
		Expect(resp.StatusCode).To(Equal(200), "requests that are not held are served as usual")
		Expect(srv.Stats().Held).To(Equal(int64(5)))

		Expect(srv.Close()).To(Succeed())
		Expect(srv.Stats().Held).To(BeZero())
		st := srv.Stats()
		Expect(st.Faults).To(HaveKeyWithValue(record.FaultOverload, int64(1)))
		Expect(st.Faults).To(HaveKeyWithValue(record.FaultHang, int64(5)))
	})

	It("disconnects a client that stops reading its response", func() {
		srv := startServer("phases: [{fault: {status: 200, body_size: 16000000}}]\n",
			faultserver.Options{Limits: faultserver.Limits{WriteTimeout: 100 * time.Millisecond}})
		conn := dialRaw(srv)
		_, err := conn.Write([]byte("GET / HTTP/1.1\r\nHost: x\r\n\r\n"))
		Expect(err).NotTo(HaveOccurred())
		// The client reads nothing: the server gives up and logs the request.
		waitRecords(srv, 1)
		Expect(srv.Stats().InFlight).To(BeZero())
	})

	It("disconnects a client that pipelines small requests and reads none of the responses", func() {
		// Each response is small enough to sit in net/http's 4 KB buffer
		// until the handler returns; what blocks is the write of one of them
		// once the socket buffers are full of the earlier ones. The write
		// deadline must bound that write too, or the connection is held
		// forever. The bodies are 1500 bytes, not a few: loopback send
		// buffers grow to megabytes, and filling them with tiny responses
		// takes tens of thousands of requests, too slow under -race.
		srv := startServer("response: {body_size: 1500}\n", faultserver.Options{Limits: faultserver.Limits{WriteTimeout: 100 * time.Millisecond}})
		conn := dialRaw(srv)
		Expect(conn.(*net.TCPConn).SetReadBuffer(4096)).To(Succeed())
		writeErr := make(chan error, 1)
		go func() {
			req := []byte(strings.Repeat("GET /p HTTP/1.1\r\nHost: x\r\n\r\n", 1000))
			for {
				if _, err := conn.Write(req); err != nil {
					writeErr <- err // the server closed the connection
					return
				}
			}
		}()
		Eventually(writeErr, 30*time.Second).Should(Receive(HaveOccurred()),
			"the server stopped reading and kept the connection open")
		Expect(srv.Stats().Requests).To(BeNumerically(">", 100), "the socket buffers took many responses first")
	})

	It("lifts the write deadline after a response, so a later request on the connection is not cut by it", func() {
		srv := startServer("{}\n", faultserver.Options{Limits: faultserver.Limits{WriteTimeout: 50 * time.Millisecond}})
		conn := dialRaw(srv)
		br := bufio.NewReader(conn)
		for _, path := range []string{"/a", "/_chaos/health"} {
			_, err := conn.Write([]byte("GET " + path + " HTTP/1.1\r\nHost: x\r\n\r\n"))
			Expect(err).NotTo(HaveOccurred())
			resp, err := http.ReadResponse(br, nil)
			Expect(err).NotTo(HaveOccurred(), path)
			_, err = io.Copy(io.Discard, resp.Body)
			Expect(err).NotTo(HaveOccurred(), path)
			Expect(resp.StatusCode).To(Equal(200), path)
			time.Sleep(200 * time.Millisecond) // past the write deadline of the first response
		}
	})

	It("releases at Close a truncated response blocked on a client that does not read", func() {
		srv := startServer("phases: [{fault: {truncate: 16000000}}]\n", faultserver.Options{})
		conn := dialRaw(srv)
		_, err := conn.Write([]byte("GET / HTTP/1.1\r\nHost: x\r\n\r\n"))
		Expect(err).NotTo(HaveOccurred())
		Eventually(func() int64 { return srv.Stats().InFlight }, 5*time.Second, 5*time.Millisecond).Should(Equal(int64(1)))
		closed := make(chan error, 1)
		go func() { closed <- srv.Close() }()
		Eventually(closed, 10*time.Second).Should(Receive(BeNil()), "Close does not wait for the 30s write timeout")
		Expect(srv.Records()).To(HaveLen(1))
	})
})
