package faultserver

import (
	"context"
	"crypto/tls"
	"errors"
	"io"
	"net"
	"net/http"
	"sync"
	"time"

	"github.com/chaos-harness/chaos/record"
)

// The server accepts its connections itself (acceptListener) and hands
// net/http the ones that get through: every connection is numbered at
// accept (Record.Conn), may draw a fault before the request (tlsdecide.go),
// and with Options.TLS has its TLS handshake done here. net/http then serves
// each as cleartext, HTTP/1.1 or, when it begins with the HTTP/2 preface
// (after ALPN chose h2, or with Options.H2C), HTTP/2: its own HTTP/2 server
// through Protocols' UnencryptedHTTP2, so that the connection it reads is
// the frameConn that follows the frames (h2frames.go) rather than the
// *tls.Conn it would otherwise insist on.

// connInfo is what the server knows of a connection: its number, whether
// it is TLS, and its HTTP/2 frames (nil where HTTP/2 cannot be spoken).
type connInfo struct {
	n      uint64
	tls    bool
	frames *h2Frames
}

// connInfoOf is the request's connection, as ConnContext stored it; nil
// for a Handler served by an http.Server without ConnContext.
func connInfoOf(r *http.Request) *connInfo {
	c, _ := r.Context().Value(connNumber{}).(*connInfo)
	return c
}

// acceptListener is what net/http's Serve accepts from: the connections
// that got through admitConn.
type acceptListener struct {
	net.Listener // the real one, which run accepts from
	conns        chan net.Conn
	done         chan struct{}
	closeOnce    sync.Once
}

func newAcceptListener(ln net.Listener) *acceptListener {
	// Unbuffered: a connection is either taken by net/http or, once the
	// listener is closed, closed; none waits in between.
	return &acceptListener{Listener: ln, conns: make(chan net.Conn), done: make(chan struct{})}
}

func (l *acceptListener) Accept() (net.Conn, error) {
	select {
	case c := <-l.conns:
		return c, nil
	case <-l.done:
		return nil, net.ErrClosed
	}
}

func (l *acceptListener) Close() error {
	var err error
	l.closeOnce.Do(func() {
		close(l.done)
		err = l.Listener.Close()
	})
	return err
}

// hand gives a connection to net/http, or closes it once the listener is
// closed.
func (l *acceptListener) hand(c net.Conn) {
	select {
	case l.conns <- c:
	case <-l.done:
		_ = c.Close()
	}
}

// run accepts until the listener is closed.
func (l *acceptListener) run(s *Server) {
	for {
		c, err := l.Listener.Accept()
		if err != nil {
			if errors.Is(err, net.ErrClosed) {
				return
			}
			select { // a temporary failure (out of file descriptors): as net/http, wait and retry
			case <-l.done:
				return
			case <-time.After(5 * time.Millisecond):
			}
			continue
		}
		s.admitConn(l, c)
	}
}

// admitConn numbers a new connection, decides whether it draws a fault
// before the request, and hands it on: at once when cleartext, after its
// handshake when TLS.
func (s *Server) admitConn(l *acceptListener, raw net.Conn) {
	info := &connInfo{n: s.conns.last.Add(1), tls: s.opts.TLS != nil}
	accepted := s.elapsed()
	st := s.state.Load()
	if d, ok := st.script.decideConnection(max(0, accepted-st.epoch), info.n); ok {
		// A stall holds a connection as a hang holds a request: it takes a
		// MaxHeld slot, here, in the order of accept. Without one the
		// connection is refused (overload, phase limit): closed at once.
		if d.holding && !s.hold() {
			d = Plan{Phase: PhaseLimit, Kind: record.FaultOverload}
		}
		go s.connFault(raw, info, accepted, &d)
		return
	}
	switch {
	case s.opts.TLS != nil:
		go s.handshake(l, raw, info)
	case s.opts.H2C:
		l.hand(s.framed(raw, info))
	default:
		wc := s.watch.watch(raw) // deadlines.go
		s.connInfos.Store(wc, info)
		l.hand(wc)
	}
}

// framed wraps a connection that may speak HTTP/2.
func (s *Server) framed(c net.Conn, info *connInfo) *frameConn {
	fc := newFrameConn(c)
	info.frames, fc.info = fc.frames, info
	return fc
}

// handshake does a TLS connection's handshake, within
// Limits.ReadHeaderTimeout, and hands it on; a failed one is closed.
func (s *Server) handshake(l *acceptListener, raw net.Conn, info *connInfo) {
	tc := tls.Server(raw, s.opts.TLS)
	_ = raw.SetDeadline(time.Now().Add(s.limits.ReadHeaderTimeout))
	if err := tc.HandshakeContext(s.ctx); err != nil {
		_ = raw.Close()
		return
	}
	_ = raw.SetDeadline(time.Time{})
	l.hand(s.framed(tc, info))
}

