package faultserver

import "net/http"

// slow sends the status and headers at once, then the body at the
// decision's bandwidth on the schedule of SlowChunk and SlowDue, flushing
// each chunk. If the client goes away, a write fails or the server closes
// midway, the handler returns with the body short (and net/http closes the
// connection): the delivery counts the bytes flushed and is incomplete.
func (x *exchange) slow() delivery {
	d := &x.d
	x.writeDeadline()
	out := delivery{status: d.Status}
	x.responseHeader(x.w.Header(), len(d.Body), &out)
	x.w.WriteHeader(d.Status)
	if x.r.Method == http.MethodHead {
		return out // no body: net/http sends the header after the handler
	}
	if flush(x.w) != nil {
		out.incomplete = true
		return out
	}
	chunk := SlowChunk(d.Slow)
	size := int64(len(d.Body))
	start := x.srv.now()
	for out.bodyBytes < size {
		n := min(chunk, size-out.bodyBytes)
		x.writeDeadline()
		if _, err := x.w.Write(d.Body[out.bodyBytes : out.bodyBytes+n]); err != nil {
			break
		}
		if flush(x.w) != nil {
			break
		}
		out.bodyBytes += n
		if out.bodyBytes == size {
			break
		}
		if !x.wait(start.Add(SlowDue(d.Slow, out.bodyBytes)).Sub(x.srv.now())) {
			break
		}
	}
	out.incomplete = out.bodyBytes < size
	return out
}
