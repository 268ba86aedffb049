package faultserver

import "github.com/chaos-harness/chaos/record"

func init() {
	registerKind(&actionKind{
		name:    record.FaultMalformed,
		given:   func(f *FaultSpec) bool { return f.Malformed != nil },
		compile: func(f *FaultSpec, a *action) { a.raw = []byte(f.Malformed.Bytes) },
		// A malformed answer is bytes that are not HTTP, then a close (opRaw).
		walk:       func(int64) *walk { return walkOf(step{op: opRaw}) },
		noResponse: true,
	})
}

// raw writes the plan's malformed bytes on the hijacked connection and
// closes it.
func (x *wire) raw() {
	conn, brw, ok := x.hijack()
	if !ok {
		return
	}
	_, _ = brw.Write(x.d.Raw)
	_ = brw.Flush()
	_ = conn.Close()
}

// raw ends the request in virtual time as the wire's does: no status line,
// and the client reads a malformed response.
func (v *virtual) raw() { v.ending = EndMalformed }
