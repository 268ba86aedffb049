package chaostest_test

import (
	"strconv"
	"time"

	. "github.com/onsi/ginkgo/v2"
	. "github.com/onsi/gomega"

	"github.com/chaos-harness/chaos/chaostest"
	"github.com/chaos-harness/chaos/record"
	"github.com/chaos-harness/chaos/resilience/breaker"
)

// Each client's first attempt is told to come back in a second.
const retryAfterScript = `
per: client
phases:
  - {requests: 1, fault: {status: 429, retry_after: 1s}}
  - {name: fine}
`

var _ = Describe("the Retry-After matchers, against clients that honour and that ignore it", Ordered, func() {
	var honouring, ignoring *chaostest.Server

	BeforeAll(func() {
		honouring = chaostest.NewServer(GinkgoT(), retryAfterScript)
		ignoring = chaostest.NewServer(GinkgoT(), retryAfterScript)
		polite := fleet{clients: 4, requests: 2, retries: 3, base: 20 * time.Millisecond, honourRetryAfter: true}
		rude := polite
		rude.honourRetryAfter = false
		done := make(chan struct{})
		go func() { defer close(done); rude.run(ignoring.URL) }()
		polite.run(honouring.URL)
		<-done
	})

	It("passes a client that waits as long as the server asks", func() {
		Expect(honouring).To(chaostest.HonourRetryAfter())
		Expect(honouring).To(chaostest.HaveSuccessRate(BeNumerically("==", 1)))
	})

	It("fails a client that ignores Retry-After, naming the value and the requests", func() {
		m := chaostest.HonourRetryAfter()
		Expect(m.Match(ignoring)).To(BeFalse())
		msg := m.FailureMessage(ignoring)
		Expect(msg).To(ContainSubstring("retry_after_violations 4 (4 of 4 retries after a Retry-After came early)"))
		Expect(msg).To(ContainSubstring("logical requests that retried before Retry-After elapsed (4)"))
		Expect(msg).To(ContainSubstring("c0/1 (client c0): 1 early"))
		Expect(msg).To(ContainSubstring("attempt 1 at "))
		Expect(msg).To(ContainSubstring("429 (fault status), Retry-After 1000.0ms"))
		Expect(ignoring).NotTo(chaostest.HonourRetryAfter())
	})

	It("counts attempts and amplification from the same records", func() {
		Expect(honouring).To(chaostest.HaveAmplification(BeNumerically("==", 1.5)))
		Expect(honouring).To(chaostest.HaveAttemptsPerRequest(BeNumerically("<=", 2)))

		m := chaostest.HaveAttemptsPerRequest(Equal(1))
		Expect(m.Match(honouring)).To(BeFalse())
		msg := m.FailureMessage(honouring)
		Expect(msg).To(ContainSubstring("4 of 8 logical requests outside the rule (requests×attempts: 4×1, 4×2)"))
		Expect(msg).To(ContainSubstring("c3/1 (client c3): 2 attempts"))

		amp := chaostest.HaveAmplification(BeNumerically("<", 1.2))
		Expect(amp.Match(ignoring)).To(BeFalse())
		Expect(amp.FailureMessage(ignoring)).To(ContainSubstring("amplification 1.5 (12 attempts for 8 logical requests)"))
	})

	It("takes records as a slice too, as read from an arrival log", func() {
		records := honouring.Records()
		Expect(records).To(HaveLen(12))
		Expect(records).To(chaostest.HonourRetryAfter())
		Expect(ignoring.Faultserver()).NotTo(chaostest.HonourRetryAfter())
	})
})

