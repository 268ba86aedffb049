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

// wire is the medium of a playout on a real connection: one request being
// performed, with its plan, the connection and the server's signals. It
// holds the plan and the request's information by value, not by
// pointer, so that they live on serveFault's stack: escape analysis does not
// tell one field of the wire from another, and a pointer to them would
// follow x.w (an interface) to the heap, two allocations per request.
type wire struct {
	srv    *Server
	w      http.ResponseWriter
	r      *http.Request
	d      Plan
	info   RequestInfo
	script *Script   // the script in force when the request was accepted
	ticket Ticket    // the request's hold on script
	begun  time.Time // a slow body began, on the server's clock
	// acceptedAt is the real time the request was accepted, as the
	// server's clock read it, while nothing has held the request since;
	// zero with another Clock or once the playout did anything but respond.
	// A write deadline then counts from it rather than from a fresh reading
	// of the clock (wire.writeDeadline).
	acceptedAt time.Time
	// unwatch stops closing a hijacked connection when the server closes.
	unwatch func() bool

	// HTTP/2 (issue 15; h2fallback.go).
	// resetStream is set where a step would take the connection over, which
	// HTTP/2 cannot do: the handler then resets the request's stream.
	resetStream bool
}

// perform plays the plan out on the connection and returns what
// reached the client. A request that draws no fault, or only a delay, is
// forwarded upstream in proxy mode instead.
func (x *wire) perform() Delivery {
	d := &x.d
	defer x.release()
	if x.srv.proxy != nil && d.Row == RowNone && (d.Kind == record.FaultNone || d.Kind == record.FaultDelay) {
		x.limitBody()
		if d.Delay > 0 && !x.wait(d.Delay) {
			x.abort()
			return Delivery{}
		}
		return x.proxy()
	}
	var out Delivery
	body, upstream := x.r.Body != http.NoBody, 0
	if x.srv.proxy != nil && d.AfterUpstream {
		x.acceptedAt = time.Time{}
		upstream, body = x.forwardFirst(), false // the proxy has read the body
	}
	p := newPlayout(d, &out, x.r.Method == http.MethodHead, body)
	for ok := true; ; {
		st := p.next(ok)
		ok = true
		if st.op != opRespond && st.op != opRespondRow {
			x.acceptedAt = time.Time{} // a step that may take time
		}
		switch st.op {
		case opDone:
			out.UpstreamStatus = upstream
			out.abortHandler = out.abortHandler || x.resetStream
			return out
		case opDrain:
			ok = x.drainBody()
		case opHold:
			ok = x.wait(st.wait)
		case opHang:
			ok = x.hang(st.wait)
		case opPace:
			ok = x.pace(st.wait)
		case opAbort:
			x.abort()
		case opReset:
			x.reset()
		case opRaw:
			x.raw()
		case opRespond:
			out = x.respond()
		case opRespondRow:
			out = x.respondRow()
		case opBegin:
			ok = x.begin(&out)
		case opChunk:
			ok = x.chunk(d.Body[st.from:st.to])
		case opTruncate:
			out = x.truncate()
		case opBeginStream:
			ok = x.beginStream(&out)
		case opRSTStream:
			x.rstStream(&out)
		case opGoAway:
			x.goAway(&out)
		}
	}
}

// wait holds the request for d, and reports false when the client went away
// or the server is closing first.
func (x *wire) wait(d time.Duration) bool {
	return x.srv.sleep(x.r.Context().Done(), d)
}

// drainBody reads and discards the request body, up to Limits.MaxBodyBytes
// within Limits.BodyTimeout, before the fault: unread bytes in the socket
// would turn a fault's FIN into a RST. It reports false when the client did
// not send the body in time.
func (x *wire) drainBody() bool {
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
func (x *wire) refuseBody() Delivery {
	_ = http.NewResponseController(x.w).SetReadDeadline(time.Now().Add(x.srv.limits.BodyTimeout))
	x.w.Header().Set("Connection", "close")
	return x.respond()
}

// hijack takes the connection over from net/http. Writes to it time out
// after Limits.WriteTimeout, and closing the server closes it.
func (x *wire) hijack() (net.Conn, *bufio.ReadWriter, bool) {
	conn, brw, err := http.NewResponseController(x.w).Hijack()
	if err != nil {
		x.resetStream = x.r.ProtoMajor == 2
		return nil, nil, false
	}
	_ = conn.SetWriteDeadline(time.Now().Add(x.srv.limits.WriteTimeout))
	x.unwatch = context.AfterFunc(x.srv.ctx, func() { _ = conn.Close() })
	return conn, brw, true
}

// release stops watching a hijacked connection.
func (x *wire) release() {
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
func (x *wire) writeDeadline() {
	now := x.acceptedAt // microseconds ago: nothing held the request
	if now.IsZero() {
		now = time.Now()
	}
	setWriteDeadline(x.w, now.Add(x.srv.limits.WriteTimeout))
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
func (x *wire) abort() {
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
	// kindValues holds the X-Chaos-Fault value of the kinds that are not
	// action kinds; an actionKind holds its own (headerValue).
	kindValues = valuesOf(record.FaultStatus, record.FaultDelay, record.FaultOverload)
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
func (x *wire) responseHeader(h http.Header, bodyLen int, out *Delivery) {
	d := &x.d
	for k, vs := range d.Headers {
		h[k] = append([]string(nil), vs...) // the script's slices are shared
	}
	if d.Injected() {
		if d.action != nil {
			h[record.HeaderFault] = d.action.headerValue
		} else {
			h[record.HeaderFault] = sharedValue(kindValues, d.Kind)
		}
	}
	h[record.HeaderPhase] = sharedValue(x.script.phaseValues, d.Phase)
	if d.HasRetryAfter {
		h["Retry-After"], out.RetryAfter = retryAfterValues(d.RetryAfter, d.RetryAfterDate, x.srv.now())
		out.HasRetryAfter = true
	}
	if _, ok := h["Content-Type"]; !ok {
		h["Content-Type"] = textPlain
	}
	h["Content-Length"] = intValue(int64(bodyLen))
}

// respond sends the plan's status, headers and body. A body that fits
// net/http's buffer goes onto the connection after the handler returns, so
// after the Record is logged: a client that has its response finds its
// Record. A write that fails here (a body too large for the buffer that the
// client stops reading until the write deadline) makes the delivery
// incomplete, with the bytes net/http accepted.
func (x *wire) respond() Delivery {
	x.writeDeadline()
	out := Delivery{Status: x.d.Status}
	x.responseHeader(x.w.Header(), len(x.d.Body), &out)
	x.w.WriteHeader(x.d.Status)
	if x.r.Method != http.MethodHead {
		n, err := x.w.Write(x.d.Body)
		out.BodyBytes, out.Incomplete = int64(n), err != nil
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
func (x *wire) respondRow() Delivery {
	version := x.ticket.Commit(&x.d, &x.info)
	if x.d.Status == http.StatusOK {
		x.w.Header().Set("Content-Type", "application/json") // the version, as Commit wrote it
	}
	x.w.Header().Set("ETag", ETag(version))
	x.w.Header().Set(record.HeaderVersion, strconv.FormatUint(version, 10))
	return x.respond()
}