// connFault performs a fault before the request on a new connection and
// logs its Record: no request fields, the connection's number, the phase
// and the kind, the latency until the connection was closed.
func (s *Server) connFault(raw net.Conn, info *connInfo, accepted time.Duration, d *Plan) {
	if !s.enter() {
		_ = raw.Close()
		return
	}
	defer s.handlers.Done()
	s.inFlight.Add(1) // until finish
	unwatch := context.AfterFunc(s.ctx, func() { _ = raw.Close() })
	defer unwatch()
	if d.holding {
		defer s.held.Add(-1)
	}
	switch d.Kind {
	case record.FaultAcceptStall:
		// Nothing is read: the client's bytes wait in the socket, and the
		// close at the end is a reset.
		s.sleep(nil, time.Duration(d.Param))
	case record.FaultTLSStall:
		// The ClientHello (or, on cleartext, the request) is read and
		// never answered; a client that gives up ends the stall.
		gone := make(chan struct{})
		go func() { _, _ = io.Copy(io.Discard, raw); close(gone) }()
		s.sleep(gone, time.Duration(d.Param))
	case record.FaultTLSClose:
		readHello(raw, s.limits.ReadHeaderTimeout)
	case record.FaultTLSBadCert:
		if s.opts.TLS == nil {
			readHello(raw, s.limits.ReadHeaderTimeout) // cleartext has no certificate: the nearest is tls_close
			break
		}
		s.badHandshake(raw)
	}
	if tcp, ok := raw.(*net.TCPConn); ok && d.Kind == record.FaultTLSClose {
		_ = tcp.CloseWrite() // a FIN, even if more is on its way in
	}
	_ = raw.Close()
	ended := s.elapsed()
	req := RequestInfo{Conn: info.n, TLS: info.tls}
	s.finish(accepted, ended, &req, d, &Delivery{})
}

// readHello reads the client's first TLS record (the ClientHello: its
// 5-byte header gives its length, RFC 8446 section 5.1), or on a cleartext
// connection what the client sent first, within timeout.
func readHello(c net.Conn, timeout time.Duration) {
	_ = c.SetReadDeadline(time.Now().Add(timeout))
	var hdr [5]byte
	if _, err := io.ReadFull(c, hdr[:1]); err != nil {
		return
	}
	if hdr[0] != 0x16 { // not a TLS handshake record: take what is there
		var buf [4096]byte
		_, _ = c.Read(buf[:])
		return
	}
	if _, err := io.ReadFull(c, hdr[1:]); err != nil {
		return
	}
	n := int(hdr[3])<<8 | int(hdr[4])
	_, _ = io.CopyN(io.Discard, c, int64(n))
}

// badHandshake answers the handshake with a certificate no client trusts;
// the client refuses it, and the handshake fails.
func (s *Server) badHandshake(raw net.Conn) {
	id, err := untrustedIdentity()
	if err != nil {
		return
	}
	cfg := s.opts.TLS.Clone()
	cfg.Certificates, cfg.GetCertificate, cfg.GetConfigForClient = []tls.Certificate{id.Certificate}, nil, nil
	_ = raw.SetDeadline(time.Now().Add(s.limits.ReadHeaderTimeout))
	_ = tls.Server(raw, cfg).HandshakeContext(s.ctx)
}

// serverProtocols are the protocols net/http serves: HTTP/1 always, and
// HTTP/2 on the connections that may speak it (TLS, where ALPN chose it, or
// H2C), which net/http sees as cleartext.
func (s *Server) serverProtocols() *http.Protocols {
	p := new(http.Protocols)
	p.SetHTTP1(true)
	if s.opts.TLS != nil || s.opts.H2C {
		p.SetUnencryptedHTTP2(true)
	}
	return p
}

// scheme is the scheme of the server's URL.
func (s *Server) scheme() string {
	if s.opts.TLS != nil {
		return "https"
	}
	return "http"
}

// tcpOf is the TCP connection under c (a frameConn, a *tls.Conn), or nil.
func tcpOf(c net.Conn) *net.TCPConn {
	for {
		switch v := c.(type) {
		case *net.TCPConn:
			return v
		case *frameConn:
			c = v.Conn
		case *watchedConn:
			c = v.Conn
		case *tls.Conn:
			c = v.NetConn()
		default:
			return nil
		}
	}
}
