package faultserver

import (
	"time"
)

// A plan is played out once, by the playout: it walks the plan's
// steps in order (drain the request body, hold for the delay, then the
// kind's own steps: a response, a hang, a reset, a slow body...), and a
// medium performs each step. There are two media: the wire (a real
// connection, wire.go) and virtual time (VirtualPlayout, virtual.go), which
// the simulator reads. The playout decides what comes next from what the
// medium reports (the client went away during a hold, a write failed), so
// both media follow one schedule and one order; each kind's steps, and what
// each medium does for the step that kind alone uses, are in its
// fault_<kind>.go.
//
// The walk is a state machine that the medium drives in a loop, rather than
// a function calling the medium through an interface, so that the wire's
// medium (with the plan in it) stays on the handler's stack.
type playout struct {
	d     *Plan
	out   *Delivery // what reached the client, filled by the steps and the medium
	head  bool      // the request was a HEAD: the response has no body
	stage stage
	// walk is the plan's kind's walk while the playout is in it (stageWalk),
	// and at the index of its next step.
	walk *walk
	at   int
}

// walk is an action kind's steps after the delay, fixed when the fault
// compiles (actionKind.walk): the medium performs them in order, and when
// one fails (the client went away during a hold, a write failed) the walk
// skips to its last step, the one that ends it. After the last step the
// playout goes on to next: stageDone, or the stages of a kind that paces
// what it writes by what the medium reports (a slow body).
type walk struct {
	steps []step
	next  stage
}

// walkOf is a walk of steps after which the playout is done.
func walkOf(steps ...step) *walk { return &walk{steps: steps, next: stageDone} }

// stage is where a playout is.
type stage uint8

const (
	stageDrain         stage = iota // the request body is read first
	stageDelay                      // then the plan's delay
	stageAct                        // then the kind's steps
	stageWalk                       // in the kind's walk
	stageBegun                      // a slow body: the status line and headers are sent
	stageWritten                    // a slow body: a chunk is written
	stagePaced                      // a slow body: the wait for the next chunk is over
	stageStreamBegun                // a stream: the status line and headers are sent
	stageStreamWritten              // a stream: an event (or the part before a cut) is written
	stageStreamPaced                // a stream: the wait for the next event is over
	stageDone
)

// op is one step a medium performs.
type op uint8

const (
	opDone        op = iota
	opDrain          // read the request body; ok false: not sent in time
	opHold           // wait step.wait; ok false: the client went away (or the server closed) first
	opHang           // opHold, for a hang: held without an answer (fault_hang.go)
	opAbort          // close the connection with no response (FIN)
	opReset          // close the connection with a TCP RST (fault_reset.go)
	opRaw            // write d.Raw, which is not HTTP, and close (fault_malformed.go)
	opRespond        // send the whole response: status line, headers, body
	opRespondRow     // commit the row operation, then respond with its version
	opBegin          // send the status line and headers, flushed (fault_slow.go); ok false: failed
	opChunk          // write and flush d.Body[from:to] (fault_slow.go); ok false: failed
	opPace           // wait until step.wait after opBegin (fault_slow.go); ok false as for opHold
	opTruncate       // headers promising the whole body, d.Param bytes of it, close (fault_truncate.go)
	opBeginStream    // send a stream's status line and headers, flushed (fault_stream.go); ok false: failed
)

// step is what the medium does next.
type step struct {
	op       op
	wait     time.Duration // opHold, opHang; opPace: since opBegin
	from, to int64         // opChunk: the body bytes to write
}

// newPlayout starts the playout of d, whose delivery goes to out; body says
// the request has a body to read first.
func newPlayout(d *Plan, out *Delivery, head, body bool) playout {
	p := playout{d: d, out: out, head: head, stage: stageDrain}
	if !body {
		p.stage = stageDelay
	}
	return p
}

// next is the step after the last one, which ok says succeeded (true for
// the first call).
func (p *playout) next(ok bool) step {
	d := p.d
	switch p.stage {
	case stageDrain:
		p.stage = stageDelay
		return step{op: opDrain}
	case stageDelay:
		if !ok { // the client was too slow sending its body
			return p.last(opAbort)
		}
		p.stage = stageAct
		if d.Delay > 0 {
			return step{op: opHold, wait: d.Delay}
		}
		return p.act()
	case stageAct:
		if !ok { // the client went away during the delay: nothing is sent
			return p.last(opAbort)
		}
		return p.act()
	case stageWalk:
		if !ok { // a step failed: only the last, the one that ends the walk, remains
			p.at = len(p.walk.steps) - 1
		}
		return p.walkStep()
	case stageBegun, stageWritten, stagePaced:
		return p.slowNext(ok)
	case stageStreamBegun, stageStreamWritten, stageStreamPaced:
		return p.streamNext(ok)
	}
	return step{op: opDone}
}

// act is the first of the kind's own steps, once the delay is over: its
// walk, compiled with the fault, so that no kind is named here and the
// playout stays on the handler's stack (no call through a function value).
func (p *playout) act() step {
	d := p.d
	switch {
	case d.Row != RowNone:
		return p.last(opRespondRow)
	case d.walk == nil:
		return p.last(opRespond)
	}
	p.walk, p.at, p.stage = d.walk, 0, stageWalk
	return p.walkStep()
}

// walkStep is the walk's next step.
func (p *playout) walkStep() step {
	st := p.walk.steps[p.at]
	if p.at++; p.at == len(p.walk.steps) {
		p.stage = p.walk.next
	}
	return st
}

// last is a step after which the playout is done.
func (p *playout) last(o op) step {
	p.stage = stageDone
	return step{op: o}
}

// Delivery is what of a response reached the client, on either medium, as
// its Record tells it (see NewRecord): the status line sent (0 for none),
// the body bytes written (see record.Record.BodyBytes), whether a response
// begun did not reach its end, and the wait its Retry-After asked for.
type Delivery struct {
	Status        int
	BodyBytes     int64
	Incomplete    bool
	HasRetryAfter bool
	RetryAfter    time.Duration
	// StreamEvents is how many whole events of a stream were written
	// (record.Record.StreamEvents).
	StreamEvents int
	// UpstreamStatus is the status the upstream answered in proxy mode
	// (record.Record.UpstreamStatus); 0 when not forwarded.
	UpstreamStatus int
	// abortHandler asks serveFault to panic with http.ErrAbortHandler once
	// the Record is logged: net/http then cuts the connection, so that a
	// proxied body cut short cannot end as if it were whole.
	abortHandler bool
}
