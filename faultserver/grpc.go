package faultserver

import (
	"fmt"
	"net/http"
	"slices"
	"strings"
	"time"

	"github.com/chaos-harness/chaos/internal/suggest"
	"github.com/chaos-harness/chaos/problem"
	"github.com/chaos-harness/chaos/record"
)

// GRPCCodes are the canonical names of the gRPC status codes, indexed by
// their number (grpc/grpc doc/statuscodes.md): the values grpc_code takes
// and Record.GRPCCode carries. This package names them without importing
// grpc; package grpcfault turns them into codes.Code.
var GRPCCodes = [...]string{
	"OK", "CANCELLED", "UNKNOWN", "INVALID_ARGUMENT", "DEADLINE_EXCEEDED", "NOT_FOUND",
	"ALREADY_EXISTS", "PERMISSION_DENIED", "RESOURCE_EXHAUSTED", "FAILED_PRECONDITION",
	"ABORTED", "OUT_OF_RANGE", "UNIMPLEMENTED", "INTERNAL", "UNAVAILABLE", "DATA_LOSS",
	"UNAUTHENTICATED",
}

// GRPCAnswer is how a call served over gRPC (package grpcfault) ends, as
// the grpc_* fields (and body or body_size, for the reply) of a fault or
// response gave it. The HTTP server does not read it. Shared with the
// script: read-only.
type GRPCAnswer struct {
	// Code is a name of GRPCCodes; "" means the one GRPCCodeForStatus gives
	// the plan's status.
	Code string
	// Message is the status message; "" means the plan's body, trimmed.
	Message string
	// Trailers are sent as trailing metadata.
	Trailers map[string]string
	// Pushback, when HasPushback, is sent as grpc-retry-pushback-ms.
	Pushback    time.Duration
	HasPushback bool
	// Reply is the response message of a call that succeeds; nil means the
	// request's own bytes (an echo).
	Reply []byte
}

// GRPCCodeForStatus is the gRPC status a client reads from an HTTP status
// sent without one, by gRPC's mapping
// (grpc/grpc doc/http-grpc-status-mapping.md), with any 2xx read as OK.
func GRPCCodeForStatus(status int) string {
	switch {
	case status >= 200 && status < 300:
		return "OK"
	case status == http.StatusBadRequest:
		return "INTERNAL"
	case status == http.StatusUnauthorized:
		return "UNAUTHENTICATED"
	case status == http.StatusForbidden:
		return "PERMISSION_DENIED"
	case status == http.StatusNotFound:
		return "UNIMPLEMENTED"
	case status == http.StatusTooManyRequests, status == http.StatusBadGateway,
		status == http.StatusServiceUnavailable, status == http.StatusGatewayTimeout:
		return "UNAVAILABLE"
	}
	return "UNKNOWN"
}

// grpcHTTPStatus is the HTTP status that stands for a gRPC code, in the
// HTTP server's answers and in Records: google.rpc.Code's documented
// mapping (googleapis google/rpc/code.proto, as grpc-gateway's
// HTTPStatusFromCode has it).
var grpcHTTPStatus = map[string]int{
	"OK": 200, "CANCELLED": 499, "UNKNOWN": 500, "INVALID_ARGUMENT": 400,
	"DEADLINE_EXCEEDED": 504, "NOT_FOUND": 404, "ALREADY_EXISTS": 409,
	"PERMISSION_DENIED": 403, "RESOURCE_EXHAUSTED": 429, "FAILED_PRECONDITION": 400,
	"ABORTED": 409, "OUT_OF_RANGE": 400, "UNIMPLEMENTED": 501, "INTERNAL": 500,
	"UNAVAILABLE": 503, "DATA_LOSS": 500, "UNAUTHENTICATED": 401,
}

// GRPCHTTPStatus is the HTTP status that stands for the gRPC code named
// code (see grpcHTTPStatus); 0 for a name that is not one.
func GRPCHTTPStatus(code string) int { return grpcHTTPStatus[code] }

// GRPCCodeOf is the name of the code a gRPC call the plan answers ends
// with: grpc_code; RESOURCE_EXHAUSTED for overload; else the code gRPC
// reads from the plan's HTTP status. grpcfault ends calls with it, and the
// sim engine logs it.
func GRPCCodeOf(d *Plan) string {
	switch {
	case d.GRPC != nil && d.GRPC.Code != "":
		return d.GRPC.Code
	case d.Kind == record.FaultOverload:
		return "RESOURCE_EXHAUSTED"
	}
	return GRPCCodeForStatus(d.Status)
}

