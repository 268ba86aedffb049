package faultserver_test

import (
	"context"
	"io"
	"net/http"
	"time"

	. "github.com/onsi/ginkgo/v2"
	. "github.com/onsi/gomega"

	"github.com/chaos-harness/chaos/faultserver"
	"github.com/chaos-harness/chaos/record"
	"github.com/chaos-harness/chaos/resilience"
)

// advanceWhileWaited fires every timer of clock as soon as it is set, in due
// order, until the spec ends: the server's holds then take exactly their
// virtual durations, whatever the machine's speed.
func advanceWhileWaited(clock *resilience.VirtualClock) {
	ctx, cancel := context.WithCancel(context.Background())
	DeferCleanup(cancel)
	go func() {
		for clock.WaitForSleepers(ctx, 1) == nil {
			if due := clock.Sleepers(); len(due) > 0 {
				clock.Advance(max(due[0], 0))
			}
		}
	}()
}

// endingKind is what Go's client reads from each ending of a connection.
var endingKind = map[faultserver.Ending]resilience.AttemptClass{
	faultserver.EndResponse:  resilience.ClassOK,
	faultserver.EndClosed:    resilience.ClassEOF,
	faultserver.EndReset:     resilience.ClassReset,
	faultserver.EndMalformed: resilience.ClassMalformed,
}

var _ = Describe("the one playout, on the wire and in virtual time", func() {
	DescribeTable("gives the same status, bytes, ending and time on both media",
		func(script string, kind string, calls int) {
			// The wire: the server on loopback, its clock virtual and fired
			// as soon as it is waited on; calls requests, the last compared.
			t0 := time.Date(2030, time.March, 1, 12, 0, 0, 0, time.UTC)
			clock := resilience.NewVirtualClock(t0)
			advanceWhileWaited(clock)
			srv := startServer(script, faultserver.Options{Clock: clock})
			var err error
			for range calls {
				var resp *http.Response
				resp, err = freshClient(0).Get(srv.URL() + "/")
				if err == nil {
					_, err = io.Copy(io.Discard, resp.Body)
					resp.Body.Close()
				}
			}
			got := waitRecords(srv, calls)[calls-1]
			Expect(got.Fault).To(Equal(kind))

			// Virtual time: the same script, the same requests.
			s := compile(script, 0)
			var d faultserver.Plan
			for range calls {
				d = decide(s, 0, got.Client, http.MethodGet, "/")
			}
			v := faultserver.PlayVirtual(&d, 0, 0, false)

			Expect([]any{got.Status, got.BodyBytes, got.Incomplete, got.StreamEvents}).
				To(Equal([]any{v.Status, v.BodyBytes, v.Incomplete, v.StreamEvents}), "status, body bytes, incomplete, stream events")
			Expect(got.LatencyMs).To(Equal(record.Millis(v.End)), "the server's time")
			clientKind, _ := resilience.Classify(err)
			Expect(clientKind).To(Equal(endingKind[v.Ending]), "what the client read: %v", err)
		},
		// Sent at once: 200 "OK\n", 3 bytes.
		Entry("none", "{}\n", record.FaultNone, 1),
		// 503 with its status text, 20 bytes, at once.
		Entry("status", "phases: [{fault: {status: 503, retry_after: 2s}}]\n", record.FaultStatus, 1),
		// 200 after 300 ms.
		Entry("delay", "phases: [{fault: {delay: 300ms}}]\n", record.FaultDelay, 1),
		// Held 5 s, then closed with no status line: EOF.
		Entry("hang", "phases: [{fault: {hang: 5s}}]\n", record.FaultHang, 1),
		Entry("reset", "phases: [{fault: {reset: true}}]\n", record.FaultReset, 1),
		Entry("close", "phases: [{fault: {close: true}}]\n", record.FaultClose, 1),
		// 5 of 100 bytes, then a close: the body ends in EOF, incomplete.
		Entry("truncate", "phases: [{fault: {truncate: 5, body_size: 100}}]\n", record.FaultTruncate, 1),
		// 95 bytes at 1000 B/s: chunks of 10 at 0, 10, ..., 90 ms; done at 90 ms.
		Entry("slow", "phases: [{fault: {slow: 1000B/s, body_size: 95}}]\n", record.FaultSlow, 1),
		Entry("malformed", "phases: [{fault: {malformed: true}}]\n", record.FaultMalformed, 1),
		// A bucket of one token: the second request is refused, 429 at once.
		Entry("overload", "capacity: {rate: 0.001, burst: 1, status: 429}\n", record.FaultOverload, 2),
		// 200 after 100 ms, then 40 bytes at 1000 B/s: done at 100 + 30 ms.
		Entry("a delayed slow body", "phases: [{fault: {delay: 100ms, slow: 1000B/s, body_size: 40}}]\n", record.FaultSlow, 1),
		// Five events of 21 bytes ("id: 1\ndata: event 1\n\n") at 0, 100, ..., 400 ms.
		Entry("a whole stream", "phases: [{fault: {stream: {events: 5, every: 100ms}}}]\n", record.FaultStream, 1),
		// Two events (0 and 100 ms), then a close: EOF in the chunked body at 100 ms.
		Entry("a stream cut after two events", "phases: [{fault: {stream: {events: 5, every: 100ms, cut_after: 2}}}]\n", record.FaultStream, 1),
		// 30 bytes: the first event (21) and 9 of the second, at 100 ms.
		Entry("a stream cut mid-event", "phases: [{fault: {stream: {events: 5, every: 100ms, cut_after_bytes: 30}}}]\n", record.FaultStream, 1),
		// Three events (0 to 200 ms), held 1 s, then closed: EOF at 1200 ms.
		Entry("a stalled stream", "phases: [{fault: {stream: {events: 5, every: 100ms, cut_after: 3, stall: 1s}}}]\n", record.FaultStream, 1),
		// Two events, then a RST at 100 ms.
		Entry("a stream reset mid-stream", "phases: [{fault: {stream: {events: 5, every: 100ms, cut_after: 2, reset: true}}}]\n", record.FaultStream, 1),
		// Every event in chunks, then held open without the body's end.
		Entry("a stream of chunks that stalls after its last", "phases: [{fault: {stream: {events: 3, every: 50ms, format: chunks, stall: 200ms}}}]\n", record.FaultStream, 1),
	)
})
