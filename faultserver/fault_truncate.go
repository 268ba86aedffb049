package faultserver

import (
	"fmt"
	"net/http"
	"time"
)

// truncate sends a status line and headers whose Content-Length promises the
// whole body, then only the first Truncate bytes of it, and closes: the client
// reads an unexpected EOF in the body. The response is written by hand on the
// hijacked connection, so nothing in net/http can complete or repair it.
func (x *exchange) truncate() int {
	d := x.d
	h := http.Header{}
	x.responseHeader(h, len(d.Body))
	h.Set("Date", time.Now().UTC().Format(http.TimeFormat))
	conn, brw, ok := x.hijack()
	if !ok {
		return 0
	}
	defer conn.Close()
	fmt.Fprintf(brw, "HTTP/1.1 %03d %s\r\n", d.Status, http.StatusText(d.Status))
	_ = h.Write(brw)
	_, _ = brw.WriteString("\r\n")
	if x.r.Method != http.MethodHead {
		_, _ = brw.Write(d.Body[:min(d.Truncate, len(d.Body))])
	}
	_ = brw.Flush()
	return d.Status
}