// GRPCPushback is the wait grpc-retry-pushback-ms asks for with the plan's
// answer, in the whole milliseconds the trailer carries: grpc_pushback,
// else the wait of the Retry-After the HTTP server would send at now; ok
// is false when the plan asks for none.
func GRPCPushback(d *Plan, now time.Time) (wait time.Duration, ok bool) {
	switch {
	case d.GRPC != nil && d.GRPC.HasPushback:
		wait = d.GRPC.Pushback
	case d.HasRetryAfter:
		_, wait = RetryAfterHeader(d.RetryAfter, d.RetryAfterDate, now)
	default:
		return 0, false
	}
	return wait.Truncate(time.Millisecond), true
}

// status is the status the fault sets: its own, or its grpc_code's HTTP
// equivalent; 0 for none.
func (f *FaultSpec) status() int {
	if f.Status == 0 && f.GRPCCode != "" {
		return grpcHTTPStatus[f.GRPCCode]
	}
	return f.Status
}

// compileGRPC is the gRPC answer of f over base (the response's, for a
// fault that keeps the response's shape); base when f has nothing for it.
func compileGRPC(f *FaultSpec, base *GRPCAnswer, body []byte) *GRPCAnswer {
	if f.GRPCCode == "" && f.GRPCMessage == "" && len(f.GRPCTrailers) == 0 && f.GRPCPushback == nil &&
		f.Body == "" && f.BodySize == 0 {
		return base
	}
	g := &GRPCAnswer{}
	if base != nil {
		*g = *base
	}
	if f.GRPCCode != "" {
		g.Code = f.GRPCCode
	}
	if f.GRPCMessage != "" {
		g.Message = f.GRPCMessage
	}
	if len(f.GRPCTrailers) > 0 {
		g.Trailers = f.GRPCTrailers
	}
	if f.GRPCPushback != nil {
		g.Pushback, g.HasPushback = *f.GRPCPushback, true
	}
	if f.Body != "" || f.BodySize > 0 {
		g.Reply = body
	}
	return g
}

// grpcFields lists the set gRPC fields, which shape a response.
func (f *FaultSpec) grpcFields() []string {
	var a []string
	if f.GRPCCode != "" {
		a = append(a, "grpc_code")
	}
	if f.GRPCMessage != "" {
		a = append(a, "grpc_message")
	}
	if len(f.GRPCTrailers) > 0 {
		a = append(a, "grpc_trailers")
	}
	if f.GRPCPushback != nil {
		a = append(a, "grpc_pushback")
	}
	return a
}

// grpcProblems adds what is wrong with the gRPC fields of f.
func (f *FaultSpec) grpcProblems(path string, p *problem.List) {
	if f.GRPCCode != "" && !slices.Contains(GRPCCodes[:], f.GRPCCode) {
		msg := fmt.Sprintf("%q is not a gRPC status code", f.GRPCCode)
		if s := suggest.Nearest(f.GRPCCode, GRPCCodes[:]); s != "" {
			msg += fmt.Sprintf(" (did you mean %q?)", s) // Unavailable, UNAVAILBLE
		}
		p.Add(path+".grpc_code", "%s; use one of %s", msg, strings.Join(GRPCCodes[:], ", "))
	}
	if f.GRPCPushback != nil && *f.GRPCPushback < 0 {
		p.Add(path+".grpc_pushback", "must not be negative")
	}
	for k, v := range f.GRPCTrailers {
		at := path + ".grpc_trailers." + k
		switch {
		case !validMetadataKey(k):
			p.Add(at, "%q is not a gRPC metadata key: lower-case letters, digits, '-', '_' and '.'", k)
		case strings.HasPrefix(k, "grpc-"):
			p.Add(at, "keys beginning grpc- are gRPC's own; for grpc-retry-pushback-ms use grpc_pushback")
		case !strings.HasSuffix(k, "-bin") && !printableASCII(v):
			p.Add(at, "the value of a key not ending -bin must be printable ASCII")
		}
	}
}

// validMetadataKey reports whether k is a gRPC metadata key as the wire
// carries it (grpc/grpc doc/PROTOCOL-HTTP2.md: Header-Name).
func validMetadataKey(k string) bool {
	if k == "" {
		return false
	}
	for i := range len(k) {
		c := k[i]
		if !(c >= 'a' && c <= 'z' || c >= '0' && c <= '9' || c == '-' || c == '_' || c == '.') {
			return false
		}
	}
	return true
}

func printableASCII(s string) bool {
	for i := range len(s) {
		if s[i] < 0x20 || s[i] > 0x7e {
			return false
		}
	}
	return true
}
