package faultserver

import (
	"fmt"
	"net/http"

	"github.com/chaos-harness/chaos/problem"
	"github.com/chaos-harness/chaos/record"
)

func init() {
	registerKind(&actionKind{
		name:    record.FaultTruncate,
		given:   func(f *FaultSpec) bool { return f.Truncate != nil },
		compile: compileTruncate,
		// A truncated response: a status line and headers whose Content-Length
		// promises the whole body, then only the first Param bytes of it, and a
		// close (opTruncate): the client reads an unexpected EOF in the body.
		walk:     func(int64) *walk { return walkOf(step{op: opTruncate}) },
		problems: truncateProblems,
	})
}

// compileTruncate sets the bytes sent, and pads the body so that the
// headers promise more than is sent.
func compileTruncate(f *FaultSpec, a *action) {
	n := *f.Truncate
	a.param = int64(n)
	if len(a.body) <= n {
		a.body = append(append([]byte{}, a.body...), filler(n+1-len(a.body))...)
	}
}

// truncate writes the truncated response. It is written by hand on the
// hijacked connection, so nothing in net/http can complete or repair it; the
// body is written straight to the connection, which says how much of it went
// out.
func (x *wire) truncate() Delivery {
	d := &x.d
	out := Delivery{Status: d.Status}
	h := http.Header{}
	x.responseHeader(h, len(d.Body), &out)
	h.Set("Date", x.srv.now().UTC().Format(http.TimeFormat))
	conn, brw, ok := x.hijack()
	if !ok {
		return Delivery{}
	}
	defer conn.Close()
	fmt.Fprintf(brw, "HTTP/1.1 %03d %s\r\n", d.Status, http.StatusText(d.Status))
	_ = h.Write(brw)
	_, _ = brw.WriteString("\r\n")
	if err := brw.Flush(); err != nil {
		out.Incomplete = true
		return out
	}
	if x.r.Method == http.MethodHead {
		return out // a HEAD response has no body: it is whole
	}
	n, _ := conn.Write(d.Body[:min(int(d.Param), len(d.Body))])
	out.BodyBytes = int64(n)
	out.Incomplete = n < len(d.Body)
	return out
}

// truncate sends the truncated response in virtual time: the status line,
// the first Param bytes of the body (none for a HEAD), then a close, which
// the client reads as EOF.
func (v *virtual) truncate(d *Plan) {
	v.respondHeader(d)
	if !v.head {
		v.out.BodyBytes = int64(min(int(d.Param), len(d.Body)))
		v.out.Incomplete = v.out.BodyBytes < int64(len(d.Body))
	}
	v.ending = EndClosed
}

// truncateProblems checks the bytes sent: the body is padded to one more.
func truncateProblems(f *FaultSpec, path string, p *problem.List) {
	if *f.Truncate < 0 {
		p.Add(path+".truncate", "must not be negative")
	}
	if *f.Truncate >= MaxBodySize {
		p.Add(path+".truncate", "%d bytes is over the limit of %d (the body is padded to truncate+1 bytes, at most 16 MiB)", *f.Truncate, MaxBodySize-1)
	}
}
