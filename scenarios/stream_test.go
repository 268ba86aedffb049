package scenarios_test

import (
	"cmp"
	"slices"
	"strings"

	. "github.com/onsi/ginkgo/v2"
	. "github.com/onsi/gomega"

	"github.com/chaos-harness/chaos/record"
	"github.com/chaos-harness/chaos/scenarios"
)

var _ = Describe("a streamed response in a run", func() {
	// The first request's stream is cut after 2 of its 4 events (20 ms
	// apart); every later one is whole. An event is "id: N\ndata: event N\n\n",
	// 21 bytes.
	const src = `
server:
  phases:
    - {name: cut, requests: 1, fault: {stream: {events: 4, every: 20ms, cut_after: 2}}}
    - {name: whole, fault: {stream: {events: 4, every: 20ms}}}
clients: {count: 1, requests: 1, timeout: 5s%s}
policies: [{name: retry, retry: {max_retries: 1, base: 10ms, jitter: none}}]
`
	scenario := func(extra string) *scenarios.Scenario {
		s, err := scenarios.Parse("spec.yaml", []byte(strings.Replace(src, "%s", extra, 1)))
		Expect(err).NotTo(HaveOccurred())
		return s
	}

	check := func(out *scenarios.AnalyzedRun) {
		Expect(out.Records).To(HaveLen(2))
		// In the order of acceptance (a Record is logged when its request ends).
		recs := slices.SortedFunc(slices.Values(out.Records), func(a, b record.Record) int { return cmp.Compare(a.TMs, b.TMs) })
		cut, whole := recs[0], recs[1]
		// The cut stream: 2 events, 42 bytes, incomplete; the client read
		// the EOF in the chunked body as a broken response and retried.
		Expect([]any{cut.Fault, cut.Status, cut.StreamEvents, cut.BodyBytes, cut.Incomplete, cut.Outcome}).
			To(Equal([]any{record.FaultStream, 200, 2, int64(42), true, record.OutcomeReset}))
		// The retry: 4 events, 84 bytes, whole.
		Expect([]any{whole.Fault, whole.Status, whole.StreamEvents, whole.BodyBytes, whole.Incomplete, whole.Outcome}).
			To(Equal([]any{record.FaultStream, 200, 4, int64(84), false, record.OutcomeOK}))
		p := out.Result.Policies[0]
		// One logical request, decided by its second attempt: 1 of 1.
		Expect([]any{p.LogicalRequests, p.Succeeded, p.Attempts}).To(Equal([]any{1, 1, 2}))
	}

	It("is played out in virtual time by the sim engine, the cut stream a failed attempt", func() {
		out := simulate(scenario(""), scenarios.Options{})
		check(out)
		// In virtual time exactly: the cut at 20 ms (event 2), the whole
		// stream's last event 60 ms after its first.
		Expect(out.Records[0].LatencyMs).To(Equal(20.0))
		Expect(out.Records[1].LatencyMs).To(Equal(60.0))
	})

	It("agrees live, on loopback with a real client", func() {
		check(simulate(scenario(", time_scale: 1"), scenarios.Options{Engine: scenarios.EngineLive}))
	})

	It("fails a logical request whose only stream a timeout cuts short", func() {
		// A 5-event stream 100 ms apart outlasts a 250 ms timeout: the events
		// at 0, 100 and 200 ms are written, then the client leaves.
		out := simulate(parse(`
server: {response: {stream: {events: 5, every: 100ms}}}
clients: {count: 1, requests: 1, timeout: 250ms}
policies: [{name: once, retry: {max_retries: 0}}]
`), scenarios.Options{})
		r := out.Records[0]
		Expect([]any{r.StreamEvents, r.BodyBytes, r.Incomplete, r.Outcome, r.LatencyMs}).
			To(Equal([]any{3, int64(63), true, record.OutcomeTimeout, 250.0}))
		Expect(out.Result.Policies[0].Succeeded).To(BeZero())
	})

	It("refuses after_upstream in a scenario, whose server has no upstream", func() {
		_, err := scenarios.Parse("s.yaml", []byte(`
server: {phases: [{fault: {status: 503, after_upstream: true}}]}
clients: {count: 1}
policies: [{name: once}]
`))
		Expect(err).To(MatchError(ContainSubstring("server.phases[0].fault.after_upstream: needs an upstream to forward to first")))
	})
})
