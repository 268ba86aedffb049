package faultserver

import (
	"github.com/chaos-harness/chaos/problem"
	"github.com/chaos-harness/chaos/record"
)

func init() {
	registerKind(&actionKind{
		name:       record.FaultRSTStream,
		given:      func(f *FaultSpec) bool { return f.RSTStream != "" },
		compile:    func(f *FaultSpec, a *action) { a.param = int64(h2ErrorCodes[f.RSTStream]) },
		walk:       func(int64) *walk { return walkOf(step{op: opRSTStream}) },
		noResponse: true,
		problems: func(f *FaultSpec, path string, p *problem.List) {
			if _, ok := h2ErrorCodes[f.RSTStream]; !ok {
				p.Add(path+".rst_stream", "%q is not an HTTP/2 error code; give one of %s", f.RSTStream, h2CodeNames())
			}
		},
	})
}

// An RST_STREAM resets the request's HTTP/2 stream with the kind's code
// (Plan.Param) and sends no response (opRSTStream). On an HTTP/1.1
// connection, which has no streams, the nearest is the connection's own
// reset: a TCP RST, as reset sends.

// rstStream resets the stream: the handler ends with http.ErrAbortHandler
// once the Record is logged, which makes net/http's HTTP/2 server reset the
// stream with INTERNAL_ERROR, and the connection's frame writer (h2frames.go)
// writes the kind's code in its place.
func (x *wire) rstStream(out *Delivery) {
	c := connInfoOf(x.r)
	if x.r.ProtoMajor != 2 || c == nil || !c.frames.isH2() {
		x.reset()
		return
	}
	c.frames.resetNext(uint32(x.d.Param))
	out.abortHandler = true
}

// rstStream ends the request in virtual time as the client reads it: its
// stream reset, no response.
func (v *virtual) rstStream() { v.ending = EndStreamReset }
