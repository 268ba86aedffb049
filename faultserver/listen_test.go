package faultserver_test

import (
	"net/http"
	"time"

	. "github.com/onsi/ginkgo/v2"
	. "github.com/onsi/gomega"

	"github.com/chaos-harness/chaos/faultserver"
)

var _ = Describe("listen addresses", func() {
	It("says an address without a port is missing its port, not that the admin API is exposed", func() {
		s, err := faultserver.New(&faultserver.Spec{}, faultserver.Options{Addr: "localhost"})
		Expect(err).NotTo(HaveOccurred())
		defer s.Close()
		_, err = s.Start()
		Expect(err).To(MatchError(ContainSubstring("listen on localhost: address localhost: missing port in address")))
		Expect(err).NotTo(MatchError(faultserver.ErrAdminExposed))
	})

	It("gives a caller's own listener the connection limits Start uses, defaults filled", func() {
		srv := faultserver.Limits{}.HTTPServer(http.NotFoundHandler())
		Expect([]any{srv.ReadHeaderTimeout, srv.IdleTimeout, srv.MaxHeaderBytes}).To(Equal([]any{
			faultserver.DefaultReadHeaderTimeout, faultserver.DefaultIdleTimeout, faultserver.DefaultMaxHeaderBytes}))
		srv = faultserver.Limits{ReadHeaderTimeout: time.Second, IdleTimeout: 2 * time.Second, MaxHeaderBytes: 1000}.HTTPServer(http.NotFoundHandler())
		Expect([]any{srv.ReadHeaderTimeout, srv.IdleTimeout, srv.MaxHeaderBytes}).To(Equal([]any{time.Second, 2 * time.Second, 1000}))
	})

	// Specs listen on loopback only, so 0.0.0.0 is checked through the
	// network it is given: "tcp4" listens on 0.0.0.0 and reports it so, where
	// "tcp" would listen dual-stack and report [::].
	DescribeTable("listens on IPv4 addresses as IPv4",
		func(addr, network string) { Expect(faultserver.ListenNetwork(addr)).To(Equal(network)) },
		Entry("every IPv4 interface", "0.0.0.0:0", "tcp4"),
		Entry("IPv4 loopback", "127.0.0.1:8080", "tcp4"),
		Entry("every interface, any family", ":0", "tcp"),
		Entry("every IPv6 interface", "[::]:0", "tcp"),
		Entry("IPv6 loopback", "[::1]:0", "tcp"),
		Entry("a name", "localhost:0", "tcp"),
	)
})
