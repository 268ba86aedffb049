package faultserver

import (
	"net/http"
	"time"

	"github.com/chaos-harness/chaos/record"
)

// RequestInfo is what a decision may depend on. The live server fills it from
// the request; the simulator from its simulated client.
type RequestInfo struct {
	Method string
	// Path is the URL path, matched against route templates.
	Path string
	// ClientKey identifies the client (X-Chaos-Client, or remote IP and
	// User-Agent); each key has its own random streams and, with per: client,
	// its own phases.
	ClientKey string
	// RequestID is the logical request id (X-Chaos-Request); may be empty.
	RequestID string
	// Attempt is 1 for the first try, 0 when unknown.
	Attempt int
	// Conn numbers the connection the request came on (Server.ConnContext);
	// 0 when unknown.
	Conn uint64
	// Header is read by routes that match on headers; nil reads as empty.
	Header http.Header
	// Version is the row version a write carries (If-Match); 0 means none.
	Version uint64

	// Queueing server (issue 14).
	// Deadline is when the client gives up on the request, on the script's
	// clock; 0 when unknown. A queue under abandoned: cancel frees the
	// request's place then.
	Deadline time.Duration
	// IdempotencyKey says the request carried an Idempotency-Key header
	// (record.Record.IdempotencyKey; issue 15).
	IdempotencyKey bool
	// TLS and HTTP/2 (issue 15).
	// Proto is the request's protocol (http.Request.Proto: "HTTP/1.1",
	// "HTTP/2.0"), "" where unknown; TLS says its connection is TLS. Both
	// go into the Record, and decide nothing.
	Proto string
	TLS   bool

	// Live fleets across hosts (issue 18; barrier.go).
	// FleetPolicy is the policy a fleet barrier started the script for,
	// written into the Record's policy; "" outside a fleet.
	FleetPolicy string
}

// RowOp is what a request does to the versioned row.
type RowOp uint8

// Row operations.
const (
	RowNone  RowOp = iota
	RowRead        // GET or HEAD at the row's path
	RowWrite       // PUT, POST or PATCH at the row's path
)

// Plan is what the server does with one request, as the script decided it:
// the answer or fault, its timing and the row operation, ready to be played
// out (on the wire, or in virtual time with PlayVirtual). Headers, Body and
// Raw are shared with the script and must not be modified.
type Plan struct {
	// Route is the name of the route that decided ("" for the top level).
	Route string
	// Phase is the name of the phase in force: a phase's name, "default" when
	// no phase is (no phases, or after the last ended), "capacity" for overload.
	Phase string
	// Kind is one of the record.Fault constants; record.FaultNone for an
	// answer with no fault.
	Kind string
	// Status is the status code of the response, if the kind sends one at
	// all (hang, reset, close and malformed send no status line).
	Status  int
	Headers http.Header
	Body    []byte
	// RetryAfter is the Retry-After to send when HasRetryAfter, as
	// delta-seconds or, with RetryAfterDate, as an HTTP-date this far ahead.
	RetryAfter     time.Duration
	HasRetryAfter  bool
	RetryAfterDate bool
	// Delay is how long to hold the request before anything else, already
	// drawn from its distribution, service time included.
	Delay time.Duration
	// Param is the action fault's parameter, as its field gave it: a hang's
	// duration, a truncate's bytes of body sent, a slow body's bandwidth in
	// bytes per second; 0 for other kinds.
	Param int64
	// Raw is the bytes a malformed answer sends instead of a response.
	Raw []byte
	// Row is the row operation to commit when the delay ends (see
	// Ticket.Commit); RowNone for requests that draw a fault.
	Row RowOp
	// action is the kind of an action fault (fault_<kind>.go); nil for the
	// others.
	action *actionKind
	// walk is the kind's steps after the delay (see playout.act); nil
	// for a response.
	walk *walk
	// holding says the kind's performance holds the request (hang, slow).
	holding bool

	// GRPC is how a call served over gRPC ends (package grpcfault), as the
	// fault's grpc_* fields gave it; nil: from Status and Body alone.
	GRPC *GRPCAnswer
	// Streaming responses and faults after the work (issue 15).
	// AfterUpstream says the fault answers after the request was forwarded
	// to the upstream, in proxy mode (after_upstream.go).
	AfterUpstream bool
	// stream is a stream's events and cut (fault_stream.go); nil for other
	// kinds.
	stream *streamPlan
}

// Injected reports whether the plan is an injected fault, which the
// server marks with X-Chaos-Fault.
func (d *Plan) Injected() bool { return d.Kind != record.FaultNone }

// fill copies a compiled action into the plan.
func (d *Plan) fill(a *action) {
	d.Kind = a.kind
	d.Status = a.status
	d.Headers = a.headers
	d.Body = a.body
	d.RetryAfter, d.HasRetryAfter, d.RetryAfterDate = a.retryAfter, a.hasRetryAfter, a.retryAfterDate
	d.action, d.Param, d.Raw, d.walk = a.action, a.param, a.raw, a.walk
	d.holding = a.holding
	d.GRPC = a.grpc
	d.AfterUpstream, d.stream = a.afterUpstream, a.stream
}
