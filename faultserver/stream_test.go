package faultserver_test

import (
	"net/http"
	"strings"
	"time"

	. "github.com/onsi/ginkgo/v2"
	. "github.com/onsi/gomega"

	"github.com/chaos-harness/chaos/faultserver"
	"github.com/chaos-harness/chaos/record"
)

// streamPlan decides the first request of a script whose every request
// draws the same stream.
func streamPlan(script string) faultserver.Plan {
	return decide(compile(script, 1), 0, "c1", http.MethodGet, "/")
}

var _ = Describe("a streamed response", func() {
	// An SSE event of this script is "id: N\ndata: event N\n\n": 21 bytes
	// for N < 10.
	const five = "phases: [{fault: {stream: {events: 5, every: 100ms%s}}}]\n"

	DescribeTable("is played out event by event in virtual time",
		func(extra string, deadline time.Duration, head bool, events int, bytes int64, incomplete bool, end time.Duration, ending faultserver.Ending, left bool) {
			d := streamPlan(strings.Replace(five, "%s", extra, 1))
			Expect(d.Kind).To(Equal(record.FaultStream))
			v := faultserver.PlayVirtual(&d, 0, deadline, head)
			Expect(v.Status).To(Equal(200))
			Expect([]any{v.StreamEvents, v.BodyBytes, v.Incomplete, v.End, v.Ending, v.Left}).
				To(Equal([]any{events, bytes, incomplete, end, ending, left}))
		},
		// 5 events at 0, 100, 200, 300, 400 ms: 5·21 = 105 bytes, done at 400 ms.
		Entry("whole", "", time.Duration(0), false, 5, int64(105), false, 400*time.Millisecond, faultserver.EndResponse, false),
		// Events 1 and 2 (0 and 100 ms), 42 bytes, then a close at 100 ms.
		Entry("cut after 2 events", ", cut_after: 2", time.Duration(0), false, 2, int64(42), true, 100*time.Millisecond, faultserver.EndClosed, false),
		// No event at all: the headers, then the close, at 0.
		Entry("cut before the first event", ", cut_after: 0", time.Duration(0), false, 0, int64(0), true, time.Duration(0), faultserver.EndClosed, false),
		// 21 bytes of event 1 at 0, 9 of event 2 at 100 ms: one whole event.
		Entry("cut after 30 bytes", ", cut_after_bytes: 30", time.Duration(0), false, 1, int64(30), true, 100*time.Millisecond, faultserver.EndClosed, false),
		// 3 events (to 200 ms), held 1 s with no more, then closed at 1200 ms.
		Entry("stalled after 3 events", ", cut_after: 3, stall: 1s", time.Duration(0), false, 3, int64(63), true, 1200*time.Millisecond, faultserver.EndClosed, false),
		// The stall outlasts a client that leaves at 500 ms: it is gone then.
		Entry("stalled past the client's deadline", ", cut_after: 3, stall: 1s", 500*time.Millisecond, false, 3, int64(63), true, 500*time.Millisecond, faultserver.EndClosed, true),
		// Events 1 and 2, then a RST at 100 ms.
		Entry("reset after 2 events", ", cut_after: 2, reset: true", time.Duration(0), false, 2, int64(42), true, 100*time.Millisecond, faultserver.EndReset, false),
		// All 5 events, then a RST instead of the body's end, at 400 ms.
		Entry("reset after its last event", ", reset: true", time.Duration(0), false, 5, int64(105), true, 400*time.Millisecond, faultserver.EndReset, false),
		// A client that leaves at 250 ms has events 1 to 3 (0, 100, 200 ms).
		Entry("left by its client at 250 ms", "", 250*time.Millisecond, false, 3, int64(63), true, 250*time.Millisecond, faultserver.EndResponse, true),
		// A HEAD response has no body: no event, and it is whole.
		Entry("answering a HEAD", "", time.Duration(0), true, 0, int64(0), false, time.Duration(0), faultserver.EndResponse, false),
	)

	It("renders its events as the format asks, {n} replaced by each event's number", func() {
		d := streamPlan("phases: [{fault: {stream: {events: 2, data: \"tick {n}\\nline two\"}}}]\n")
		Expect(string(d.Body)).To(Equal("id: 1\ndata: tick 1\ndata: line two\n\nid: 2\ndata: tick 2\ndata: line two\n\n"))
		d = streamPlan("phases: [{fault: {stream: {events: 3, format: chunks}}}]\n")
		Expect(string(d.Body)).To(Equal("event 1\nevent 2\nevent 3\n"))
	})

	It("waits out a delay before the first event", func() {
		d := streamPlan("phases: [{fault: {delay: 50ms, stream: {events: 3, every: 10ms}}}]\n")
		v := faultserver.PlayVirtual(&d, time.Second, 0, false)
		// Accepted at 1 s, headers at 1.05 s, events at +0, +10, +20 ms.
		Expect([]any{v.HeaderAt, v.End, v.StreamEvents}).To(Equal([]any{1050 * time.Millisecond, 1070 * time.Millisecond, 3}))
	})

	DescribeTable("refuses a stream it cannot play, naming the field",
		func(fault, want string) {
			_, _, err := faultserver.ParseScript("s.yaml", []byte("phases: [{fault: "+fault+"}]\n"))
			Expect(err).To(MatchError(ContainSubstring(want)))
		},
		Entry("no events", "{stream: {every: 1s}}", "phases[0].fault.stream.events: must be from 1 to 100000, not 0"),
		Entry("too many events", "{stream: {events: 100001}}", "phases[0].fault.stream.events: must be from 1 to 100000"),
		Entry("a negative interval", "{stream: {events: 2, every: -1s}}", "phases[0].fault.stream.every: duration \"-1s\" is negative"),
		Entry("an interval over an hour", "{stream: {events: 2, every: 2h}}", "phases[0].fault.stream.every: must be from 0 to 1h0m0s, not 2h0m0s"),
		Entry("an unknown format", "{stream: {events: 2, format: json}}", `phases[0].fault.stream.format: must be "sse" or "chunks", not "json"`),
		Entry("a cut at the end", "{stream: {events: 2, cut_after: 2}}", "phases[0].fault.stream.cut_after: must be from 0 to events-1 (1), not 2"),
		Entry("two cut points", "{stream: {events: 4, cut_after: 2, cut_after_bytes: 10}}", "phases[0].fault.stream.cut_after_bytes: give cut_after (events) or cut_after_bytes, not both"),
		Entry("a negative byte cut", "{stream: {events: 4, cut_after_bytes: -1}}", "phases[0].fault.stream.cut_after_bytes: must not be negative"),
		Entry("a stall and a reset", "{stream: {events: 4, cut_after: 1, stall: 1s, reset: true}}", "phases[0].fault.stream.reset: a stream ends at its cut with a stall or a reset, not both"),
		Entry("a body beside it", "{body: x, stream: {events: 2}}", "phases[0].fault.body: has no effect with stream"),
		// 200 bytes of data, "data: " and its newline (7), "id: " with up to 6 digits and a
		// newline (11) and the blank line (1): 219 bytes, × 100000 = 21.9 MB.
		Entry("data that makes the stream over 16 MiB", "{stream: {events: 100000, data: \""+strings.Repeat("x", 200)+"\"}}", "phases[0].fault.stream.data: 100000 events of up to 219 bytes are over the limit of 16777216 bytes (16 MiB)"),
		Entry("a carriage return in the data", "{stream: {events: 2, data: \"a\\rb\"}}", "phases[0].fault.stream.data: must not hold a carriage return"),
		Entry("an unknown key", "{stream: {events: 2, cut: 1}}", "cut"),
		Entry("another action beside it", "{reset: true, stream: {events: 2}}", "phases[0].fault.stream: a fault has at most one of"),
	)
})
