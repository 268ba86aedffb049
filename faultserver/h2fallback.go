package faultserver

import "net/http"

// On HTTP/2 a handler cannot take the connection over (Hijack), which
// reset, close, malformed, a hang's end and truncate do on HTTP/1.1: there
// the request's stream is reset instead (RST_STREAM, INTERNAL_ERROR, sent
// by net/http when the handler ends with http.ErrAbortHandler; see
// wire.resetStream), the nearest that HTTP/2 has to a connection cut, and
// the other streams of the connection go on.

// truncateStream sends a truncated response on HTTP/2: the headers, which
// promise the whole body, d.Param bytes of it, flushed, then the stream's
// reset.
func (x *wire) truncateStream() Delivery {
	d := &x.d
	x.writeDeadline()
	out := Delivery{Status: d.Status}
	x.responseHeader(x.w.Header(), len(d.Body), &out)
	x.w.WriteHeader(d.Status)
	if x.r.Method != http.MethodHead {
		n, _ := x.w.Write(d.Body[:min(int(d.Param), len(d.Body))])
		out.BodyBytes = int64(n)
		out.Incomplete = n < len(d.Body)
	}
	if err := flush(x.w); err != nil {
		out.Incomplete = true
	}
	x.resetStream = out.Incomplete
	return out
}
