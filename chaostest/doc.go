// Package chaostest is what a user's own Go test suite imports: a fault server
// started in one line that closes itself when the test ends, its Records, and
// Gomega matchers over them.
//
//	srv := chaostest.NewServer(t, `
//	phases:
//	  - {requests: 10, fault: {status: 429, retry_after: 1s}}
//	`)
//	... point the client under test at srv.URL, run it ...
//	g.Expect(srv).To(chaostest.HonourRetryAfter())
//	g.Expect(srv).To(chaostest.HaveSuccessRate(BeNumerically(">=", 0.99)))
//
// t is a *testing.T, a *testing.B or Ginkgo's GinkgoT(). The matchers take the
// server itself or a []record.Record (from an arrival log, say).
//
// NewTLSServer serves the script over TLS, as httptest.NewTLSServer does:
// its Client trusts the CA made for it and speaks HTTP/2, and CACert is the
// CA for a client of your own. NewH2CServer serves cleartext HTTP/2. Their
// Records say the protocol and TLS, and the scripts may use the faults
// before the request (tls_stall, tls_bad_cert, tls_close, accept_stall) and
// the HTTP/2 faults (goaway, rst_stream) of docs/SCENARIOS.md.
//
// # What the matchers measure
//
// Every number comes from package analysis, the same code behind result.json
// and `chaos check`, so a matcher and a report never disagree. The Records are
// pooled into one fleet ("client"), whatever their policy field says.
//
// Logical requests and attempts are told apart by the X-Chaos-Request and
// X-Chaos-Attempt headers (docs/DESIGN.md, "Client identity on the wire"). For a
// client that sends neither, they are inferred as `chaos analyze` and `chaos
// check` infer them (analysis.Headerless): per connection for a keep-alive
// client, else per remote address and User-Agent, an arrival after a failed
// attempt taken as its retry. Where that cannot group the records (one key
// carried two requests at once), the matchers about retries (attempts per
// request, amplification, Retry-After, retried statuses, retry spread) fail
// as inconclusive, with an error that says why, rather than judge a guess.
// HaveSuccessRate and OpenBreaker work on any records.
//
// # How an open circuit breaker shows in Records
//
// A breaker that is open refuses calls in the client: they never reach the
// server, so the arrival log shows the breaker as silence. OpenBreaker(n, d)
// holds when some client, after n consecutive failed attempts, sent nothing
// for at least d (from the end of its last failed response to its next
// arrival, the half-open probe). Choose d longer than the client's longest
// backoff delay, so a retry wait is not mistaken for an open breaker. A client
// that sends nothing more after the breaker opens shows no probe, and is not
// counted.
//
// # Any figure, by its path
//
// HaveMetric reaches any number of result.json by its metric path, the same
// paths as a scenario's assert: block (analysis.Lookup):
//
//	g.Expect(srv).To(chaostest.HaveMetric("retry_spread.1.sd_ms", BeNumerically(">", 500)))
//
// A figure the records cannot tell (null, or a retry number no request
// reached) is inconclusive: an error naming the reason, so that neither To
// nor NotTo passes.
//
// Failure messages give the measured value and list the logical requests (or
// clients, or retries) that broke the rule, with their Records.
package chaostest
