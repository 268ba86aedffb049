package scenarios_test

import (
	"cmp"
	"errors"
	"slices"
	"strings"

	. "github.com/onsi/ginkgo/v2"
	. "github.com/onsi/gomega"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/metadata"
	"google.golang.org/grpc/status"

	"github.com/chaos-harness/chaos/record"
	"github.com/chaos-harness/chaos/resilience"
	"github.com/chaos-harness/chaos/scenarios"
)

// grpcByCount is a gRPC scenario whose script is decided by each client's
// own count (per: client), so every attempt's code is the same in sim and
// live, whatever the timing.
const grpcByCount = `
name: grpc-by-count
server:
  protocol: grpc
  per: client
  phases:
    - {name: down, requests: 2, fault: {grpc_code: UNAVAILABLE, grpc_message: backend down, grpc_pushback: 300ms}}
    - {name: exhausted, requests: 1, fault: {grpc_code: RESOURCE_EXHAUSTED}}
    - {name: cut, requests: 1, fault: {reset: true}}
    - {name: up}
clients:
  count: 4
  requests: 3
  think: 10ms
  path: /shop.Orders/Create
policies:
  - name: retry
    retry: {max_retries: 5, base: 10ms, backoff: constant, jitter: none, on: [5xx, 429, network]}
  - name: retry-5xx
    retry: {max_retries: 5, base: 10ms, backoff: constant, jitter: none, on: [5xx]}
  - name: no-retry
    retry: {max_retries: 0}
`

// grpcCodes is each client's sequence of grpc_code, attempt by attempt, in
// the order of its logical requests.
func grpcCodes(rs []record.Record) map[string][]string {
	byClient := map[string][]string{}
	for _, r := range rs {
		byClient[r.Client] = append(byClient[r.Client], r.GRPCCode)
	}
	return byClient
}

var _ = Describe("server.protocol: grpc", func() {
	It("plays the same calls in sim and live: requests, attempts, successes and every attempt's grpc_code", func() {
		sim, live := bothEngines(parse(grpcByCount))
		// Per client, by its own count: UNAVAILABLE twice (503 to the
		// policy, with a 300ms pushback), RESOURCE_EXHAUSTED once (429),
		// a reset (no code), then OK.
		//   retry (5xx, 429, network): request 1 takes U U RE reset OK, 5
		//     attempts; requests 2 and 3 OK: 7 attempts, 3 successes.
		//   retry-5xx: request 1 U U RE and gives up on the 429; request 2
		//     is reset and not retried; request 3 OK: 5 attempts, 1 success.
		//   no-retry: U, U, RE: 3 attempts, no success.
		want := map[string]struct {
			codes               []string
			attempts, succeeded int
		}{
			"retry":     {[]string{"UNAVAILABLE", "UNAVAILABLE", "RESOURCE_EXHAUSTED", "", "OK", "OK", "OK"}, 4 * 7, 4 * 3},
			"retry-5xx": {[]string{"UNAVAILABLE", "UNAVAILABLE", "RESOURCE_EXHAUSTED", "", "OK"}, 4 * 5, 4 * 1},
			"no-retry":  {[]string{"UNAVAILABLE", "UNAVAILABLE", "RESOURCE_EXHAUSTED"}, 4 * 3, 0},
		}
		for _, out := range []*scenarios.AnalyzedRun{sim, live} {
			for name, w := range want {
				p, _ := out.Result.Policy(name)
				Expect(p.LogicalRequests).To(Equal(12), name)
				Expect(p.Attempts).To(Equal(w.attempts), name)
				Expect(p.Succeeded).To(Equal(w.succeeded), name)
				Expect(p.RetryAfterViolations).To(HaveValue(Equal(0)), name)
				rs := recordsOf(out, name)
				codes := grpcCodes(rs)
				Expect(codes).To(HaveLen(4), name)
				for client, seq := range codes {
					Expect(seq).To(Equal(w.codes), "%s %s", name, client)
				}
				for _, r := range rs {
					Expect(r.Method).To(Equal("POST"))
					Expect(r.Path).To(Equal("/shop.Orders/Create"))
					if r.Phase == "down" {
						Expect(r.Status).To(Equal(503))
						Expect(r.RetryAfterMs).To(Equal(300.0)) // the pushback, to the millisecond
					}
					if r.Phase == "exhausted" {
						Expect(r.Status).To(Equal(429)) // RESOURCE_EXHAUSTED's HTTP equivalent
					}
				}
			}
		}
	})

	It("waits at least the 300ms pushback live, not the 10ms backoff", func() {
		s := parse(grpcByCount)
		s.Clients.Timeout = 0
		out := simulate(s, scenarios.Options{Engine: scenarios.EngineLive})
		var c1 []record.Record
		for _, r := range recordsOf(out, "retry") {
			if r.Request == "c1/1" {
				c1 = append(c1, r)
			}
		}
		slices.SortFunc(c1, func(a, b record.Record) int { return cmp.Compare(a.Attempt, b.Attempt) })
		// The wait starts when the client has attempt 1's outcome and the
		// next attempt is sent after it on the run's clock: a lower bound
		// only, which a loaded machine cannot break.
		Expect(*c1[1].SentMs - *c1[0].ReceivedMs).To(BeNumerically(">=", 299))
		Expect(*c1[2].SentMs - *c1[1].ReceivedMs).To(BeNumerically(">=", 299))
	})

	It("waits the 300ms pushback in sim, not a Retry-After rounded to whole seconds, nor the 10ms backoff", func() {
		s := parse(grpcByCount)
		out := simulate(s, scenarios.Options{Engine: scenarios.EngineSim})
		rs := recordsOf(out, "retry")
		var c1 []record.Record
		for _, r := range rs {
			if r.Request == "c1/1" {
				c1 = append(c1, r)
			}
		}
		Expect(c1).To(HaveLen(5))
		// Attempt 2 is sent 300ms after attempt 1's answer reached the
		// client; attempt 3 300ms after attempt 2's; attempt 4 (after the
		// RESOURCE_EXHAUSTED, which has no pushback) after the 10ms backoff.
		Expect(*c1[1].SentMs - *c1[0].ReceivedMs).To(BeNumerically("~", 300, 1e-6))
		Expect(*c1[2].SentMs - *c1[1].ReceivedMs).To(BeNumerically("~", 300, 1e-6))
		Expect(*c1[3].SentMs - *c1[2].ReceivedMs).To(BeNumerically("~", 10, 1e-6))
		Expect(c1[3].Outcome).To(Equal(record.OutcomeReset))
	})

	It("logs a call its client left before the answer as CANCELLED with no status, in sim", func() {
		src := strings.Replace(grpcByCount, "think: 10ms", "think: 10ms\n  timeout: 100ms", 1)
		s := parse(strings.Replace(src, "fault: {grpc_code: UNAVAILABLE, grpc_message: backend down, grpc_pushback: 300ms}",
			"fault: {delay: 500ms}", 1)) // past the 100ms timeout
		out := simulate(s, scenarios.Options{Engine: scenarios.EngineSim})
		r := recordsOf(out, "no-retry")[0]
		Expect(r.GRPCCode).To(Equal("CANCELLED"))
		Expect(r.Status).To(Equal(0))
		Expect(r.Outcome).To(Equal(record.OutcomeTimeout))
	})

	DescribeTable("refuses what a gRPC scenario cannot mean, at the field",
		func(edit func(string) string, want string) {
			_, err := scenarios.Parse("grpc.yaml", []byte(edit(grpcByCount)))
			Expect(err).To(MatchError(ContainSubstring(want)))
		},
		Entry("a path that is not a full method", func(s string) string {
			return strings.Replace(s, "path: /shop.Orders/Create", "path: /api/orders", 1)
		}, `grpc.yaml:15:3: clients.path: "/api/orders" is not a full gRPC method: give /pkg.Service/Method`),
		Entry("no path", func(s string) string {
			return strings.Replace(s, "  path: /shop.Orders/Create\n", "", 1)
		}, "clients.path: server.protocol: grpc needs the full method the clients call"),
		Entry("a method other than POST", func(s string) string {
			return strings.Replace(s, "  path:", "  method: GET\n  path:", 1)
		}, `clients.method: a gRPC call is a POST; leave method out with server.protocol: grpc, got "GET"`),
		Entry("TLS", func(s string) string {
			return strings.Replace(s, "protocol: grpc", "protocol: grpc\n  tls: true", 1)
		}, "server.tls: the gRPC server is served in cleartext"),
		Entry("an unknown protocol names grpc among the choices", func(s string) string {
			return strings.Replace(s, "protocol: grpc", "protocol: grcp", 1)
		}, `server.protocol: "grcp" is not a protocol: give http1, h2 (HTTP/2 over TLS), h2c (cleartext HTTP/2) or grpc`),
	)
})

