// Package faultserver holds the fault model and its script compiler, the
// gorilla/mux server that performs faults on real connections, the arrival log of
// Records, the admin API and the Prometheus metrics.
//
// # One decision core, two drivers
//
// A Spec (the `server:` section of a scenario file, or a bare script read by
// ParseScript) compiles into a Script. The Script decides each request from
// elapsed time and request metadata alone, into a Plan: what the server does
// with it. Admitting a request decides it and hands back a Ticket, its hold on
// the script, whose Commit and End may come in any order and take effect once
// each:
//
//	p, ticket := script.Admit(elapsed, &req) // capacity (refused: the overload
//	                                         // plan), route, phase, mix, delay
//	...play p out: hold p.Delay, ticket.Commit(&p, &req) for a row operation...
//	ticket.End(end)                          // frees the slot; a second End does nothing
//	rec := faultserver.NewRecord(accepted, end, &req, &p, &delivered)
//
// The live Server drives it with its clock; the simulator drives the same
// calls in virtual time, and package grpcfault drives it for gRPC calls, which
// read the plan's GRPC answer (the grpc_* fields of a fault; see GRPCAnswer,
// GRPCCodeForStatus and GRPCHTTPStatus). Randomness comes from streams seeded by (seed, route,
// client key, request index): a client's faults do not depend on other
// clients. A caller that numbers its clients (the simulator's fleet) admits
// through NumberedClients, which gives the same decisions for the same keys
// without looking the key up; DelaySampler draws from a Delay the same way, by
// key and draw number (the simulator's network hops).
//
// # Queueing servers
//
// A Spec's Queue puts a first-come-first-served queue of workers in front of
// the service, and its Service may add a drawn service time (a distribution,
// or a weighted Mixture) and say what becomes of a request whose client gave
// up (Abandoned: cancel, the default, or finish). The queue (queue.go) is on
// explicit time like the rest: it gives each served request its worker when
// it is admitted, which is exact since every earlier request already holds its
// place, and frees the place of a client that leaves at its deadline
// (RequestInfo.Deadline, from X-Chaos-Timeout on the wire) under cancel.
//
// # Time
//
// The server reads time only through Options.Clock (the real clock by
// default): elapsed time, delays, hangs, slow pacing and dates on the wire.
// Only the connection limits net/http enforces stay on real time. A harness
// that compresses time hands the server a scaled clock, as the live engine
// of package scenarios does.
//
// Elapsed time is measured from the start of the script: server start, or the
// moment the admin API replaced or reset the script. Under per: global, timed
// phases run from there; under per: client, from that client's first request
// on the route.
//
// # Playing a plan out
//
// A plan is played out once: one walk of its steps (drain the request
// body, hold for the delay, then the kind's own steps) that two media
// perform. The Server performs it on the real connection (the wire); the
// simulator reads PlayVirtual, the same walk in virtual time, whose holds
// advance a clock and stop at the client's deadline. The action faults
// (hang, reset, close, truncate, slow, malformed, stream) are kinds each declared in
// its fault_<kind>.go and registered there (how a fault: spec asks for it,
// how it compiles and is checked), with its steps and what each medium does
// for a step only it takes. A kind's walk (the steps after the delay) is
// data made when the fault compiles, which playout.act plays without naming
// the kind. Adding a kind whose steps the media already perform (hold, hang,
// abort, reset, raw bytes, respond, truncate, a paced body) is its FaultSpec
// field, its file and its tests; a kind that needs a new thing done on the
// connection adds that step (an op) and what each medium does for it.
//
// status: a response with the script's headers and body. delay: the request
// is held first. hang: held without an answer until the duration passes, the
// client goes away or the server closes, then closed. reset: TCP RST
// (SO_LINGER 0), "connection reset by peer". close: FIN with no response, EOF.
// truncate: Content-Length promises more body than is sent, unexpected EOF.
// slow: the body paced at a bandwidth with flushes, on the schedule of
// SlowChunk and SlowDue. malformed: bytes that are not HTTP, "malformed HTTP
// response". stream: events (server-sent events or chunks) written and
// flushed at an interval, whole or cut after some events or bytes with a
// close, a stall or a reset; the Record counts the events (stream_events).
// overload: the capacity model's status.
// Every response that carries an injected fault has X-Chaos-Fault: KIND, and
// every scripted response X-Chaos-Phase: PHASE. Retry-After is rendered by
// RetryAfterHeader: delta-seconds, or an HTTP-date rounded up to the whole
// second, read from the server's clock when the status line is sent.
//
// In proxy mode (Options.Upstream) a request that draws no fault, or only a
// delay, is forwarded with httputil.ReverseProxy. Informational responses
// (100 Continue, 103 Early Hints) are forwarded as they come; the Record holds
// the final status and the upstream's Retry-After. A body that cannot be
// copied whole is logged incomplete before the connection is cut. Every
// forwarded request's Record has the upstream's status (upstream_status). A
// fault with after_upstream forwards its request first and then answers
// with the fault in place of the upstream's answer (after_upstream.go): the
// lost acknowledgement behind duplicate side effects.
//
// Go's http.Transport silently retries an idempotent request once when a
// reused keep-alive connection fails before any response byte (reset, close,
// hang ended by the server): the server then logs two attempts for one call.
// A harness that counts attempts should disable keep-alives or send
// X-Chaos-Attempt so the log shows the retry for what it is.
//
// # TLS, HTTP/2 and faults before the request
//
// Options.TLS serves HTTPS (NewTLSIdentity makes a CA and a certificate for
// it; ServerConfig offers h2 and http/1.1 by ALPN), Options.H2C cleartext
// HTTP/2, Options.MaxConcurrentStreams the HTTP/2 streams limit; a Spec's
// protocol, tls and max_concurrent_streams ask for them (Spec.ServeOptions).
// The server accepts its connections itself (tlsaccept.go): the faults
// before the request (tls_stall, tls_bad_cert, tls_close, accept_stall) are
// decided per connection there, from the phase in force at accept time
// (tlsdecide.go), and logged as Records with no request fields. The HTTP/2
// faults (goaway, rst_stream) are decided per request and sent through
// frameConn (h2frames.go), which follows the connection's frames; on
// HTTP/2 the kinds that take the connection over on HTTP/1.1 reset the
// stream instead (h2fallback.go). Records carry Protocol and TLS.
//
// # The arrival log
//
// Each request becomes one Record, stamped at acceptance before any delay and
// completed with what reached the wire: the status line sent, the body bytes
// written (BodyBytes), Incomplete when a response begun did not reach its end
// (the client went away mid-body, a write failed or timed out, truncate), the
// wait its Retry-After asked for (for an HTTP-date, the date sent minus the
// time of sending), and the latency. Records are kept in memory
// (the last Options.LogLimit, within Options.LogMemory bytes) and streamed as
// JSON lines to Options.Log in the order requests complete; t_ms gives the
// order they were accepted. Each write is of whole lines; the first failed
// write (a full disk) stops the stream, is reported at once (OnLogError,
// Stats.LogError) and returned by Close, and later Records are counted in
// Stats.LogDropped. The server sees only its side: a Record's sent_ms and
// received_ms, the client's, are left out here and filled by harness runs.
// Options.LogSync writes and fsyncs each Record before its
// response is sent (LogSyncEachLine), or every interval; without it the
// stream is written every 200ms and synced on Close.
//
// # Limits
//
// Limits keep slow, stuck and hostile clients from exhausting the server:
// header and body sizes, header, body and write timeouts, an idle timeout,
// and MaxHeld, the most requests held at once by hangs, delays and slow
// bodies; beyond it a request is answered 503 at once, fault overload, phase
// "limit". The admin API and the metrics get the same timeouts, refuse a
// request without the token before reading its body, and serve at most
// MaxAdminConns connections (on their own listener) or requests (on the
// faults' listener) at once; GET /_chaos/log streams the kept Records a page
// at a time. Start refuses to serve the admin API without a token on an
// address other than loopback (ErrAdminExposed) unless AdminOptions.Insecure
// is set.
// docs/RELIABILITY.md lists every guarantee and the spec that checks it.
package faultserver