var _ = Describe("HaveSuccessRate", func() {
	It("measures the share of logical requests that succeeded and lists the failures", func() {
		srv := chaostest.NewServer(GinkgoT(), `
per: client
phases:
  - {requests: 3, fault: {status: 503}}
  - {}
`)
		// Two retries are not enough for a client whose first three attempts fail.
		fleet{clients: 3, requests: 2, retries: 2, base: time.Millisecond}.run(srv.URL)

		Expect(srv).To(chaostest.HaveSuccessRate(BeNumerically("==", 0.5)))
		m := chaostest.HaveSuccessRate(BeNumerically(">=", 0.99))
		Expect(m.Match(srv)).To(BeFalse())
		msg := m.FailureMessage(srv)
		Expect(msg).To(ContainSubstring("Expected 12 records from 3 clients to have a success rate"))
		Expect(msg).To(ContainSubstring("success_rate 0.5 (3 of 6 logical requests succeeded)"))
		Expect(msg).To(ContainSubstring("logical requests that failed (3)"))
		Expect(msg).To(ContainSubstring("c1/1 (client c1)"))
		Expect(msg).NotTo(ContainSubstring("c1/2 (client c1)"))
	})

	It("counts a response whose body stopped short a failure, and says how far it got", func() {
		// c1/1 got its whole body, c2/1 gave up 40 bytes into a slow one:
		// 1 of 2 logical requests succeeded.
		recs := []record.Record{
			{TMs: 0, Client: "c1", Request: "c1/1", Attempt: 1, Fault: "none", Status: 200, LatencyMs: 1, BodyBytes: 3},
			{TMs: 5, Client: "c2", Request: "c2/1", Attempt: 1, Fault: "slow", Status: 200, LatencyMs: 200, BodyBytes: 40, Incomplete: true},
		}
		Expect(recs).To(chaostest.HaveSuccessRate(BeNumerically("==", 0.5)))
		m := chaostest.HaveSuccessRate(BeNumerically("==", 1))
		Expect(m.Match(recs)).To(BeFalse())
		Expect(m.FailureMessage(recs)).To(ContainSubstring("200 (fault slow), body incomplete after 40 bytes"))
	})
})

var _ = Describe("NotRetry", func() {
	script := `
per: client
phases:
  - {requests: 1, fault: {status: 404}}
  - {}
`
	It("passes a client that takes 404 for an answer", func() {
		srv := chaostest.NewServer(GinkgoT(), script)
		fleet{clients: 2, requests: 2, retries: 3, base: time.Millisecond}.run(srv.URL)
		Expect(srv).To(chaostest.NotRetry(400, 404))
	})

	It("fails a client that retries a 404 and names the requests", func() {
		srv := chaostest.NewServer(GinkgoT(), script)
		fleet{clients: 2, requests: 2, retries: 3, base: time.Millisecond, retryAll: true}.run(srv.URL)
		m := chaostest.NotRetry(400, 404)
		Expect(m.Match(srv)).To(BeFalse())
		msg := m.FailureMessage(srv)
		Expect(msg).To(ContainSubstring("not to retry after 400, 404"))
		Expect(msg).To(ContainSubstring("2 logical requests tried again after 400, 404 (of 2 such responses)"))
		Expect(msg).To(ContainSubstring("c0/1 (client c0): tried again after 404"))
	})

	It("refuses to judge when the server never sent those statuses", func() {
		srv := chaostest.NewServer(GinkgoT(), script)
		fleet{clients: 1, requests: 2, retries: 1, base: time.Millisecond}.run(srv.URL)
		_, err := chaostest.NotRetry(410).Match(srv)
		Expect(err).To(MatchError(ContainSubstring("answered no request with 410")))
	})
})

var _ = Describe("SpreadRetries", Ordered, func() {
	// Every client's first attempt fails at about the same moment.
	script := `
per: client
phases:
  - {requests: 1, fault: {status: 503}}
  - {}
`
	It("passes a fleet with full jitter", func() {
		srv := chaostest.NewServer(GinkgoT(), script)
		fleet{clients: 16, requests: 1, retries: 1, base: 400 * time.Millisecond, jitter: true}.run(srv.URL)
		// U(0, 400ms) has a standard deviation of 115ms.
		Expect(srv).To(chaostest.SpreadRetries(30 * time.Millisecond))
	})

	It("fails a fleet that comes back together after a fixed backoff", func() {
		// A hand-made log, not a live fleet: how closely 16 goroutines start
		// depends on the machine's load, which a spec must not. Client i's
		// first attempt fails at 0.1i ms, and it retries after a fixed 100ms
		// backoff at 100 + 0.2i ms (i = 0..15): retry 1 arrives from 100.0 to
		// 103.0ms, with a sample sd of 0.2*sqrt(16*17/12) = 0.952ms ("1.0ms").
		var log []record.Record
		for i := 0; i < 16; i++ {
			c := "c" + strconv.Itoa(i)
			log = append(log,
				record.Record{TMs: 0.1 * float64(i), Client: c, Request: c + "/1", Attempt: 1, Method: "GET", Path: "/",
					Fault: record.FaultStatus, Status: 503, LatencyMs: 0.1},
				record.Record{TMs: 100 + 0.2*float64(i), Client: c, Request: c + "/1", Attempt: 2, Method: "GET", Path: "/",
					Fault: record.FaultNone, Status: 200, LatencyMs: 0.1})
		}
		m := chaostest.SpreadRetries(30 * time.Millisecond)
		Expect(m.Match(log)).To(BeFalse())
		msg := m.FailureMessage(log)
		Expect(msg).To(ContainSubstring("but measured retry 1: 16 arrivals, sd 1.0ms"))
		Expect(msg).To(ContainSubstring("retries that arrived as a herd (1)"))
		Expect(msg).To(ContainSubstring("retry 1: 16 arrivals from 100.0ms to 103.0ms"))
	})
})

