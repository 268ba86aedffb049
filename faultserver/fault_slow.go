package faultserver

import (
	"net/http"
	"time"
)

// slowTick is how often a slow body is topped up: small enough that the
// pacing is smooth, large enough that writes are not one byte each.
const slowTick = 10 * time.Millisecond

// slow sends the status and headers at once, then the body at the decision's
// bandwidth, flushing each piece. The k-th byte is due k/bandwidth after the
// first, so pacing does not drift with scheduling delays. If the client goes
// away or the server closes midway, the handler returns with the body short
// and net/http closes the connection.
func (x *exchange) slow() int {
	d := x.d
	x.writeDeadline()
	x.responseHeader(x.w.Header(), len(d.Body))
	x.w.WriteHeader(d.Status)
	if x.r.Method == http.MethodHead {
		return d.Status
	}
	rc := http.NewResponseController(x.w)
	_ = rc.Flush()
	bps := int64(d.Slow)
	chunk := int(max(1, bps/int64(time.Second/slowTick)))
	start := time.Now()
	for sent := 0; sent < len(d.Body); {
		n := min(chunk, len(d.Body)-sent)
		x.writeDeadline()
		if _, err := x.w.Write(d.Body[sent : sent+n]); err != nil {
			break
		}
		_ = rc.Flush()
		sent += n
		if sent == len(d.Body) {
			break
		}
		due := start.Add(time.Duration(int64(sent) * int64(time.Second) / bps))
		if !x.wait(time.Until(due)) {
			break
		}
	}
	return d.Status
}
