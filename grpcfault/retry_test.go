package grpcfault

import (
	"time"

	. "github.com/onsi/ginkgo/v2"
	. "github.com/onsi/gomega"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"

	"github.com/chaos-harness/chaos/chaostest"
)

// retryConfig is a grpc-go service config (gRFC A6) that retries
// UNAVAILABLE up to 4 attempts with a 10ms backoff: a pushback of 300ms is
// thirty times the backoff, so a retry that waits it is one that honoured it.
const retryConfig = `{"methodConfig": [{"name": [{"service": "shop.Orders"}],
  "retryPolicy": {"maxAttempts": 4, "initialBackoff": "0.01s", "maxBackoff": "0.01s",
    "backoffMultiplier": 1, "retryableStatusCodes": ["UNAVAILABLE"]}}]}`

var _ = Describe("grpc-go's own retries (service-config retryPolicy) against the server", func() {
	It("show in the Records as attempts of one call, numbered by grpc-previous-rpc-attempts, waiting the pushback", func() {
		srv := startServer(`
per: client
phases:
  - {name: down, requests: 2, fault: {grpc_code: UNAVAILABLE, grpc_pushback: 300ms}}
  - {name: up}
`)
		cc, _ := dial(srv, retryConfig)
		reply, _, _, err := call(cc, method, []byte("order 7"), 30*time.Second,
			"x-chaos-client", "c1", "x-chaos-request", "c1/1", "x-chaos-attempt", "1")
		Expect(err).NotTo(HaveOccurred()) // the third attempt succeeded
		Expect(string(reply)).To(Equal("order 7"))

		recs := arrivals(srv, 3)
		for i, want := range []struct {
			attempt int
			code    string
		}{{1, "UNAVAILABLE"}, {2, "UNAVAILABLE"}, {3, "OK"}} {
			Expect(recs[i].Request).To(Equal("c1/1"))
			// attempt 1 from x-chaos-attempt, 2 and 3 from grpc-go's
			// grpc-previous-rpc-attempts (1 and 2) + 1
			Expect(recs[i].Attempt).To(Equal(want.attempt))
			Expect(recs[i].GRPCCode).To(Equal(want.code))
		}
		// Each retry came at least the pushback after the failure it
		// followed ended: grpc-go waited 300ms, not its 10ms backoff.
		for i := 1; i < 3; i++ {
			Expect(recs[i].TMs).To(BeNumerically(">=", recs[i-1].TMs+recs[i-1].LatencyMs+300))
		}
		Expect(recs[0].RetryAfterMs).To(Equal(300.0))
		// analysis reads the log unchanged: one logical request, three
		// attempts, succeeded, no retry before its pushback.
		Expect(srv).To(chaostest.HonourRetryAfter())
		Expect(srv).To(chaostest.HaveSuccessRate(Equal(1.0)))
		Expect(srv).To(chaostest.HaveAmplification(Equal(3.0)))
	})

	It("gives up after maxAttempts, and the call fails as the last attempt did", func() {
		srv := startServer("phases: [{fault: {grpc_code: UNAVAILABLE}}]")
		cc, _ := dial(srv, retryConfig)
		_, _, _, err := call(cc, method, nil, 30*time.Second, "x-chaos-client", "c1", "x-chaos-request", "c1/1")
		Expect(status.Code(err)).To(Equal(codes.Unavailable))
		recs := arrivals(srv, 4)
		// Without x-chaos-attempt the first attempt is unknown (0); grpc-go
		// numbers the others.
		Expect([]int{recs[0].Attempt, recs[1].Attempt, recs[2].Attempt, recs[3].Attempt}).To(Equal([]int{0, 2, 3, 4}))
		Expect(srv).To(chaostest.HaveSuccessRate(Equal(0.0)))
		Expect(srv).To(chaostest.HaveAttemptsPerRequest(Equal(4)))
	})

	DescribeTable("retries a call whose transport a fault cut, on a new connection",
		func(fault string) {
			srv := startServer("phases: [{requests: 1, fault: {" + fault + "}}, {}]")
			cc, _ := dial(srv, retryConfig)
			_, _, _, err := call(cc, method, []byte("x"), 30*time.Second,
				"x-chaos-client", "c1", "x-chaos-request", "c1/1", "x-chaos-attempt", "1")
			Expect(err).NotTo(HaveOccurred()) // UNAVAILABLE, retried
			recs := arrivals(srv, 2)
			Expect(recs[0].Attempt).To(Equal(1))
			Expect(recs[1].Attempt).To(Equal(2))
			Expect(recs[1].GRPCCode).To(Equal("OK"))
			Expect(recs[1].Conn).To(Equal(recs[0].Conn + 1))
			Expect(srv).To(chaostest.HaveSuccessRate(Equal(1.0)))
		},
		Entry("a GOAWAY, then the transport closed", "close: true"),
		Entry("a TCP RST", "reset: true"),
	)

	It("does not retry a code the policy does not name", func() {
		srv := startServer("phases: [{fault: {grpc_code: RESOURCE_EXHAUSTED}}]")
		cc, _ := dial(srv, retryConfig)
		_, _, _, err := call(cc, method, nil, 30*time.Second, "x-chaos-client", "c1", "x-chaos-request", "c1/1")
		Expect(status.Code(err)).To(Equal(codes.ResourceExhausted))
		// A failure's Record is logged before its status is sent, so the
		// log is whole once the call has returned.
		Expect(srv.Records()).To(HaveLen(1))
		Expect(srv.Records()[0].Attempt).To(Equal(0))
	})
})

var _ = Describe("grpc-go with a service-config hedgingPolicy", func() {
	It("sends no hedge: grpc-go v1.85 parses hedgingPolicy and does not implement it", func() {
		// If grpc-go ever hedges, this spec fails and the README's gRPC
		// section, which sends hedging users to grpc-js, is to be updated.
		srv := startServer("phases: [{requests: 1, fault: {hang: 1h}}, {}]")
		cc, _ := dial(srv, `{"methodConfig": [{"name": [{"service": "shop.Orders"}],
			"hedgingPolicy": {"maxAttempts": 3, "hedgingDelay": "0.05s"}}]}`)
		_, _, _, err := call(cc, method, nil, time.Second, "x-chaos-client", "c1", "x-chaos-request", "c1/1")
		Expect(status.Code(err)).To(Equal(codes.DeadlineExceeded)) // 20 hedging delays passed
		recs := arrivals(srv, 1)
		Expect(recs[0].Fault).To(Equal("hang"))
		Expect(recs[0].GRPCCode).To(Equal("CANCELLED"))
		Expect(srv.Calls()).To(Equal(int64(1)))
	})
})
