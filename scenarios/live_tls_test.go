package scenarios_test

import (
	. "github.com/onsi/ginkgo/v2"
	. "github.com/onsi/gomega"

	"github.com/chaos-harness/chaos/record"
	"github.com/chaos-harness/chaos/scenarios"
)

var _ = Describe("the live engine over TLS and HTTP/2 (server.protocol, server.tls)", func() {
	DescribeTable("speaks what the server speaks, and the Records say so",
		func(keys, proto string, tls bool) {
			s := parse("name: p\nserver: {" + keys + "}\nclients: {count: 2, requests: 3}\npolicies: [{name: p}]\n")
			out := simulate(s, scenarios.Options{Engine: scenarios.EngineLive})
			Expect(out.Records).To(HaveLen(6))
			for _, r := range out.Records {
				Expect(r).To(And(HaveField("Protocol", proto), HaveField("TLS", tls), HaveField("Status", 200),
					HaveField("Outcome", record.OutcomeOK)))
			}
		},
		Entry("HTTP/1.1 by default", "response: {status: 200}", "HTTP/1.1", false),
		Entry("HTTP/1.1 over TLS", "tls: true", "HTTP/1.1", true),
		Entry("h2: HTTP/2 over TLS", "protocol: h2", "HTTP/2.0", true),
		Entry("h2c: cleartext HTTP/2", "protocol: h2c", "HTTP/2.0", false),
	)

	It("shows Go's transport retrying a refused stream by itself: an rst_stream Record the policy never saw fail", func() {
		// 5 clients, 2 requests each: the first 4 arrivals are refused, and
		// each is sent again by net/http on its own (the same attempt
		// header), so 10 logical requests make 14 Records, and no policy
		// retry is needed: every logical request succeeds at attempt 1.
		s := parse(`name: refused
server:
  protocol: h2
  phases: [{name: refusing, requests: 4, fault: {rst_stream: REFUSED_STREAM}}, {name: healthy}]
clients: {count: 5, requests: 2}
policies: [{name: p, retry: {max_retries: 2, base: 10ms, on: [error]}}]
`)
		out := simulate(s, scenarios.Options{Engine: scenarios.EngineLive})
		Expect(out.Records).To(HaveLen(14))
		refused := 0
		for _, r := range out.Records {
			Expect(r.Attempt).To(Equal(1))
			if r.Fault == record.FaultRSTStream {
				refused++
			}
		}
		Expect(refused).To(Equal(4))
		p, _ := out.Result.Policy("p")
		Expect(p.Succeeded).To(Equal(10))
	})

	It("refuses a protocol it does not know and h2c over TLS, naming the field", func() {
		_, err := scenarios.Parse("s.yaml", []byte("name: x\nserver: {protocol: h3}\nclients: {count: 1}\npolicies: [{name: p}]\n"))
		Expect(err).To(MatchError(ContainSubstring(`server.protocol: "h3" is not a protocol`)))
		_, err = scenarios.Parse("s.yaml", []byte("name: x\nserver: {protocol: h2c, tls: true}\nclients: {count: 1}\npolicies: [{name: p}]\n"))
		Expect(err).To(MatchError(ContainSubstring("server.tls: h2c is cleartext HTTP/2")))
	})
})

var _ = Describe("the sim engine with faults before the request and HTTP/2 faults", func() {
	// outcomes runs one client's one logical request in sim and returns
	// each attempt's fault and outcome.
	outcomes := func(phases, policy string) [][2]string {
		s := parse("name: s\nserver: {phases: " + phases + "}\nclients: {count: 1, requests: 1, timeout: 1s}\npolicies: [" + policy + "]\n")
		var got [][2]string
		for _, r := range simulate(s, scenarios.Options{Engine: scenarios.EngineSim}).Records {
			got = append(got, [2]string{r.Fault, r.Outcome})
		}
		return got
	}
	retryErrors := "{name: p, retry: {max_retries: 3, base: 10ms, on: [error, timeout, eof]}}"

	It("plays each attempt as a new connection meets the fault: a refused certificate is an error, retried as one", func() {
		Expect(outcomes("[{requests: 2, fault: {tls_bad_cert: true}}, {}]", retryErrors)).To(Equal([][2]string{
			{record.FaultTLSBadCert, record.OutcomeError}, {record.FaultTLSBadCert, record.OutcomeError}, {record.FaultNone, record.OutcomeOK}}))
	})

	It("turns a stalled handshake or accept into the client's timeout, and a close mid-handshake into a reset (EOF)", func() {
		Expect(outcomes("[{requests: 1, fault: {tls_stall: 5s}}, {requests: 1, fault: {accept_stall: 5s}}, {requests: 1, fault: {tls_close: true}}, {}]", retryErrors)).
			To(Equal([][2]string{{record.FaultTLSStall, record.OutcomeTimeout}, {record.FaultAcceptStall, record.OutcomeTimeout},
				{record.FaultTLSClose, record.OutcomeReset}, {record.FaultNone, record.OutcomeOK}}))
	})

	It("makes a reset stream and a GOAWAY with an error errors, and answers after a graceful GOAWAY", func() {
		Expect(outcomes("[{requests: 1, fault: {rst_stream: REFUSED_STREAM}}, {requests: 1, fault: {goaway: {code: ENHANCE_YOUR_CALM}}}, {}]", retryErrors)).
			To(Equal([][2]string{{record.FaultRSTStream, record.OutcomeError}, {record.FaultGoAway, record.OutcomeError}, {record.FaultNone, record.OutcomeOK}}))
		Expect(outcomes("[{fault: {goaway: true}}]", "{name: p}")).To(Equal([][2]string{{record.FaultGoAway, record.OutcomeOK}}))
	})

	It("does not retry a refused certificate for a policy that retries only statuses", func() {
		Expect(outcomes("[{requests: 1, fault: {tls_bad_cert: true}}, {}]", "{name: p, retry: {max_retries: 3, base: 10ms, on: [5xx]}}")).
			To(Equal([][2]string{{record.FaultTLSBadCert, record.OutcomeError}}))
	})
})
