package faultserver

import (
	"net/http"
	"time"

	"github.com/chaos-harness/chaos/problem"
	"github.com/chaos-harness/chaos/record"
)

func init() {
	registerKind(&actionKind{
		name:    record.FaultSlow,
		given:   func(f *FaultSpec) bool { return f.Slow != 0 },
		compile: func(f *FaultSpec, a *action) { a.param = int64(f.Slow) },
		walk:    func(int64) *walk { return slowWalk },
		problems: func(f *FaultSpec, path string, p *problem.List) {
			if f.Slow < 0 {
				p.Add(path+".slow", "must be positive")
			}
		},
		holding: true,
	})
}

// A slow body: the status line and headers at once (opBegin), then the body
// at the plan's bandwidth on the schedule of SlowChunk and SlowDue, each
// chunk flushed (opChunk), the chunk at byte k written SlowDue(k) after the
// first (opPace). If the client goes away, a write fails or the server
// closes midway, the body ends short: the delivery counts the bytes flushed
// and is incomplete. A HEAD response has no body. Its walk is the first
// step; slowNext paces the rest by what the medium reports.
var slowWalk = &walk{steps: []step{{op: opBegin}}, next: stageBegun}

// slowNext is the step of a slow body after the last one.
func (p *playout) slowNext(ok bool) step {
	d, out := p.d, p.out
	size := int64(len(d.Body))
	switch p.stage {
	case stageBegun:
		if !ok {
			out.Incomplete = true
			return p.last(opDone)
		}
		if p.head {
			return p.last(opDone)
		}
	case stageWritten:
		if ok {
			out.BodyBytes += min(SlowChunk(Bandwidth(d.Param)), size-out.BodyBytes)
			if out.BodyBytes < size {
				p.stage = stagePaced
				return step{op: opPace, wait: SlowDue(Bandwidth(d.Param), out.BodyBytes)}
			}
		}
		out.Incomplete = out.BodyBytes < size
		return p.last(opDone)
	case stagePaced:
		if !ok {
			out.Incomplete = true
			return p.last(opDone)
		}
	}
	if out.BodyBytes == size {
		return p.last(opDone)
	}
	p.stage = stageWritten
	return step{op: opChunk, from: out.BodyBytes, to: out.BodyBytes + min(SlowChunk(Bandwidth(d.Param)), size-out.BodyBytes)}
}

// begin sends a slow response's status line and headers, flushed unless the
// request is a HEAD (net/http then sends them after the handler), and marks
// the start of the body's schedule.
func (x *wire) begin(out *Delivery) bool {
	d := &x.d
	x.writeDeadline()
	out.Status = d.Status
	x.responseHeader(x.w.Header(), len(d.Body), out)
	return x.flushHead()
}

// flushHead sends the status line and the headers set, flushed unless the
// request is a HEAD (net/http then sends them after the handler), and marks
// the start of a paced body (a slow body's, a stream's).
func (x *wire) flushHead() bool {
	x.w.WriteHeader(x.d.Status)
	if x.r.Method == http.MethodHead {
		return true
	}
	err := flush(x.w)
	x.begun = x.srv.now()
	return err == nil
}

// chunk writes and flushes part of a slow body.
func (x *wire) chunk(p []byte) bool {
	x.writeDeadline()
	if _, err := x.w.Write(p); err != nil {
		return false
	}
	return flush(x.w) == nil
}

// pace waits until due after the body began, on the server's clock: the
// pacing does not drift with scheduling delays.
func (x *wire) pace(due time.Duration) bool {
	return x.wait(x.begun.Add(due).Sub(x.srv.now()))
}

// begin sends a slow response's status line and headers in virtual time.
func (v *virtual) begin(d *Plan) {
	v.respondHeader(d)
	v.begun = v.now
}

// bodyAtOnce takes the rest of a slow body, its status line and headers just
// sent at begun, in one step: the virtual medium has no need to visit each
// chunk, and a long body at a low bandwidth has many. It is the walk of
// slowNext in closed form: every chunk due by the client's deadline (0:
// none) is written, whole; the playout is then done, at the last chunk's
// due time if the body is whole, or at the deadline (no earlier than begun)
// if the client left first.
//
// After an opBegin that starts no paced body (a kind whose headers are
// followed by something else), it does nothing.
func (p *playout) bodyAtOnce(v *virtual) {
	if p.stage != stageBegun {
		return
	}
	d, out := p.d, p.out
	p.stage = stageDone
	size := int64(len(d.Body))
	if p.head || size == 0 {
		return
	}
	limit := time.Duration(1<<63 - 1)
	if v.deadline > 0 {
		limit = max(v.deadline-v.begun, 0)
	}
	chunk := SlowChunk(Bandwidth(d.Param))
	// Chunks start at 0, chunk, 2·chunk...; the one at k·chunk is due
	// SlowDue(k·chunk) after the first, which is due at once. Search the
	// count of chunks due by limit.
	lo, hi := int64(1), (size+chunk-1)/chunk
	for lo < hi {
		mid := lo + (hi-lo+1)/2
		if SlowDue(Bandwidth(d.Param), (mid-1)*chunk) <= limit {
			lo = mid
		} else {
			hi = mid - 1
		}
	}
	out.BodyBytes = min(size, lo*chunk)
	if out.BodyBytes == size {
		v.now = v.begun + SlowDue(Bandwidth(d.Param), (lo-1)*chunk)
		return
	}
	out.Incomplete = true
	v.now, v.left = max(v.deadline, v.begun), true
}
