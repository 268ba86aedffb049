package analysis_test

import (
	"encoding/json"

	. "github.com/onsi/ginkgo/v2"
	. "github.com/onsi/gomega"

	"github.com/chaos-harness/chaos/analysis"
	"github.com/chaos-harness/chaos/record"
)

// headerless is a Record as `chaos serve` logs it for a client that sends no
// X-Chaos-* header: keyed by remote IP and User-Agent, with its connection.
func headerless(t float64, client string, conn uint64, status int, ra float64) record.Record {
	fault := record.FaultNone
	if status >= 400 {
		fault = record.FaultStatus
	}
	return record.Record{TMs: t, Client: client, Conn: conn, Method: "GET", Path: "/api",
		Fault: fault, Status: status, RetryAfterMs: ra, LatencyMs: 1}
}

// mixedHost is one host running two keep-alive Go threads (connections 1 and
// 2, User-Agent Go) and curl, which opens a connection per attempt
// (connections 3, 4, 5). Every response takes 1 ms; a 503 asks for 1 s.
//
//	t     key            status  inferred
//	0     Go conn 1      503     conn 1 #1 attempt 1, Retry-After until 1001
//	5     Go conn 2      200     conn 2 #1 attempt 1
//	10    curl (conn 3)  503     curl #1 attempt 1, Retry-After until 1011
//	20    Go conn 2      503     conn 2 #2 attempt 1 (after a success), until 1021
//	30    curl (conn 4)  503     curl #1 attempt 2: early (30 < 1011), until 1031
//	100   Go conn 1      200     conn 1 #1 attempt 2: early (100 < 1001)
//	1500  curl (conn 5)  200     curl #1 attempt 3: on time (1500 ≥ 1031)
//	1600  Go conn 2      200     conn 2 #2 attempt 2: on time (1600 ≥ 1021)
//
// 4 logical requests, all succeeded, 8 attempts: amplification 2; 4 retries
// followed a Retry-After, 2 of them early.
func mixedHost() []record.Record {
	return []record.Record{
		headerless(0, "h Go", 1, 503, 1000),
		headerless(5, "h Go", 2, 200, 0),
		headerless(10, "h curl", 3, 503, 1000),
		headerless(20, "h Go", 2, 503, 1000),
		headerless(30, "h curl", 4, 503, 1000),
		headerless(100, "h Go", 1, 200, 0),
		headerless(1500, "h curl", 5, 200, 0),
		headerless(1600, "h Go", 2, 200, 0),
	}
}