var _ = Describe("OpenBreaker", func() {
	// Each client's first four attempts fail; a breaker that opens for 150ms
	// after three failures makes the client fall silent.
	script := `
per: client
phases:
  - {requests: 4, fault: {status: 503}}
  - {}
`
	client := fleet{clients: 2, requests: 50, think: 10 * time.Millisecond}

	It("sees the silence of a client whose breaker opened", func() {
		srv := chaostest.NewServer(GinkgoT(), script)
		guarded := client
		guarded.breaker = &breaker.Settings{Failures: 3, Open: 150 * time.Millisecond}
		guarded.run(srv.URL)
		Expect(srv).To(chaostest.OpenBreaker(3, 100*time.Millisecond))
	})

	It("fails a client without a breaker, with its longest pause", func() {
		srv := chaostest.NewServer(GinkgoT(), script)
		client.run(srv.URL)
		m := chaostest.OpenBreaker(3, 100*time.Millisecond)
		Expect(m.Match(srv)).To(BeFalse())
		msg := m.FailureMessage(srv)
		Expect(msg).To(MatchRegexp(`a longest pause of \d+\.\dms after 3 or more consecutive failures, by client c\d`))
		Expect(msg).To(ContainSubstring("clients' longest pauses after consecutive failures, too short for an open breaker (2)"))
	})
})

var _ = Describe("the matchers' errors", func() {
	It("infers the retries of a client without the X-Chaos-* headers, as analysis does", func() {
		srv := chaostest.NewServer(GinkgoT(), `phases: [{requests: 2, fault: {status: 503}}, {}]`)
		// One client on one keep-alive connection: 503, 503, then 200, each
		// after a failure, so one logical request of 3 attempts.
		fleet{clients: 1, requests: 1, retries: 3, base: time.Millisecond, anonymous: true}.run(srv.URL)
		Expect(srv).To(chaostest.HaveAmplification(BeNumerically("==", 3)))
		Expect(srv).To(chaostest.HaveAttemptsPerRequest(BeNumerically("==", 3)))
		Expect(srv).To(chaostest.HaveSuccessRate(BeNumerically("==", 1)))
		Expect(srv).NotTo(chaostest.NotRetry(503))
	})

	It("fails the retry rules as inconclusive where the records cannot be grouped", func() {
		// Two requests from one key at once: the second arrives at 10 while
		// the first is answered until 50.
		recs := []record.Record{
			{TMs: 0, Client: "h curl", Conn: 1, Fault: "none", Status: 200, LatencyMs: 50},
			{TMs: 10, Client: "h curl", Conn: 2, Fault: "status", Status: 503, RetryAfterMs: 100, LatencyMs: 1},
			{TMs: 200, Client: "h curl", Conn: 3, Fault: "none", Status: 200, LatencyMs: 1},
		}
		for _, m := range []interface{ Match(any) (bool, error) }{
			chaostest.HonourRetryAfter(),
			chaostest.HaveAmplification(BeNumerically("<", 2)),
			chaostest.HaveAttemptsPerRequest(BeNumerically("<", 2)),
			chaostest.NotRetry(503),
		} {
			ok, err := m.Match(recs)
			Expect(ok).To(BeFalse())
			Expect(err).To(MatchError(And(ContainSubstring("inconclusive"), ContainSubstring("several requests were in flight at once"))))
		}
	})

	It("refuses an empty log and a value it cannot read records from", func() {
		_, err := chaostest.HaveSuccessRate(BeNumerically(">", 0)).Match([]record.Record{})
		Expect(err).To(MatchError(ContainSubstring("no records")))
		_, err = chaostest.HaveSuccessRate(BeNumerically(">", 0)).Match("records")
		Expect(err).To(MatchError(ContainSubstring("not string")))
	})

	It("refuses to judge Retry-After when no retry followed one", func() {
		srv := chaostest.NewServer(GinkgoT(), `phases: [{requests: 1, fault: {status: 503}}, {}]`)
		fleet{clients: 1, requests: 1, retries: 1, base: time.Millisecond}.run(srv.URL)
		_, err := chaostest.HonourRetryAfter().Match(srv)
		Expect(err).To(MatchError(ContainSubstring("nothing to judge")))
	})
})
