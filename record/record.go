package record

import (
	"math"
	"time"
)

// Fault kinds as they appear in a Record's "fault" field (docs/DESIGN.md).
const (
	FaultNone      = "none"
	FaultStatus    = "status"
	FaultDelay     = "delay"
	FaultHang      = "hang"
	FaultReset     = "reset"
	FaultClose     = "close"
	FaultTruncate  = "truncate"
	FaultSlow      = "slow"
	FaultMalformed = "malformed"
	FaultOverload  = "overload"
	// FaultStream is a response streamed as events at an interval (issue
	// 15), whole or cut short mid-stream.
	FaultStream = "stream"
)

// Fault kinds before the request (a connection's accept or TLS handshake)
// and of HTTP/2, issue 15.
const (
	FaultTLSStall    = "tls_stall"    // the TLS handshake is never answered
	FaultTLSBadCert  = "tls_bad_cert" // a certificate the client does not trust
	FaultTLSClose    = "tls_close"    // the connection closed mid-handshake
	FaultAcceptStall = "accept_stall" // accepted and never read
	FaultGoAway      = "goaway"       // an HTTP/2 GOAWAY on the request's connection
	FaultRSTStream   = "rst_stream"   // an HTTP/2 RST_STREAM with a code on the request's stream
)

// Record is one attempt as the server saw it: one JSON object per line in
// arrivals.jsonl. Live runs, simulated runs and `chaos serve` for a client in any
// language all write Records, and analysis reads nothing else.
type Record struct {
	// TMs is when the request was accepted, in milliseconds since the run or
	// server start, taken before any injected delay.
	TMs float64 `json:"t_ms"`
	// Client is the client key: X-Chaos-Client, or remote IP and User-Agent.
	Client string `json:"client"`
	// Conn numbers the connection the request came on: 1 for the server's
	// first, unique within one server run (a port is reused, a number never
	// is). 0, and absent from the JSON, where it is unknown: simulated runs,
	// and a Handler served by an http.Server without Server.ConnContext.
	// Analysis keys clients that send no X-Chaos-* headers by it (see
	// analysis.Identity).
	Conn uint64 `json:"conn,omitempty"`
	// Request is the logical request id (X-Chaos-Request); empty when unknown.
	Request string `json:"request"`
	// Attempt is 1 for the first try; 0 when the client did not say.
	Attempt int    `json:"attempt"`
	Method  string `json:"method"`
	Path    string `json:"path"`
	// Route is the name of the script route that decided this request; empty
	// for the top-level schedule.
	Route string `json:"route,omitempty"`
	// Phase is the name of the script phase that decided this request.
	Phase string `json:"phase"`
	// Fault is one of the Fault constants.
	Fault string `json:"fault"`
	// Status is the status code sent; 0 where no status line was sent.
	Status int `json:"status"`
	// RetryAfterMs is the wait the response's Retry-After asked for, from
	// when it was sent: delta-seconds, or the HTTP-date sent (rounded up to
	// the second) minus the server's time of sending; 0 when none was sent.
	RetryAfterMs float64 `json:"retry_after_ms"`
	// LatencyMs is from acceptance to the end of the response.
	LatencyMs float64 `json:"latency_ms"`
	// BodyBytes is how many bytes of the response body the server wrote to
	// the connection: a slow body counts the chunks flushed, a truncated one
	// what it sent before closing, any other what net/http accepted (a small
	// body is flushed just after the Record is logged). The simulator counts
	// what was written by the time the server stopped.
	BodyBytes int64 `json:"body_bytes"`
	// Incomplete is set when a response was begun (Status is not 0) but did
	// not reach its end: the client went away or stopped reading, a write
	// failed or timed out, or the server cut it (truncate, a proxied body
	// that could not be copied). Such an attempt is not a success.
	Incomplete bool `json:"incomplete,omitempty"`
	// Policy names the client policy that sent the attempt, in harness runs
	// that compare several; empty in logs of `chaos serve`.
	Policy string `json:"policy,omitempty"`
	// Outcome is what the client made of the attempt, in harness runs where it
	// is known: one of the Outcome constants. Empty in logs of `chaos serve`,
	// where analysis infers it from Fault and Status.
	Outcome string `json:"outcome,omitempty"`
	// SentMs is when the client sent the attempt and ReceivedMs when it had
	// the whole response or gave up on it (a timeout, a reset), both on the
	// run clock of TMs, so SentMs <= TMs and TMs+LatencyMs <= ReceivedMs for
	// a response the client read to the end. Known only in harness runs
	// (exact in the sim engine, the clients' own clock in the live one); nil
	// in logs of `chaos serve`, which sees only the server's side.
	SentMs     *float64 `json:"sent_ms,omitempty"`
	ReceivedMs *float64 `json:"received_ms,omitempty"`

	// gRPC (package grpcfault): GRPCCode is the status the call ended with,
	// as its canonical name ("UNAVAILABLE"); CANCELLED where the client
	// ended the call before any status (its deadline, or a cancel); empty
	// for HTTP requests and for a call a fault cut (reset, close). Status is
	// what the HTTP server would have sent for the same plan (the code's
	// HTTP equivalent for grpc_code alone; 0 where no status was sent).
	GRPCCode string `json:"grpc_code,omitempty"`
	// Streaming responses and faults after the work (issue 15).
	// StreamEvents is how many whole events (or chunks) of a streamed
	// response (fault "stream") the server wrote and flushed before the
	// stream ended or was cut; 0, and absent, for other responses.
	StreamEvents int `json:"stream_events,omitempty"`
	// UpstreamStatus is the status the upstream answered a request that
	// proxy mode forwarded to it (`chaos serve --upstream`): the request
	// reached the real service, whatever the client got after (a fault with
	// after_upstream answers in its place). 0, and absent, when the request
	// was not forwarded or the upstream gave no answer.
	UpstreamStatus int `json:"upstream_status,omitempty"`
	// IdempotencyKey is set when the request carried an Idempotency-Key
	// header, which makes a retried POST or PATCH safe to deduplicate.
	IdempotencyKey bool `json:"idempotency_key,omitempty"`
	// TLS and HTTP/2 (issue 15).
	// Protocol is the request's protocol, "HTTP/1.1" or "HTTP/2.0"
	// (http.Request.Proto); empty where unknown (logs from before it, the
	// simulator) and for a fault before the request (a Record with no
	// method), which has none.
	Protocol string `json:"protocol,omitempty"`
	// TLS is set when the connection was (or was to be) TLS.
	TLS bool `json:"tls,omitempty"`
	// Layers (issue 14).
	// Layer is the depth of the server that saw the attempt in a layered
	// scenario (server.downstream): 0, and absent, for the server the
	// fleet calls; 1 for the layer it calls, and so on.
	Layer int `json:"layer,omitempty"`
}

// Client-side outcomes of an attempt (Record.Outcome).
const (
	OutcomeOK      = "ok"      // a complete response (read to its end) with a status below 400
	OutcomeStatus  = "status"  // a complete response with a failing status
	OutcomeTimeout = "timeout" // the client's per-attempt timeout fired (before the status line or mid-body)
	OutcomeReset   = "reset"   // connection reset, closed, or a truncated or malformed response
	OutcomeError   = "error"   // any other transport error
)

// Millis converts a duration to the fractional milliseconds of a Record.
func Millis(d time.Duration) float64 { return float64(d) / float64(time.Millisecond) }

// Finish sets the latency of a Record whose response ended at end, on the
// clock of its acceptance (TMs, which came from Millis).
func (r *Record) Finish(end time.Duration) {
	// Recover the nanoseconds of TMs and subtract durations, so the latency
	// has no float residue of the subtraction.
	accepted := time.Duration(math.Round(r.TMs * float64(time.Millisecond)))
	r.LatencyMs = Millis(max(0, end-accepted))
}
