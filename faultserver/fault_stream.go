package faultserver

import (
	"strconv"
	"strings"
	"time"

	"github.com/chaos-harness/chaos/problem"
	"github.com/chaos-harness/chaos/record"
)

func init() {
	registerKind(&actionKind{
		name:     record.FaultStream,
		given:    func(f *FaultSpec) bool { return f.Stream != nil },
		compile:  compileStream,
		walk:     func(int64) *walk { return streamWalk },
		problems: streamProblems,
		holding:  true,
	})
}

// StreamSpec is a response streamed as events at an interval (fault kind
// "stream"): server-sent events (text/event-stream, `id: N` and `data:`
// lines, a blank line after each) or plain chunks (one line each), every
// event written and flushed on its own, the first at once and event k
// (from 0) k·Every after it. The stream ends with its last event, unless it
// is cut: after CutAfter events or CutAfterBytes bytes it closes (the client
// reads an unexpected EOF in the chunked body), resets (Reset: TCP RST), or
// stalls (Stall: held open with no more events, then closed). Stall or
// Reset without a cut point apply after the last event, before the end of
// the body: the client has every event and never the stream's end.
type StreamSpec struct {
	// Events is how many events a whole stream has (at least 1).
	Events int `yaml:"events"`
	// Every is the interval between events; 0 sends them back to back.
	Every time.Duration `yaml:"every,omitempty"`
	// Format is "sse" (default) or "chunks".
	Format string `yaml:"format,omitempty"`
	// Data is each event's data, "{n}" replaced by its number (from 1);
	// default "event {n}". A line break starts another data: line.
	Data string `yaml:"data,omitempty"`
	// CutAfter cuts the stream after this many whole events.
	CutAfter *int `yaml:"cut_after,omitempty"`
	// CutAfterBytes cuts the stream after this many bytes of it, which may
	// end in the middle of an event.
	CutAfterBytes *int `yaml:"cut_after_bytes,omitempty"`
	// Stall holds the stream open at the cut with no more events this long
	// (or until the client goes away), then closes it.
	Stall time.Duration `yaml:"stall,omitempty"`
	// Reset ends the stream at the cut with a TCP RST instead of a close.
	Reset bool `yaml:"reset,omitempty"`
}

// Stream formats.
const (
	StreamSSE    = "sse"
	StreamChunks = "chunks"
)

// MaxStreamEvents bounds a stream's events, and MaxStreamEvery its
// interval, so that a script cannot make one response last for ever.
const (
	MaxStreamEvents = 100_000
	MaxStreamEvery  = time.Hour
)

// eventStream is the Content-Type of server-sent events (WHATWG HTML
// §9.2, "Server-sent events").
var eventStream = []string{"text/event-stream"}

// streamEnd is how a stream ends at its cut point.
type streamEnd uint8

const (
	streamWhole streamEnd = iota // the last event, then the body's end
	streamClose                  // closed at the cut: EOF in the chunked body
	streamStall                  // held open at the cut, then closed
	streamReset                  // TCP RST at the cut
)

// streamPlan is a compiled StreamSpec: the stream's bytes are the plan's
// Body, ends[i] the offset just past event i, and cut the bytes written
// before the stream ends as end says. Read-only once compiled.
type streamPlan struct {
	every time.Duration
	ends  []int64
	cut   int64
	end   streamEnd
	stall *walk // streamStall: held open at the cut, then closed
	sse   bool
}

// compileStream renders every event into the body and sets the cut.
func compileStream(f *FaultSpec, a *action) {
	s := f.Stream
	sp := &streamPlan{every: s.Every, sse: s.Format != StreamChunks}
	data := s.Data
	if data == "" {
		data = "event {n}"
	}
	var body []byte
	for i := 1; i <= s.Events; i++ {
		body = appendEvent(body, sp.sse, i, strings.ReplaceAll(data, "{n}", strconv.Itoa(i)))
		sp.ends = append(sp.ends, int64(len(body)))
	}
	sp.cut = int64(len(body))
	switch {
	case s.CutAfter != nil && *s.CutAfter == 0:
		sp.cut = 0
	case s.CutAfter != nil:
		sp.cut = sp.ends[min(*s.CutAfter, s.Events)-1]
	case s.CutAfterBytes != nil:
		sp.cut = min(int64(*s.CutAfterBytes), sp.cut)
	}
	cut := s.CutAfter != nil || s.CutAfterBytes != nil
	switch {
	case s.Reset:
		sp.end = streamReset
	case s.Stall > 0:
		sp.end = streamStall
		// The client may go away during the stall: the walk then skips to
		// its last step, the close.
		sp.stall = walkOf(step{op: opHold, wait: s.Stall}, step{op: opAbort})
	case cut:
		sp.end = streamClose
	}
	a.body, a.stream = body, sp
}

// appendEvent appends event n: for server-sent events an id line, a data
// line per line of data and a blank line; for chunks the data and a newline.
func appendEvent(b []byte, sse bool, n int, data string) []byte {
	if !sse {
		return append(append(b, data...), '\n')
	}
	b = append(append(append(b, "id: "...), strconv.Itoa(n)...), '\n')
	for line := range strings.SplitSeq(data, "\n") {
		b = append(append(append(b, "data: "...), line...), '\n')
	}
	return append(b, '\n')
}

