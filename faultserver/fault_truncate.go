package faultserver

import (
	"fmt"
	"net/http"
)

// truncate sends a status line and headers whose Content-Length promises the
// whole body, then only the first Truncate bytes of it, and closes: the client
// reads an unexpected EOF in the body. The response is written by hand on the
// hijacked connection, so nothing in net/http can complete or repair it; the
// body is written straight to the connection, which says how much of it went
// out.
func (x *exchange) truncate() delivery {
	d := &x.d
	out := delivery{status: d.Status}
	h := http.Header{}
	x.responseHeader(h, len(d.Body), &out)
	h.Set("Date", x.srv.now().UTC().Format(http.TimeFormat))
	conn, brw, ok := x.hijack()
	if !ok {
		return delivery{}
	}
	defer conn.Close()
	fmt.Fprintf(brw, "HTTP/1.1 %03d %s\r\n", d.Status, http.StatusText(d.Status))
	_ = h.Write(brw)
	_, _ = brw.WriteString("\r\n")
	if err := brw.Flush(); err != nil {
		out.incomplete = true
		return out
	}
	if x.r.Method == http.MethodHead {
		return out // a HEAD response has no body: it is whole
	}
	n, _ := conn.Write(d.Body[:min(d.Truncate, len(d.Body))])
	out.bodyBytes = int64(n)
	out.incomplete = n < len(d.Body)
	return out
}