var _ = Describe("a live gRPC attempt as its policy reads it", func() {
	phase := metadata.Pairs("x-chaos-phase", "down")
	It("is the HTTP status of the code the server sent, with the pushback to the millisecond", func() {
		err := scenarios.GRPCAttemptError(status.Error(codes.Unavailable, "backend down"),
			metadata.Join(phase, metadata.Pairs("grpc-retry-pushback-ms", "300")))
		var se *resilience.StatusError
		Expect(errors.As(err, &se)).To(BeTrue())
		Expect(se.Code).To(Equal(503))
		Expect(se.RetryAfter).To(Equal("ms=300"))
		Expect(scenarios.GRPCAttemptError(status.Error(codes.ResourceExhausted, ""), phase)).To(
			Equal(&resilience.StatusError{Code: 429}))
		Expect(scenarios.GRPCAttemptError(nil, nil)).To(Succeed())
	})
	DescribeTable("is the network failure a cut transport stands for, when no status was sent",
		func(msg string, want error) {
			Expect(scenarios.GRPCAttemptError(status.Error(codes.Unavailable, msg), nil)).To(MatchError(want))
		},
		Entry("a reset", "error reading from server: connection reset by peer", resilience.ErrReset),
		Entry("a GOAWAY then the close", `closing transport due to: connection error: desc = "error reading from server: EOF", received prior goaway: code: NO_ERROR`, resilience.ErrEOF),
		Entry("a plain close", "error reading from server: EOF", resilience.ErrEOF),
		Entry("bytes that are not HTTP/2", "error reading from server: http2: frame too large", resilience.ErrMalformed),
		Entry("no server", `connection error: desc = "transport: Error while dialing: dial tcp 127.0.0.1:1: connect: connection refused"`, resilience.ErrRefused),
	)
	It("is left as it is for a code the client gave itself", func() {
		err := status.Error(codes.DeadlineExceeded, "context deadline exceeded")
		Expect(scenarios.GRPCAttemptError(err, nil)).To(BeIdenticalTo(err))
	})
})
