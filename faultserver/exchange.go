package faultserver

import (
	"bufio"
	"io"
	"net"
	"net/http"
	"strconv"
	"time"
)

// exchange is one request being performed: the decision, the connection and
// the server's signals.
type exchange struct {
	srv    *Server
	w      http.ResponseWriter
	r      *http.Request
	d      *Decision
	info   *RequestInfo
	script *Script
}

// maxDrain bounds how much of a request body is read before a fault that
// closes the connection: unread bytes in the socket would turn a FIN into a
// RST.
const maxDrain = 1 << 20

// perform carries out the decision and returns the status the client got a
// status line for (0 for none).
func (x *exchange) perform() int {
	d := x.d
	proxied := x.srv.proxy != nil && d.Row == RowNone && (d.Kind == KindNone || d.Kind == KindDelay)
	if !proxied && x.r.Body != http.NoBody {
		x.drainBody()
	}
	if d.Delay > 0 && !x.wait(d.Delay) {
		x.abort()
		return 0
	}
	if d.Row != RowNone {
		return x.respondRow()
	}
	switch d.Kind {
	case KindHang:
		return x.hang()
	case KindReset:
		return x.reset()
	case KindClose:
		return x.closeConn()
	case KindMalformed:
		return x.malformed()
	case KindTruncate:
		return x.truncate()
	case KindSlow:
		return x.slow()
	}
	if proxied {
		return x.proxy()
	}
	return x.respond()
}

// wait holds the request for d, and reports false when the client went away
// or the server is closing first.
func (x *exchange) wait(d time.Duration) bool {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-t.C:
		return true
	case <-x.r.Context().Done():
	case <-x.srv.closing:
	}
	return false
}

func (x *exchange) drainBody() {
	_, _ = io.Copy(io.Discard, io.LimitReader(x.r.Body, maxDrain))
}

// hijack takes the connection over from net/http.
func (x *exchange) hijack() (net.Conn, *bufio.ReadWriter, bool) {
	conn, brw, err := http.NewResponseController(x.w).Hijack()
	if err != nil {
		return nil, nil, false
	}
	return conn, brw, true
}

// abort ends a request that will get no response: the connection is closed.
func (x *exchange) abort() {
	if conn, _, ok := x.hijack(); ok {
		_ = conn.Close()
	}
}

// textPlain is the default Content-Type, shared by every response that sets
// none (net/http only reads header values).
var textPlain = []string{"text/plain; charset=utf-8"}

// responseHeader is the header of a scripted response: the script's headers,
// the markers and Retry-After.
func (x *exchange) responseHeader(h http.Header, bodyLen int) {
	d := x.d
	for k, vs := range d.Headers {
		h[k] = append([]string(nil), vs...) // the script's slices are shared
	}
	if d.Injected() {
		h.Set(HeaderFault, d.Kind)
	}
	h.Set(HeaderPhase, d.Phase)
	if d.HasRetryAfter {
		h.Set("Retry-After", retryAfterValue(d, time.Now()))
	}
	if _, ok := h["Content-Type"]; !ok {
		h["Content-Type"] = textPlain
	}
	h.Set("Content-Length", strconv.Itoa(bodyLen))
}

// retryAfterValue is delta-seconds, or an HTTP-date rounded up to the whole
// second so that waiting until it waits at least RetryAfter.
func retryAfterValue(d *Decision, now time.Time) string {
	if !d.RetryAfterDate {
		return strconv.FormatInt(int64(d.RetryAfter/time.Second), 10)
	}
	at := now.Add(d.RetryAfter)
	if t := at.Truncate(time.Second); t.Before(at) {
		at = t.Add(time.Second)
	}
	return at.UTC().Format(http.TimeFormat)
}

// respond sends the decision's status, headers and body.
func (x *exchange) respond() int {
	x.responseHeader(x.w.Header(), len(x.d.Body))
	x.w.WriteHeader(x.d.Status)
	if x.r.Method != http.MethodHead {
		_, _ = x.w.Write(x.d.Body)
	}
	return x.d.Status
}

// respondRow commits the row operation and answers with the row's version.
func (x *exchange) respondRow() int {
	version := x.script.Commit(x.d, x.info)
	if x.d.Status == http.StatusOK {
		x.d.Body = []byte(`{"version":` + strconv.FormatUint(version, 10) + "}\n")
		x.w.Header().Set("Content-Type", "application/json")
	}
	x.w.Header().Set("ETag", ETag(version))
	x.w.Header().Set(HeaderVersion, strconv.FormatUint(version, 10))
	return x.respond()
}
