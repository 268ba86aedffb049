package faultserver

import (
	"net"

	"github.com/chaos-harness/chaos/record"
)

func init() {
	registerKind(&actionKind{
		name:    record.FaultReset,
		given:   func(f *FaultSpec) bool { return f.Reset },
		compile: func(*FaultSpec, *action) {},
		// A reset aborts the connection with a TCP RST (opReset).
		walk:       func(int64) *walk { return walkOf(step{op: opReset}) },
		noResponse: true,
	})
}

// reset closes the connection with SO_LINGER set to 0: close discards the
// socket at once and the peer reads "connection reset by peer".
func (x *wire) reset() {
	conn, _, ok := x.hijack()
	if !ok {
		return
	}
	if tcp, isTCP := conn.(*net.TCPConn); isTCP {
		_ = tcp.SetLinger(0)
	}
	_ = conn.Close()
}

// reset ends the request in virtual time as the wire's does: no response,
// and the client reads a reset.
func (v *virtual) reset() { v.ending = EndReset }