// eventBound bounds the bytes of one event of data as appendEvent renders
// it: "id: N\n" (N up to 6 digits), "data: " and a newline per line, each
// {n} grown by up to 5 digits, and the blank line.
func eventBound(data string) int {
	if data == "" {
		data = "event {n}"
	}
	return len(data) + 7*(strings.Count(data, "\n")+1) + 5*strings.Count(data, "{n}") + 11 + 1
}

// streamProblems checks a stream's fields.
func streamProblems(f *FaultSpec, path string, p *problem.List) {
	s, at := f.Stream, path+".stream"
	if f.Body != "" || f.BodySize != 0 {
		p.Add(path+".body", "has no effect with stream, whose events make the body; give stream.data")
	}
	if s.Events < 1 || s.Events > MaxStreamEvents {
		p.Add(at+".events", "must be from 1 to %d, not %d", MaxStreamEvents, s.Events)
	}
	if s.Every < 0 || s.Every > MaxStreamEvery {
		p.Add(at+".every", "must be from 0 to %s, not %s", MaxStreamEvery, s.Every)
	}
	if s.Format != "" && s.Format != StreamSSE && s.Format != StreamChunks {
		p.Add(at+".format", "must be %q or %q, not %q", StreamSSE, StreamChunks, s.Format)
	}
	if strings.Contains(s.Data, "\r") {
		p.Add(at+".data", "must not hold a carriage return, which ends a line of server-sent events; write a line break as \\n")
	}
	if n := max(s.Events, 0); n <= MaxStreamEvents && eventBound(s.Data)*n > MaxBodySize {
		p.Add(at+".data", "%d events of up to %d bytes are over the limit of %d bytes (16 MiB) for a stream", n, eventBound(s.Data), MaxBodySize)
	}
	if s.CutAfter != nil && s.CutAfterBytes != nil {
		p.Add(at+".cut_after_bytes", "give cut_after (events) or cut_after_bytes, not both")
	}
	if c := s.CutAfter; c != nil && (*c < 0 || *c >= s.Events) {
		p.Add(at+".cut_after", "must be from 0 to events-1 (%d), not %d: a cut after every event is the whole stream", s.Events-1, *c)
	}
	if c := s.CutAfterBytes; c != nil && *c < 0 {
		p.Add(at+".cut_after_bytes", "must not be negative")
	}
	if s.Stall < 0 {
		p.Add(at+".stall", "must be positive")
	}
	if s.Stall > 0 && s.Reset {
		p.Add(at+".reset", "a stream ends at its cut with a stall or a reset, not both")
	}
}

// A stream: the status line and headers, flushed (opBeginStream), then each
// event written and flushed (opChunk), event k due k·every after the
// first (opPace), up to the cut; then the body's end (the handler returns,
// net/http ends the chunked body), a close (opAbort), a stall (opHold, then
// opAbort) or a reset (opReset). The delivery counts the bytes and the
// whole events written; a stream that does not reach its end, because it
// was cut or the client left, is incomplete. A HEAD response has no body.
// Its walk is the first step; streamNext paces the rest by what the medium
// reports.
var streamWalk = &walk{steps: []step{{op: opBeginStream}}, next: stageStreamBegun}

// streamNext is the step of a stream after the last one.
func (p *playout) streamNext(ok bool) step {
	s, out := p.d.stream, p.out
	if !ok { // the headers, a write or a wait failed: the client is gone
		out.Incomplete = true
		return p.last(opDone)
	}
	switch p.stage {
	case stageStreamBegun:
		if p.head {
			return p.last(opDone)
		}
	case stageStreamWritten:
		to := min(s.ends[out.StreamEvents], s.cut)
		if to == s.ends[out.StreamEvents] {
			out.StreamEvents++
		}
		out.BodyBytes = to
		if out.BodyBytes < s.cut {
			p.stage = stageStreamPaced
			return step{op: opPace, wait: s.every * time.Duration(out.StreamEvents)}
		}
	}
	if out.BodyBytes >= s.cut {
		return p.streamEnd()
	}
	p.stage = stageStreamWritten
	return step{op: opChunk, from: out.BodyBytes, to: min(s.ends[out.StreamEvents], s.cut)}
}

// streamEnd is the step at a stream's cut point.
func (p *playout) streamEnd() step {
	s := p.d.stream
	if s.end == streamWhole {
		return p.last(opDone)
	}
	p.out.Incomplete = true
	switch s.end {
	case streamReset:
		return p.last(opReset)
	case streamStall:
		return p.play(s.stall)
	}
	return p.last(opAbort)
}

// beginStream sends a stream's status line and headers, with no
// Content-Length (the body is chunked) and text/event-stream for
// server-sent events unless the script sets a Content-Type, flushed unless
// the request is a HEAD; and marks the start of the events' schedule.
func (x *wire) beginStream(out *Delivery) bool {
	d := &x.d
	x.writeDeadline()
	out.Status = d.Status
	h := x.w.Header()
	if d.stream.sse {
		h["Content-Type"] = eventStream
	}
	x.responseHeader(h, 0, out)
	delete(h, "Content-Length")
	if _, set := h["Cache-Control"]; d.stream.sse && !set {
		h["Cache-Control"] = noCache
	}
	return x.flushHead()
}

// noCache keeps caches from holding a stream of events back.
var noCache = []string{"no-cache"}

// pace waits in virtual time until due after the stream began; false when
// the client's deadline comes first.
func (v *virtual) pace(due time.Duration) bool { return v.hold(v.begun + due - v.now) }
