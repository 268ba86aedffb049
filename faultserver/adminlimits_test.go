package faultserver_test

import (
	"bufio"
	"errors"
	"net"
	"net/http"
	"os"
	"strings"
	"time"

	. "github.com/onsi/ginkgo/v2"
	. "github.com/onsi/gomega"

	"github.com/chaos-harness/chaos/faultserver"
)

// dialAddr opens a plain TCP connection to a base URL, closed when the spec
// ends.
func dialAddr(base string) net.Conn {
	conn, err := net.Dial("tcp", strings.TrimPrefix(base, "http://"))
	Expect(err).NotTo(HaveOccurred())
	DeferCleanup(func() { _ = conn.Close() })
	return conn
}

// send writes raw bytes to a connection.
func send(conn net.Conn, raw string) {
	_, err := conn.Write([]byte(raw))
	Expect(err).NotTo(HaveOccurred())
}

// readStatus reads one response's status line from a connection, failing
// after a generous wait.
func readStatus(conn net.Conn, r *bufio.Reader) string {
	Expect(conn.SetReadDeadline(time.Now().Add(10 * time.Second))).To(Succeed())
	line, err := r.ReadString('\n')
	Expect(err).NotTo(HaveOccurred())
	return strings.TrimSpace(line)
}

var _ = Describe("the admin API's limits", func() {
	// The body timeout is an hour in the first two specs: the answers come at
	// once, so they prove the body is not waited for.
	hour := faultserver.Limits{BodyTimeout: time.Hour}

	It("refuses an unauthenticated request before reading its body, and closes the connection", func() {
		srv := startServer("{}\n", faultserver.Options{Admin: faultserver.AdminOptions{Token: "t"}, Limits: hour})
		conn := dialAddr(srv.URL())
		send(conn, "PUT /_chaos/script HTTP/1.1\r\nHost: x\r\nContent-Length: 1000\r\n\r\n")
		got := closedByServer(conn)
		Expect(got).To(HavePrefix("HTTP/1.1 401 Unauthorized\r\n"))
		Expect(got).To(ContainSubstring("Connection: close"))
	})

	It("answers a GET that declares a body it never sends at once, and closes the connection", func() {
		srv := startServer("{}\n", faultserver.Options{Admin: faultserver.AdminOptions{Token: "t"}, Limits: hour})
		conn := dialAddr(srv.URL())
		send(conn, "GET /_chaos/stats HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer t\r\nContent-Length: 1000\r\n\r\n")
		got := closedByServer(conn)
		Expect(got).To(HavePrefix("HTTP/1.1 200 OK\r\n"))
		Expect(got).To(ContainSubstring(`"requests": 0`))
	})

	It("cuts a trickled PUT /_chaos/script after BodyTimeout and keeps the script", func() {
		srv := startServer("phases: [{fault: {status: 418}}]\n", faultserver.Options{Limits: faultserver.Limits{BodyTimeout: 100 * time.Millisecond}})
		conn := dialAddr(srv.URL())
		send(conn, "PUT /_chaos/script HTTP/1.1\r\nHost: x\r\nContent-Length: 100\r\n\r\nphases: [")
		got := closedByServer(conn)
		Expect(got).To(HavePrefix("HTTP/1.1 400 Bad Request\r\n"))
		Expect(got).To(ContainSubstring("reading the script"))
		resp, _, err := call(freshClient(5*time.Second), "GET", srv.URL()+"/", "c")
		Expect(err).NotTo(HaveOccurred())
		Expect(resp.StatusCode).To(Equal(http.StatusTeapot))
	})

	It("cuts an admin reader that stops reading after WriteTimeout, freeing its slot", func() {
		// 4,000 Records with 4 KB paths make a log of 16 MB, more than the
		// socket buffers take; with one admin slot, a second admin request is
		// served only once the stuck reader has been cut.
		srv := startServer("{}\n", faultserver.Options{Admin: faultserver.AdminOptions{Addr: "127.0.0.1:0"},
			Limits: faultserver.Limits{WriteTimeout: 100 * time.Millisecond, MaxAdminConns: 1}})
		fillLog(srv, 4000, 4000)
		stuck := dialAddr(srv.AdminURL())
		send(stuck, "GET /_chaos/log HTTP/1.1\r\nHost: x\r\n\r\n")
		Eventually(func() int {
			status, _, _ := adminDoErr("GET", srv.AdminURL()+"/_chaos/health")
			return status
		}, 10*time.Second, 20*time.Millisecond).Should(Equal(200))
	})

	It("answers 503 and closes a connection over MaxAdminConns on its own listener; the faults are not affected", func() {
		srv := startServer("{}\n", faultserver.Options{Admin: faultserver.AdminOptions{Addr: "127.0.0.1:0"},
			Limits: faultserver.Limits{MaxAdminConns: 2}})
		idle := []net.Conn{dialAddr(srv.AdminURL()), dialAddr(srv.AdminURL())}
		// Both idle connections are accepted before the third is refused:
		// a request on each is answered.
		for _, c := range idle {
			send(c, "GET /_chaos/health HTTP/1.1\r\nHost: x\r\n\r\n")
			Expect(readStatus(c, bufio.NewReader(c))).To(Equal("HTTP/1.1 200 OK"))
		}
		over := dialAddr(srv.AdminURL())
		got := closedByServer(over)
		Expect(got).To(HavePrefix("HTTP/1.1 503 Service Unavailable\r\n"))
		Expect(got).To(ContainSubstring("2 admin connections are open already"))
		resp, _, err := call(freshClient(5*time.Second), "GET", srv.URL()+"/", "c")
		Expect(err).NotTo(HaveOccurred())
		Expect(resp.StatusCode).To(Equal(200))

		Expect(idle[0].Close()).To(Succeed())
		Eventually(func() int {
			status, _, _ := adminDoErr("GET", srv.AdminURL()+"/_chaos/health")
			return status
		}, 10*time.Second, 20*time.Millisecond).Should(Equal(200), "a closed connection gives its slot back")
	})

	It("answers 503 to an admin request over MaxAdminConns on the faults' listener, and serves faults meanwhile", func() {
		srv := startServer("{}\n", faultserver.Options{Limits: faultserver.Limits{MaxAdminConns: 1}})
		// A trickled PUT holds the one admin slot until its body times out
		// (30s by default, longer than this spec). A health request of the
		// poll below can take the slot first, and the PUT is then refused:
		// the poll sees that on the held connection and sends the PUT
		// again, so whatever the order, the PUT ends up holding the slot.
		const trickle = "PUT /_chaos/script HTTP/1.1\r\nHost: x\r\nContent-Length: 100\r\n\r\nphases: ["
		held := dialAddr(srv.URL())
		send(held, trickle)
		Eventually(func() int {
			if answered(held) {
				held = dialAddr(srv.URL())
				send(held, trickle)
			}
			status, _, _ := adminDoErr("GET", srv.URL()+"/_chaos/health")
			return status
		}, 10*time.Second, 20*time.Millisecond).Should(Equal(503))
		status, body, _ := adminDoErr("GET", srv.URL()+"/metrics")
		Expect(status).To(Equal(503))
		Expect(body).To(ContainSubstring("MaxAdminConns"))
		// Over the limit, a declared body that never comes is not waited for
		// (the body timeout is 30s, the wait 10s).
		over := dialAddr(srv.URL())
		send(over, "GET /_chaos/stats HTTP/1.1\r\nHost: x\r\nContent-Length: 1000\r\n\r\n")
		Expect(closedByServer(over)).To(HavePrefix("HTTP/1.1 503 Service Unavailable\r\n"))
		resp, _, err := call(freshClient(5*time.Second), "GET", srv.URL()+"/", "c")
		Expect(err).NotTo(HaveOccurred())
		Expect(resp.StatusCode).To(Equal(200))
	})
})

