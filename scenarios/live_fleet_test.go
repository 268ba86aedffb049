package scenarios_test

import (
	"time"

	. "github.com/onsi/ginkgo/v2"
	. "github.com/onsi/gomega"

	"github.com/chaos-harness/chaos/analysis"
	"github.com/chaos-harness/chaos/record"
	"github.com/chaos-harness/chaos/scenarios"
)

var _ = Describe("MergeFleet: a live fleet's partials joined with its server's log", func() {
	const src = `name: two
server: {}
clients: {count: 2, requests: 2, timeout: 1s}
policies:
  - name: p
    retry: {max_retries: 1, base: 10ms}
`
	// Shard 0 ran c1, shard 1 ran c2, released at the server's t_ms 1000.
	// c1: request 1 took 2 attempts (503, then 200), request 2 one (200).
	// c2: request 1 one attempt (200); request 2 was sent but never reached
	// the server's log (its only attempt timed out before it was read).
	parts := func() []*scenarios.FleetPartial {
		return []*scenarios.FleetPartial{
			{Shard: 0, Shards: 2, Policies: []scenarios.FleetPolicyPart{{Name: "p", ReleaseTMs: 1000,
				LogicalRequests: 2, Succeeded: 2, EndNs: int64(300 * time.Millisecond),
				BreakerOpen: []scenarios.FleetSpan{{StartNs: int64(10 * time.Millisecond), EndNs: int64(50 * time.Millisecond)}},
				Attempts: []scenarios.FleetAttempt{
					{Request: "c1/1", Attempt: 1, Outcome: record.OutcomeStatus, SentNs: int64(4 * time.Millisecond), ReceivedNs: int64(6 * time.Millisecond)},
					{Request: "c1/1", Attempt: 2, Outcome: record.OutcomeOK, SentNs: int64(20 * time.Millisecond), ReceivedNs: int64(22 * time.Millisecond)},
					{Request: "c1/2", Attempt: 1, Outcome: record.OutcomeOK, SentNs: int64(100 * time.Millisecond), ReceivedNs: int64(101 * time.Millisecond)},
				}}}},
			{Shard: 1, Shards: 2, Policies: []scenarios.FleetPolicyPart{{Name: "p", ReleaseTMs: 1000,
				LogicalRequests: 2, Succeeded: 1, GaveUp: 1, EndNs: int64(1200 * time.Millisecond),
				BreakerOpen: []scenarios.FleetSpan{{StartNs: int64(40 * time.Millisecond), EndNs: int64(80 * time.Millisecond)}},
				Attempts: []scenarios.FleetAttempt{
					{Request: "c2/1", Attempt: 1, Outcome: record.OutcomeOK, SentNs: int64(7 * time.Millisecond), ReceivedNs: int64(9 * time.Millisecond)},
					{Request: "c2/2", Attempt: 1, Outcome: record.OutcomeTimeout, SentNs: int64(200 * time.Millisecond), ReceivedNs: int64(1200 * time.Millisecond)},
				}}}},
		}
	}
	// The server's log, on its own clock (t_ms since its start), in the
	// order the requests completed.
	serverLog := []record.Record{
		{TMs: 1005, Client: "c1", Request: "c1/1", Attempt: 1, Method: "GET", Path: "/", Status: 503, Policy: "p"},
		{TMs: 1008, Client: "c2", Request: "c2/1", Attempt: 1, Method: "GET", Path: "/", Status: 200, Policy: "p"},
		{TMs: 1021, Client: "c1", Request: "c1/1", Attempt: 2, Method: "GET", Path: "/", Status: 200, Policy: "p"},
		{TMs: 1100.5, Client: "c1", Request: "c1/2", Attempt: 1, Method: "GET", Path: "/", Status: 200, Policy: "p"},
	}
	read := func(recs []record.Record) func(func(record.Record) error) error {
		return func(fn func(record.Record) error) error {
			for _, r := range recs {
				if err := fn(r); err != nil {
					return err
				}
			}
			return nil
		}
	}

	It("sums the shards' tallies, counts the unreached from the log, joins the spans and times the Records from the release", func() {
		sc, err := scenarios.Parse("two.yaml", []byte(src))
		Expect(err).NotTo(HaveOccurred())
		run, recs, err := sc.MergeFleet(scenarios.Options{}, parts(), read(serverLog))
		Expect(err).NotTo(HaveOccurred())
		Expect(run.Engine).To(Equal(scenarios.EngineLive))
		Expect(run.Policies).To(HaveLen(1))
		pr := run.Policies[0]
		// 2 + 2 logical; 2 + 1 succeeded; 1 gave up; 4 attempts in the log;
		// reached: c1/1, c1/2, c2/1 = 3, so unreached = 4 - 0 unsent - 3 = 1.
		Expect([]int64{pr.LogicalRequests, pr.Succeeded, pr.GaveUp, pr.Unsent, pr.Attempts, pr.Unreached}).
			To(Equal([]int64{4, 3, 1, 0, 4, 1}))
		Expect(pr.Duration).To(Equal(1200 * time.Millisecond)) // the later shard's end
		// [10, 50] ms on shard 0 and [40, 80] ms on shard 1: one span [10, 80].
		Expect(pr.BreakerOpen).To(Equal([]analysis.Interval{{Start: 10 * time.Millisecond, End: 80 * time.Millisecond}}))

		// In acceptance order from the release (t_ms 1000): 5, 8, 21, 100.5,
		// each with what its client saw.
		Expect(recs).To(HaveLen(4))
		var at []float64
		for _, r := range recs {
			at = append(at, r.TMs)
		}
		Expect(at).To(Equal([]float64{5, 8, 21, 100.5}))
		Expect(recs[0].Outcome).To(Equal(record.OutcomeStatus))
		Expect(*recs[0].SentMs).To(Equal(4.0))
		Expect(*recs[2].ReceivedMs).To(Equal(22.0))
		Expect(recs[3].Policy).To(Equal("p"))
	})

	It("refuses a log of another server: Records without a policy, or of a policy the shards did not run; and shards released apart", func() {
		sc, err := scenarios.Parse("two.yaml", []byte(src))
		Expect(err).NotTo(HaveOccurred())
		plain := append([]record.Record{{TMs: 1, Client: "c1", Request: "c1/1", Attempt: 1, Status: 200}}, serverLog...)
		_, _, err = sc.MergeFleet(scenarios.Options{}, parts(), read(plain))
		Expect(err).To(MatchError(ContainSubstring("1 Records of the log were accepted outside the fleet's barriers")))

		other := append([]record.Record{{TMs: 1, Client: "c1", Request: "c1/1", Attempt: 1, Status: 200, Policy: "q"}}, serverLog...)
		_, _, err = sc.MergeFleet(scenarios.Options{}, parts(), read(other))
		Expect(err).To(MatchError(ContainSubstring(`the log holds Records of policy "q", which the shards did not run`)))

		apart := parts()
		apart[1].Policies[0].ReleaseTMs = 2000
		_, _, err = sc.MergeFleet(scenarios.Options{}, apart, read(serverLog))
		Expect(err).To(MatchError(ContainSubstring("released at different times for policy p")))
	})
})
