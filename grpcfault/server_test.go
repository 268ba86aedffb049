package grpcfault

import (
	"time"

	. "github.com/onsi/ginkgo/v2"
	. "github.com/onsi/gomega"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"

	"github.com/chaos-harness/chaos/faultserver"
	"github.com/chaos-harness/chaos/record"
)

const method = "/shop.Orders/Get"

var _ = Describe("the gRPC fault server", func() {
	It("answers any method by echoing the request, and logs the call", func() {
		srv := startServer("{}")
		cc, _ := dial(srv, "")
		reply, header, _, err := call(cc, method, []byte("order 7"), 10*time.Second,
			"x-chaos-client", "c1", "x-chaos-request", "c1/1", "x-chaos-attempt", "1")
		Expect(err).NotTo(HaveOccurred())
		Expect(string(reply)).To(Equal("order 7"))
		Expect(header.Get("x-chaos-phase")).To(Equal([]string{faultserver.PhaseDefault}))
		Expect(header.Get("x-chaos-fault")).To(BeEmpty())
		recs := srv.Records()
		Expect(recs).To(HaveLen(1))
		r := recs[0]
		Expect(r.Client).To(Equal("c1"))
		Expect(r.Request).To(Equal("c1/1"))
		Expect(r.Attempt).To(Equal(1))
		Expect(r.Method).To(Equal("POST"))
		Expect(r.Path).To(Equal(method))
		Expect(r.Conn).To(Equal(uint64(1)))
		Expect(r.Fault).To(Equal(record.FaultNone))
		Expect(r.Status).To(Equal(200))
		Expect(r.GRPCCode).To(Equal("OK"))
		Expect(r.BodyBytes).To(Equal(int64(len("order 7"))))
	})

	It("keys a client without x-chaos-client by remote IP and user-agent, and leaves the attempt unknown", func() {
		srv := startServer("{}")
		cc, _ := dial(srv, "")
		_, _, _, err := call(cc, method, nil, 10*time.Second)
		Expect(err).NotTo(HaveOccurred())
		r := srv.Records()[0]
		Expect(r.Client).To(HavePrefix("127.0.0.1 grpc-go/"))
		Expect(r.Attempt).To(Equal(0))
	})

	It("ends a call with grpc_code, grpc_message and grpc_trailers, its Record a failed attempt", func() {
		srv := startServer(`
phases:
  - name: outage
    fault: {grpc_code: UNAVAILABLE, grpc_message: backend down, grpc_trailers: {region: eu-1}, grpc_pushback: 250ms}
`)
		cc, _ := dial(srv, "")
		_, _, trailer, err := call(cc, method, []byte("x"), 10*time.Second, "x-chaos-client", "c1")
		st := status.Convert(err)
		Expect(st.Code()).To(Equal(codes.Unavailable))
		Expect(st.Message()).To(Equal("backend down"))
		Expect(trailer.Get("region")).To(Equal([]string{"eu-1"}))
		Expect(trailer.Get("grpc-retry-pushback-ms")).To(Equal([]string{"250"}))
		Expect(trailer.Get("x-chaos-fault")).To(Equal([]string{"status"}))
		Expect(trailer.Get("x-chaos-phase")).To(Equal([]string{"outage"}))
		r := srv.Records()[0]
		Expect(r.GRPCCode).To(Equal("UNAVAILABLE"))
		Expect(r.Status).To(Equal(503)) // UNAVAILABLE's HTTP equivalent: the HTTP server would send 503
		Expect(r.Fault).To(Equal(record.FaultStatus))
		Expect(r.RetryAfterMs).To(Equal(250.0))
		Expect(r.Phase).To(Equal("outage"))
	})

	DescribeTable("gives an HTTP status without grpc_code the code gRPC reads from it",
		func(httpStatus string, want codes.Code, wantName string) {
			srv := startServer("phases: [{fault: {status: " + httpStatus + "}}]")
			cc, _ := dial(srv, "")
			_, _, _, err := call(cc, method, nil, 10*time.Second)
			Expect(status.Code(err)).To(Equal(want))
			Expect(srv.Records()[0].GRPCCode).To(Equal(wantName))
			Expect(srv.Records()[0].Status).To(Equal(atoi(httpStatus)))
		},
		// grpc/grpc doc/http-grpc-status-mapping.md
		Entry("400", "400", codes.Internal, "INTERNAL"),
		Entry("401", "401", codes.Unauthenticated, "UNAUTHENTICATED"),
		Entry("403", "403", codes.PermissionDenied, "PERMISSION_DENIED"),
		Entry("404", "404", codes.Unimplemented, "UNIMPLEMENTED"),
		Entry("429", "429", codes.Unavailable, "UNAVAILABLE"),
		Entry("502", "502", codes.Unavailable, "UNAVAILABLE"),
		Entry("503", "503", codes.Unavailable, "UNAVAILABLE"),
		Entry("504", "504", codes.Unavailable, "UNAVAILABLE"),
		Entry("500: any other", "500", codes.Unknown, "UNKNOWN"),
	)

	It("sends the Retry-After's wait as grpc-retry-pushback-ms", func() {
		srv := startServer("phases: [{fault: {status: 503, retry_after: 2s}}]")
		cc, _ := dial(srv, "")
		_, _, trailer, err := call(cc, method, nil, 10*time.Second)
		Expect(status.Code(err)).To(Equal(codes.Unavailable))
		Expect(trailer.Get("grpc-retry-pushback-ms")).To(Equal([]string{"2000"}))
		Expect(srv.Records()[0].RetryAfterMs).To(Equal(2000.0))
	})

	It("answers overload RESOURCE_EXHAUSTED", func() {
		// A bucket of one token that refills once an hour: the first call is
		// admitted, the second refused.
		srv := startServer("capacity: {rate: 0.0002778, burst: 1, status: 429}")
		cc, _ := dial(srv, "")
		_, _, _, err := call(cc, method, nil, 10*time.Second)
		Expect(err).NotTo(HaveOccurred())
		_, _, _, err = call(cc, method, nil, 10*time.Second)
		Expect(status.Code(err)).To(Equal(codes.ResourceExhausted))
		r := srv.Records()[1]
		Expect(r.Fault).To(Equal(record.FaultOverload))
		Expect(r.GRPCCode).To(Equal("RESOURCE_EXHAUSTED"))
		Expect(r.Status).To(Equal(429))
	})

	It("replies with the response's body when one is given", func() {
		srv := startServer("response: {body: pong}")
		cc, _ := dial(srv, "")
		reply, _, _, err := call(cc, method, []byte("ping"), 10*time.Second)
		Expect(err).NotTo(HaveOccurred())
		Expect(string(reply)).To(Equal("pong"))
	})

	It("holds a hang until the client's deadline: DEADLINE_EXCEEDED on its side, no status sent", func() {
		srv := startServer("phases: [{fault: {hang: 1h}}]")
		cc, _ := dial(srv, "")
		_, _, _, err := call(cc, method, nil, 300*time.Millisecond)
		Expect(status.Code(err)).To(Equal(codes.DeadlineExceeded))
		Eventually(srv.Records).WithTimeout(10 * time.Second).Should(HaveLen(1))
		r := srv.Records()[0]
		Expect(r.Fault).To(Equal(record.FaultHang))
		Expect(r.Status).To(Equal(0))
		Expect(r.GRPCCode).To(Equal("CANCELLED")) // the client ended the call; see endedBy
	})

	It("holds a slow reply as long as its bytes take at the bandwidth, then sends it whole", func() {
		// 2000 bytes at 10KB/s (10,000 B/s): faultserver.SlowDue says 200ms less the
		// first chunk, which goes at once
		srv := startServer("phases: [{fault: {slow: 10KB/s, body_size: 2000}}]")
		cc, _ := dial(srv, "")
		reply, _, _, err := call(cc, method, []byte("a"), 30*time.Second)
		Expect(err).NotTo(HaveOccurred())
		Expect(reply).To(HaveLen(2000))
		r := srv.Records()[0]
		Expect(r.Fault).To(Equal(record.FaultSlow))
		Expect(r.BodyBytes).To(Equal(int64(2000)))
		Expect(r.LatencyMs).To(BeNumerically(">=", faultserver.SlowDue(10_000, 2000).Seconds()*1000))
	})

	It("holds a delay, then answers", func() {
		srv := startServer("phases: [{fault: {delay: 200ms}}]")
		cc, _ := dial(srv, "")
		_, _, _, err := call(cc, method, []byte("a"), 10*time.Second)
		Expect(err).NotTo(HaveOccurred())
		r := srv.Records()[0]
		Expect(r.Fault).To(Equal(record.FaultDelay))
		Expect(r.GRPCCode).To(Equal("OK"))
		Expect(r.LatencyMs).To(BeNumerically(">=", 200))
	})

	It("resets the connection: UNAVAILABLE, no GOAWAY, and the next call comes on a new connection", func() {
		srv := startServer("phases: [{requests: 1, fault: {reset: true}}, {}]")
		cc, frames := dial(srv, "")
		_, _, _, err := call(cc, method, nil, 10*time.Second)
		Expect(status.Code(err)).To(Equal(codes.Unavailable))
		Expect(frames.goAways()).To(Equal(0))
		_, _, _, err = call(cc, method, nil, 10*time.Second)
		Expect(err).NotTo(HaveOccurred())
		recs := arrivals(srv, 2)
		Expect(recs[0].Fault).To(Equal(record.FaultReset))
		Expect(recs[0].Status).To(Equal(0))
		Expect(recs[0].GRPCCode).To(BeEmpty())
		Expect(recs[1].Conn).To(Equal(recs[0].Conn + 1))
	})

	It("sends a GOAWAY mid-call for close, then closes the transport: UNAVAILABLE", func() {
		srv := startServer("phases: [{requests: 1, fault: {close: true}}, {}]")
		cc, frames := dial(srv, "")
		_, _, _, err := call(cc, method, nil, 10*time.Second)
		Expect(status.Code(err)).To(Equal(codes.Unavailable))
		Expect(frames.goAways()).To(BeNumerically(">=", 1))
		_, _, _, err = call(cc, method, nil, 10*time.Second)
		Expect(err).NotTo(HaveOccurred())
		recs := arrivals(srv, 2)
		Expect(recs[0].Fault).To(Equal(record.FaultClose))
		Expect(recs[0].Status).To(Equal(0))
		Expect(recs[1].Conn).To(Equal(recs[0].Conn + 1))
	})

	It("cuts the transport for malformed and truncate", func() {
		srv := startServer("phases: [{requests: 1, fault: {malformed: true}}, {requests: 1, fault: {truncate: 0}}, {}]")
		cc, _ := dial(srv, "")
		for range 2 {
			_, _, _, err := call(cc, method, nil, 10*time.Second)
			Expect(status.Code(err)).To(Equal(codes.Unavailable))
		}
		recs := arrivals(srv, 2)
		Expect(recs[0].Fault).To(Equal(record.FaultMalformed))
		Expect(recs[1].Fault).To(Equal(record.FaultTruncate))
	})

	It("decides by route on the full method, and by client under per: client", func() {
		srv := startServer(`
per: client
phases: [{requests: 1, fault: {grpc_code: ABORTED}}, {}]
routes:
  - {path: "/shop.Orders/Create", phases: [{fault: {grpc_code: ALREADY_EXISTS}}]}
`)
		cc, _ := dial(srv, "")
		code := func(m, client string) codes.Code {
			_, _, _, err := call(cc, m, nil, 10*time.Second, "x-chaos-client", client)
			return status.Code(err)
		}
		Expect(code(method, "a")).To(Equal(codes.Aborted)) // a's first call
		Expect(code(method, "a")).To(Equal(codes.OK))
		Expect(code(method, "b")).To(Equal(codes.Aborted)) // b's own first call
		Expect(code("/shop.Orders/Create", "a")).To(Equal(codes.AlreadyExists))
		Expect(srv.Records()[3].Route).To(Equal("/shop.Orders/Create"))
		Expect(srv.Records()[3].Status).To(Equal(409)) // ALREADY_EXISTS's HTTP equivalent
	})

	It("decides the same calls the same way for the same seed", func() {
		script := "phases: [{mix: [{weight: 1}, {weight: 1, fault: {grpc_code: UNAVAILABLE}}]}]"
		codesOf := func() []string {
			srv := startServer(script)
			cc, _ := dial(srv, "")
			for range 20 {
				_, _, _, _ = call(cc, method, nil, 10*time.Second, "x-chaos-client", "c1")
			}
			var out []string
			for _, r := range srv.Records() {
				out = append(out, r.GRPCCode)
			}
			return out
		}
		first := codesOf()
		Expect(first).To(ContainElements("OK", "UNAVAILABLE"))
		Expect(codesOf()).To(Equal(first))
	})
})