// fillLog sends n requests with paths of pathLen bytes on one keep-alive
// connection and waits until all are logged.
func fillLog(srv *faultserver.Server, n, pathLen int) {
	c := &http.Client{Timeout: 10 * time.Second}
	defer c.CloseIdleConnections()
	path := "/" + strings.Repeat("p", pathLen)
	for i := 0; i < n; i++ {
		resp, _, err := call(c, "GET", srv.URL()+path, "c")
		Expect(err).NotTo(HaveOccurred())
		Expect(resp.StatusCode).To(Equal(200))
	}
	Expect(srv.Stats().Requests).To(Equal(int64(n)))
}

// adminDoErr is adminDo for a request that may fail: status 0 when it did.
func adminDoErr(method, url string) (int, string, error) {
	resp, body, err := call(freshClient(5*time.Second), method, url, "")
	if err != nil {
		return 0, "", err
	}
	return resp.StatusCode, body, nil
}

// answered reports whether the server has answered or closed conn: a
// request it refused. Bytes not there yet read as not answered.
func answered(conn net.Conn) bool {
	Expect(conn.SetReadDeadline(time.Now().Add(time.Millisecond))).To(Succeed())
	var b [1]byte
	_, err := conn.Read(b[:])
	Expect(conn.SetReadDeadline(time.Time{})).To(Succeed())
	return err == nil || !errors.Is(err, os.ErrDeadlineExceeded)
}
