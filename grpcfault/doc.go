// Package grpcfault is a gRPC fault server: it answers any service and
// method (grpc.UnknownServiceHandler, with a codec that passes the message
// bytes through, so no .proto is needed) by a compiled faultserver.Script,
// the one the HTTP server runs, and logs one record.Record per call attempt.
//
// A call is admitted and decided as an HTTP request is (Script.Admit: the
// capacity model, then the route matched on the full method
// "/pkg.Service/Method" as the path and POST as the method, the phase, the
// mix, the per-client schedule, the seeded streams), and the Plan is played
// out on gRPC:
//
//   - an answer with no fault (or a delay) succeeds with the request's own
//     bytes, or with the response's body when one is given;
//   - a status fault ends the call with its grpc_code, or the code gRPC
//     reads from its HTTP status (faultserver.GRPCCodeForStatus), with
//     grpc_message (default the body), grpc_trailers, and
//     grpc-retry-pushback-ms from grpc_pushback or the Retry-After's wait;
//   - overload ends it RESOURCE_EXHAUSTED;
//   - a delay holds the call first, and a hang holds it without an answer
//     until the client's deadline (DEADLINE_EXCEEDED on its side), after
//     which, as over HTTP, the connection is closed;
//   - reset closes the connection with a TCP RST, close sends an HTTP/2
//     GOAWAY (grpc-go's own, by a graceful stop of the connection's server)
//     and then closes the transport under the call, truncate closes it with
//     a plain FIN, malformed writes its bytes (not HTTP/2) and closes: the
//     client's call fails UNAVAILABLE;
//   - slow holds the reply for as long as its bytes take at the bandwidth.
//
// Each connection is served by a grpc.Server of its own, so that a fault
// can end one connection (GOAWAY) and leave the others alone.
//
// Identity comes from the metadata x-chaos-client, x-chaos-request and
// x-chaos-attempt, and from grpc-previous-rpc-attempts, which grpc-go sends
// on its retries and hedges (attempt = that + 1, over x-chaos-attempt).
//
// A Record's status is the HTTP status that stands for the call's gRPC code
// (faultserver.GRPCHTTPStatus: UNAVAILABLE 503, OK 200), its grpc_code the
// code's name, so that analysis, chaos check and the chaostest matchers
// read a non-OK call as a failed attempt, unchanged.
package grpcfault
