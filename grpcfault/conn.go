package grpcfault

import (
	"net"
	"sync"

	"google.golang.org/grpc"
)

// conn is one accepted connection, numbered (Record.Conn), that a fault can
// end: with a TCP RST, a FIN, or bytes that are not HTTP/2. It watches the
// HTTP/2 frames the server writes, so that a GOAWAY fault knows when
// grpc-go's GOAWAY is on the wire before it closes the transport.
type conn struct {
	net.Conn
	n      uint64
	server *grpc.Server // the connection's own server (Server.accept)

	closeOnce sync.Once
	closed    chan struct{} // closed by Close, whoever calls it

	mu      sync.Mutex
	frames  frameWatch
	goaway  chan struct{} // closed once a GOAWAY frame is written
	goawayN int
}

func newConn(c net.Conn, n uint64) *conn {
	return &conn{Conn: c, n: n, closed: make(chan struct{}), goaway: make(chan struct{})}
}

// Write writes b and notes the GOAWAY frames in it.
func (c *conn) Write(b []byte) (int, error) {
	n, err := c.Conn.Write(b)
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.frames.scan(b[:n]) && c.goawayN == 0 {
		c.goawayN++
		close(c.goaway)
	}
	return n, err
}

// Close closes the connection once.
func (c *conn) Close() error {
	err := net.ErrClosed
	c.closeOnce.Do(func() {
		err = c.Conn.Close()
		close(c.closed)
	})
	return err
}

// reset closes the connection with a TCP RST: SO_LINGER 0 makes close
// discard what is unsent and answer with RST.
func (c *conn) reset() {
	if tc, ok := c.Conn.(*net.TCPConn); ok {
		_ = tc.SetLinger(0)
	}
	_ = c.Close()
}

// writeRaw writes bytes that are not HTTP/2 into the connection, then
// closes it.
func (c *conn) writeRaw(b []byte) {
	_, _ = c.Conn.Write(b)
	_ = c.Close()
}

// frameWatch follows the HTTP/2 frames of a server's output, which is
// frames from its first byte (RFC 9113 §3.4: only the client sends a
// preface), across writes: a 9-byte header with a 24-bit length and the
// type, then the payload.
type frameWatch struct {
	head    [9]byte
	headN   int
	payload int // bytes of the current frame's payload still to come
}

// frameGoAway is the GOAWAY frame's type (RFC 9113 §6.8).
const frameGoAway = 0x7

// scan reads b and reports whether a GOAWAY frame's header was in it.
func (w *frameWatch) scan(b []byte) (goaway bool) {
	for len(b) > 0 {
		if w.payload > 0 {
			k := min(w.payload, len(b))
			w.payload -= k
			b = b[k:]
			continue
		}
		k := copy(w.head[w.headN:], b)
		w.headN += k
		b = b[k:]
		if w.headN < len(w.head) {
			return goaway
		}
		w.headN = 0
		w.payload = int(w.head[0])<<16 | int(w.head[1])<<8 | int(w.head[2])
		if w.head[3] == frameGoAway {
			goaway = true
		}
	}
	return goaway
}

// oneConn is a listener that hands out one connection, then waits until it
// is closed: each connection is served by a grpc.Server of its own.
type oneConn struct {
	c         net.Conn
	mu        sync.Mutex
	given     bool
	done      chan struct{}
	closeOnce sync.Once
}

func newOneConn(c net.Conn) *oneConn { return &oneConn{c: c, done: make(chan struct{})} }

func (l *oneConn) Accept() (net.Conn, error) {
	l.mu.Lock()
	if !l.given {
		l.given = true
		l.mu.Unlock()
		return l.c, nil
	}
	l.mu.Unlock()
	<-l.done
	return nil, net.ErrClosed
}

func (l *oneConn) Close() error {
	l.closeOnce.Do(func() { close(l.done) })
	return nil
}

func (l *oneConn) Addr() net.Addr { return l.c.LocalAddr() }
