package faultserver

import (
	"bufio"
	"context"
	"errors"
	"io"
	"net"
	"net/http"
	"strconv"
	"time"

	"github.com/chaos-harness/chaos/record"
)

// exchange is one request being performed: the decision, the connection and
// the server's signals. It holds the decision and the request's information
// by value, not by pointer, so that they live on serveFault's stack: escape
// analysis does not tell one field of the exchange from another, and a
// pointer to them would follow x.w (an interface) to the heap, two
// allocations per request.
type exchange struct {
	srv    *Server
	w      http.ResponseWriter
	r      *http.Request
	d      Decision
	info   RequestInfo
	script *Script // the script in force when the request was accepted
	ticket Ticket  // the request's hold on script
	// unwatch stops closing a hijacked connection when the server closes.
	unwatch func() bool
}

// delivery is what a response got onto the connection, as its Record
// tells it: the status line sent (0 for none), the body bytes written (see
// Record.BodyBytes), whether a response begun did not reach its end, and the
// wait its Retry-After asked for.
type delivery struct {
	status        int
	bodyBytes     int64
	incomplete    bool
	hasRetryAfter bool
	retryAfter    time.Duration
	// abortHandler asks serveFault to panic with http.ErrAbortHandler once
	// the Record is logged: net/http then cuts the connection, so that a
	// proxied body cut short cannot end as if it were whole.
	abortHandler bool
}

// fill sets the Record's wire fields from what was delivered.
func (o *delivery) fill(rec *record.Record) {
	rec.Status = o.status
	rec.BodyBytes = o.bodyBytes
	rec.Incomplete = o.incomplete && o.status != 0
	rec.RetryAfterMs = 0
	if o.hasRetryAfter && o.status != 0 {
		rec.RetryAfterMs = record.Millis(o.retryAfter)
	}
}

