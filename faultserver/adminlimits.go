package faultserver

import (
	"io"
	"net"
	"net/http"
	"strconv"
	"sync/atomic"
	"time"
)

// The admin API and /metrics are bounded as the fault path is, with the same
// Limits: net/http's header and idle timeouts on every listener
// (Limits.httpServer), and per request Limits.BodyTimeout to send a body and
// Limits.WriteTimeout to accept each write of the response, set as deadlines
// on the connection (boundAdmin) as the fault path sets them.
// Limits.MaxAdminConns bounds how many connections the admin API's own
// listener holds (adminListener), or, on the faults' listener, how many admin
// requests are served at once.

// boundAdmin wraps the admin handler with its per-request limits. A request
// over MaxAdminConns is answered 503 at once. A body the handler does not read
// (every endpoint but PUT /_chaos/script, and every request refused 401) is
// never read: the connection closes after the answer, so a client that
// declares a body and sends none holds nothing.
func (s *Server) boundAdmin(h http.Handler) http.Handler {
	var slots atomic.Int64
	limit := int64(s.limits.MaxAdminConns)
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		aw := &adminWriter{ResponseWriter: w, timeout: s.limits.WriteTimeout}
		if r.ContentLength != 0 {
			// As a proxied body: the deadline is lifted when the body ends.
			rc := http.NewResponseController(w)
			_ = rc.SetReadDeadline(time.Now().Add(s.limits.BodyTimeout))
			aw.body = &deadlineBody{ReadCloser: r.Body, rc: rc}
			r.Body = aw.body
		}
		if s.opts.Admin.Addr == "" && limit > 0 {
			// On its own listener adminListener bounds the connections.
			if slots.Add(1) > limit {
				slots.Add(-1)
				adminBusy(aw, s.limits.MaxAdminConns)
				return
			}
			defer slots.Add(-1)
		}
		h.ServeHTTP(aw, r)
	})
}

// adminBusy answers a request over Limits.MaxAdminConns.
func adminBusy(w http.ResponseWriter, limit int) {
	w.Header().Set("Connection", "close")
	w.Header().Set("Retry-After", "1")
	writeJSON(w, http.StatusServiceUnavailable, map[string]string{"error": strconv.Itoa(limit) +
		" admin requests are being served already, the server's limit (Limits.MaxAdminConns, --max-admin-conns); try again later"})
}

// adminWriter gives the client Limits.WriteTimeout to accept each write of
// an admin response, and closes the connection after a response whose
// request body was not read to its end. Unwrap lets http.ResponseController
// reach the connection beneath for flushes.
type adminWriter struct {
	http.ResponseWriter
	timeout time.Duration
	body    *deadlineBody // nil for a request without a body
	started bool
}

func (a *adminWriter) WriteHeader(code int) {
	a.start()
	a.ResponseWriter.WriteHeader(code)
}

func (a *adminWriter) Write(b []byte) (int, error) {
	a.start()
	setWriteDeadline(a.ResponseWriter, time.Now().Add(a.timeout))
	return a.ResponseWriter.Write(b)
}

func (a *adminWriter) start() {
	if a.started {
		return
	}
	a.started = true
	if a.body != nil && !a.body.done {
		// net/http reads the rest of a body after the handler, before it
		// closes or reuses the connection, for as long as the client takes.
		// A read deadline in the past makes that read fail at once, and the
		// connection closes after the answer.
		a.Header().Set("Connection", "close")
		_ = a.body.rc.SetReadDeadline(time.Unix(1, 0))
	}
	setWriteDeadline(a.ResponseWriter, time.Now().Add(a.timeout))
}

func (a *adminWriter) Unwrap() http.ResponseWriter { return a.ResponseWriter }

// adminListener bounds the connections open at once on the admin API's own
// listener to limit (0 or less: no bound). A connection over it is answered
// 503 and closed at once, so a client that opens connections and sends
// nothing cannot take the process's file descriptors.
type adminListener struct {
	net.Listener
	open  atomic.Int64
	limit int64
}

func (l *adminListener) Accept() (net.Conn, error) {
	for {
		c, err := l.Listener.Accept()
		if err != nil || l.limit <= 0 {
			return c, err
		}
		if l.open.Add(1) <= l.limit {
			return &countedConn{Conn: c, open: &l.open}, nil
		}
		l.open.Add(-1)
		refuseConn(c, l.limit)
	}
}

// refuseConn answers a connection over the limit and closes it. The answer is
// a few hundred bytes on a fresh connection, which the socket buffer takes at
// once; the deadline bounds the write all the same.
func refuseConn(c net.Conn, limit int64) {
	body := strconv.FormatInt(limit, 10) + " admin connections are open already, the server's limit (Limits.MaxAdminConns, --max-admin-conns); try again later\n"
	_ = c.SetWriteDeadline(time.Now().Add(time.Second))
	_, _ = io.WriteString(c, "HTTP/1.1 503 Service Unavailable\r\nConnection: close\r\nRetry-After: 1\r\n"+
		"Content-Type: text/plain; charset=utf-8\r\nContent-Length: "+strconv.Itoa(len(body))+"\r\n\r\n"+body)
	_ = c.Close()
}

// countedConn gives back its slot of adminListener once, when it closes.
type countedConn struct {
	net.Conn
	open   *atomic.Int64
	closed atomic.Bool
}

func (c *countedConn) Close() error {
	if c.closed.CompareAndSwap(false, true) {
		c.open.Add(-1)
	}
	return c.Conn.Close()
}