var _ = Describe("the identity inference for clients without X-Chaos-* headers", func() {
	It("keys keep-alive connections per connection and connection-per-attempt clients per address and User-Agent", func() {
		res, err := analysis.AnalyzeRecords(analysis.Options{}, mixedHost())
		Expect(err).NotTo(HaveOccurred())
		p := res.Policies[0]
		Expect(p.LogicalRequests).To(Equal(4))
		Expect(p.Succeeded).To(Equal(4))
		Expect(p.Attempts).To(Equal(8))
		Expect(p.Amplification).To(HaveValue(Equal(2.0))) // 8 / 4
		Expect(p.RetryAfterRetries).To(HaveValue(Equal(4)))
		Expect(p.RetryAfterViolations).To(HaveValue(Equal(2))) // t=30 and t=100
		// requests×attempts: conn 2 #1 took 1; conn 1 #1 and conn 2 #2 took 2;
		// curl #1 took 3.
		Expect(p.AttemptsPerRequest).To(Equal([]analysis.AttemptCount{{Attempts: 1, Requests: 1}, {Attempts: 2, Requests: 2}, {Attempts: 3, Requests: 1}}))
		// 5 on the two keep-alive connections, 3 per address and User-Agent.
		Expect(res.Notes).To(ContainElement(ContainSubstring("8 attempts carried neither X-Chaos-Request nor X-Chaos-Attempt, so they were grouped by inference: 5 on 2 keep-alive connections (more than one request each) keyed per connection, 3 keyed per remote address and User-Agent (3 on connections that carried one request each, 0 on connections of unknown number)")))
	})

	It("numbers the Records themselves the same way, for callers that group them", func() {
		recs := analysis.IdentifyRecords(mixedHost())
		type id struct {
			client, request string
			attempt         int
		}
		got := make([]id, len(recs))
		for i, r := range recs {
			got[i] = id{r.Client, r.Request, r.Attempt}
		}
		Expect(got).To(Equal([]id{
			{"h Go conn 1", "h Go conn 1#1", 1},
			{"h Go conn 2", "h Go conn 2#1", 1},
			{"h curl", "h curl#1", 1},
			{"h Go conn 2", "h Go conn 2#2", 1},
			{"h curl", "h curl#1", 2},
			{"h Go conn 1", "h Go conn 1#1", 2},
			{"h curl", "h curl#1", 3},
			{"h Go conn 2", "h Go conn 2#2", 2},
		}))
	})

	It("without the first pass keys every Record per address and User-Agent, and says so", func() {
		res := analyse(analysis.Options{}, mixedHost())
		p := res.Policies[0]
		// The two Go threads fold into one key "h Go": 503 at 0, 200 at 5
		// (taken for its retry: early, 5 < 1001), 503 at 20 (new), 200 at 100
		// (retry: early, 100 < 1021), 200 at 1600 (new): 3 logical requests,
		// and curl's 1. After a Retry-After came 5, 100, 30 and 1500; early
		// were 5, 100 and 30.
		Expect(p.LogicalRequests).To(Equal(4))
		Expect(p.RetryAfterRetries).To(HaveValue(Equal(4)))
		Expect(p.RetryAfterViolations).To(HaveValue(Equal(3)))
		Expect(res.Notes).To(ContainElement(ContainSubstring("the connections were not counted in a first pass")))
	})

	It("writes amplification and the Retry-After counts as null, with a note, when a key carried two requests at once", func() {
		// Two curl processes at once from one host: the 503 at 10 arrives
		// while the request at 0 (50 ms) is still being answered.
		recs := []record.Record{
			headerless(0, "h curl", 1, 200, 0),
			headerless(10, "h curl", 2, 503, 1000),
			headerless(20, "h curl", 3, 200, 0),
		}
		recs[0].LatencyMs = 50
		res, err := analysis.AnalyzeRecords(analysis.Options{}, recs)
		Expect(err).NotTo(HaveOccurred())
		p := res.Policies[0]
		Expect(p.Amplification).To(BeNil())
		Expect(p.RetryAfterViolations).To(BeNil())
		Expect(p.RetryAfterRetries).To(BeNil())
		// Grouped as they arrived, the 503 at 10 and the 200 at 20 would
		// read as a first retry of the request at 0, 10 ms after it: a
		// spread the log cannot support.
		Expect(p.RetrySpread).To(BeEmpty())
		Expect(p.RetryDelays).To(BeEmpty())
		Expect(res.Notes).To(ContainElement(ContainSubstring("amplification, retry_after_violations and retry_after_retries are unknown (null), and retry_delays and retry_spread are empty: of the attempts grouped by inference, 2 arrivals came before the previous attempt on their key had ended (keys affected: 1)")))

		data, err := json.Marshal(res)
		Expect(err).NotTo(HaveOccurred())
		var doc struct {
			Policies []map[string]any `json:"policies"`
		}
		Expect(json.Unmarshal(data, &doc)).To(Succeed())
		for _, field := range []string{"amplification", "retry_after_violations", "retry_after_retries"} {
			Expect(doc.Policies[0]).To(HaveKeyWithValue(field, BeNil()), field)
		}
	})

	It("leaves Records with ids alone", func() {
		rec := headerless(0, "c1", 1, 503, 0)
		rec.Request, rec.Attempt = "c1/1", 1
		Expect(analysis.Headerless(rec)).To(BeFalse())
		Expect(analysis.IdentifyRecords([]record.Record{rec})).To(Equal([]record.Record{rec}))
	})
})