// perform carries out the decision and returns what reached the client.
func (x *exchange) perform() delivery {
	d := &x.d
	defer x.release()
	proxied := x.srv.proxy != nil && d.Row == RowNone && (d.Kind == record.FaultNone || d.Kind == record.FaultDelay)
	if proxied {
		x.limitBody()
	} else if x.r.Body != http.NoBody && !x.drainBody() {
		x.abort() // the client was too slow sending its body
		return delivery{}
	}
	if d.Delay > 0 && !x.wait(d.Delay) {
		x.abort()
		return delivery{}
	}
	if d.Row != RowNone {
		return x.respondRow()
	}
	switch d.Kind {
	case record.FaultHang:
		return x.hang()
	case record.FaultReset:
		return x.reset()
	case record.FaultClose:
		return x.closeConn()
	case record.FaultMalformed:
		return x.malformed()
	case record.FaultTruncate:
		return x.truncate()
	case record.FaultSlow:
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
	return x.srv.sleep(x.r.Context().Done(), d)
}

// drainBody reads and discards the request body, up to Limits.MaxBodyBytes
// within Limits.BodyTimeout, before the fault: unread bytes in the socket
// would turn a fault's FIN into a RST. It reports false when the client did
// not send the body in time.
func (x *exchange) drainBody() bool {
	rc := http.NewResponseController(x.w)
	_ = rc.SetReadDeadline(time.Now().Add(x.srv.limits.BodyTimeout))
	n, err := io.Copy(io.Discard, io.LimitReader(x.r.Body, x.srv.limits.MaxBodyBytes))
	if err != nil {
		return false
	}
	if n == x.srv.limits.MaxBodyBytes {
		// More may follow: keep the deadline, which bounds what net/http
		// itself reads after the handler, and do not reuse the connection.
		x.w.Header().Set("Connection", "close")
		return true
	}
	_ = rc.SetReadDeadline(time.Time{})
	return true
}

// refuseBody answers a request whose declared body is over the limit without
// reading it: the connection closes after the answer, and net/http's own
// read of what is left is bounded by Limits.BodyTimeout.
func (x *exchange) refuseBody() delivery {
	_ = http.NewResponseController(x.w).SetReadDeadline(time.Now().Add(x.srv.limits.BodyTimeout))
	x.w.Header().Set("Connection", "close")
	return x.respond()
}

// hijack takes the connection over from net/http. Writes to it time out
// after Limits.WriteTimeout, and closing the server closes it.
func (x *exchange) hijack() (net.Conn, *bufio.ReadWriter, bool) {
	conn, brw, err := http.NewResponseController(x.w).Hijack()
	if err != nil {
		return nil, nil, false
	}
	_ = conn.SetWriteDeadline(time.Now().Add(x.srv.limits.WriteTimeout))
	x.unwatch = context.AfterFunc(x.srv.ctx, func() { _ = conn.Close() })
	return conn, brw, true
}

// release stops watching a hijacked connection.
func (x *exchange) release() {
	if x.unwatch != nil {
		x.unwatch()
	}
}

// writeDeadline gives the client Limits.WriteTimeout to accept what is
// written next, up to the end of the response: net/http lifts the deadline
// once the response is complete, before the connection's next request. Every
// response needs it, however small or fast: a client that pipelines requests
// and reads no response fills the socket buffers with small ones, and the
// write of the next then blocks (the spec "disconnects a client that
// pipelines small requests and reads none of the responses").
func (x *exchange) writeDeadline() {
	setWriteDeadline(x.w, time.Now().Add(x.srv.limits.WriteTimeout))
}

// setWriteDeadline sets a write deadline directly on net/http's writer, or
// through a ResponseController on a wrapped one (which allocates).
func setWriteDeadline(w http.ResponseWriter, t time.Time) {
	if d, ok := w.(interface{ SetWriteDeadline(time.Time) error }); ok {
		_ = d.SetWriteDeadline(t)
		return
	}
	_ = http.NewResponseController(w).SetWriteDeadline(t)
}

// abort ends a request that will get no response: the connection is closed.
func (x *exchange) abort() {
	if conn, _, ok := x.hijack(); ok {
		_ = conn.Close()
	}
}

// Header values shared by every response that carries them. Assigning a
// shared slice straight into the header map under its canonical key saves
// Header.Set's allocation of a new one per response. This is safe because
// nothing writes into a header value slice in place: net/http only reads them
// (and clones the map when it writes the header), this package only assigns
// whole slices, and every shared slice has its capacity equal to its length,
// so that even Header.Add by a handler wrapping ours appends to a copy.
var (
	// textPlain is the default Content-Type.
	textPlain = []string{"text/plain; charset=utf-8"}
	// kindValues holds the X-Chaos-Fault value of every fault kind.
	kindValues = valuesOf(record.FaultStatus, record.FaultDelay, record.FaultHang, record.FaultReset, record.FaultClose,
		record.FaultTruncate, record.FaultSlow, record.FaultMalformed, record.FaultOverload)
	// intValues holds the decimal values of 0 to 1023: the Content-Length of
	// every default body and of short scripted ones, and Retry-After in
	// delta-seconds up to 17 minutes.
	intValues = func() [][]string {
		strs := make([]string, 1024)
		vs := make([][]string, len(strs))
		for i := range vs {
			strs[i] = strconv.Itoa(i)
			vs[i] = strs[i : i+1 : i+1]
		}
		return vs
	}()
)

// valuesOf maps each name to a one-element header value of its own.
func valuesOf(names ...string) map[string][]string {
	m := make(map[string][]string, len(names))
	for _, n := range names {
		m[n] = []string{n}
	}
	return m
}

// sharedValue is the shared value of v from values, or a new one.
func sharedValue(values map[string][]string, v string) []string {
	if vs, ok := values[v]; ok {
		return vs
	}
	return []string{v}
}

// intValue is the header value of n, shared for small n.
func intValue(n int64) []string {
	if n >= 0 && n < int64(len(intValues)) {
		return intValues[n]
	}
	return []string{strconv.FormatInt(n, 10)}
}

// responseHeader is the header of a scripted response: the script's headers,
// the markers and Retry-After, whose wait it notes in out. Values are
// assigned under canonical keys, as Header.Set would store them.
func (x *exchange) responseHeader(h http.Header, bodyLen int, out *delivery) {
	d := &x.d
	for k, vs := range d.Headers {
		h[k] = append([]string(nil), vs...) // the script's slices are shared
	}
	if d.Injected() {
		h[record.HeaderFault] = sharedValue(kindValues, d.Kind)
	}
	h[record.HeaderPhase] = sharedValue(x.script.phaseValues, d.Phase)
	if d.HasRetryAfter {
		h["Retry-After"], out.retryAfter = retryAfterValues(d.RetryAfter, d.RetryAfterDate, x.srv.now())
		out.hasRetryAfter = true
	}
	if _, ok := h["Content-Type"]; !ok {
		h["Content-Type"] = textPlain
	}
	h["Content-Length"] = intValue(int64(bodyLen))
}

// respond sends the decision's status, headers and body. A body that fits
// net/http's buffer goes onto the connection after the handler returns, so
// after the Record is logged: a client that has its response finds its
// Record. A write that fails here (a body too large for the buffer that the
// client stops reading until the write deadline) makes the delivery
// incomplete, with the bytes net/http accepted.
func (x *exchange) respond() delivery {
	x.writeDeadline()
	out := delivery{status: x.d.Status}
	x.responseHeader(x.w.Header(), len(x.d.Body), &out)
	x.w.WriteHeader(x.d.Status)
	if x.r.Method != http.MethodHead {
		n, err := x.w.Write(x.d.Body)
		out.bodyBytes, out.incomplete = int64(n), err != nil
	}
	return out
}

// flush writes what is buffered onto the connection and returns the error of
// the write: directly on net/http's writer, or through a ResponseController
// on a wrapped one. A writer that cannot flush (a handler mounted behind one)
// tells nothing, which is not a failure.
func flush(w http.ResponseWriter) error {
	if f, ok := w.(interface{ FlushError() error }); ok {
		return f.FlushError()
	}
	if err := http.NewResponseController(w).Flush(); !errors.Is(err, http.ErrNotSupported) {
		return err
	}
	return nil
}

// respondRow commits the row operation and answers with the row's version.
func (x *exchange) respondRow() delivery {
	version := x.ticket.Commit(&x.d, &x.info)
	if x.d.Status == http.StatusOK {
		x.w.Header().Set("Content-Type", "application/json") // the version, as Commit wrote it
	}
	x.w.Header().Set("ETag", ETag(version))
	x.w.Header().Set(record.HeaderVersion, strconv.FormatUint(version, 10))
	return x.respond()
}
