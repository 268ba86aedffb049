package faultserver

import "net"

// reset aborts the connection with a TCP RST: with SO_LINGER set to 0, close
// discards the socket at once and the peer reads "connection reset by peer".
func (x *exchange) reset() delivery {
	conn, _, ok := x.hijack()
	if !ok {
		return delivery{}
	}
	if tcp, isTCP := conn.(*net.TCPConn); isTCP {
		_ = tcp.SetLinger(0)
	}
	_ = conn.Close()
	return delivery{}
}
