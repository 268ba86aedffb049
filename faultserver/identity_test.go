package faultserver_test

import (
	"net"
	"net/http"
	"time"

	. "github.com/onsi/ginkgo/v2"
	. "github.com/onsi/gomega"

	"github.com/chaos-harness/chaos/faultserver"
)

var _ = Describe("the connection a request came on", func() {
	It("numbers each connection once, whatever port it used, so Records of one keep-alive connection share their number", func() {
		srv := startServer("phases: [{}]", faultserver.Options{})
		keepAlive := &http.Client{Transport: &http.Transport{}, Timeout: 5 * time.Second}
		DeferCleanup(keepAlive.CloseIdleConnections)
		fresh := freshClient(5 * time.Second)
		// Two requests on one kept-alive connection, then two on a new
		// connection each: three connections in all.
		for _, c := range []*http.Client{keepAlive, keepAlive, fresh, fresh} {
			resp, _, err := call(c, http.MethodGet, srv.URL()+"/x", "")
			Expect(err).NotTo(HaveOccurred())
			Expect(resp.StatusCode).To(Equal(http.StatusOK))
		}
		recs := waitRecords(srv, 4)
		conns := []uint64{recs[0].Conn, recs[1].Conn, recs[2].Conn, recs[3].Conn}
		Expect(conns[0]).NotTo(BeZero())
		Expect(conns[1]).To(Equal(conns[0]))
		Expect(conns[2]).NotTo(Equal(conns[0]))
		Expect(conns[3]).NotTo(BeElementOf(conns[0], conns[2]))
		// The client key stays remote IP and User-Agent (docs/DESIGN.md) for all four.
		Expect(recs[0].Client).To(Equal("127.0.0.1 Go-http-client/1.1"))
		Expect(recs[3].Client).To(Equal(recs[0].Client))
	})

	It("is 0, unknown, for a Handler served without ConnContext, and numbered with it", func() {
		srv := startServer("phases: [{}]", faultserver.Options{})
		plain := serveOnLoopback(&http.Server{Handler: srv.Handler(), ReadHeaderTimeout: 5 * time.Second})
		numbered := serveOnLoopback(&http.Server{Handler: srv.Handler(), ReadHeaderTimeout: 5 * time.Second, ConnContext: srv.ConnContext})
		for _, url := range []string{plain, numbered} {
			resp, _, err := call(freshClient(5*time.Second), http.MethodGet, url+"/x", "")
			Expect(err).NotTo(HaveOccurred())
			Expect(resp.StatusCode).To(Equal(http.StatusOK))
		}
		recs := waitRecords(srv, 2)
		Expect(recs[0].Conn).To(BeZero())
		// The server's own listener took no connection: this is the first.
		Expect(recs[1].Conn).To(Equal(uint64(1)))
	})
})

// serveOnLoopback serves hs on a free loopback port until the spec ends and
// returns its base URL.
func serveOnLoopback(hs *http.Server) string {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	Expect(err).NotTo(HaveOccurred())
	go func() { _ = hs.Serve(ln) }()
	DeferCleanup(hs.Close)
	return "http://" + ln.Addr().String()
}
