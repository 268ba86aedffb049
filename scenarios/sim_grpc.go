package scenarios

import (
	"net/http"
	"time"

	"github.com/chaos-harness/chaos/faultserver"
	"github.com/chaos-harness/chaos/record"
	"github.com/chaos-harness/chaos/resilience"
	"github.com/chaos-harness/chaos/resilience/retryafter"
)

// The sim engine under server.protocol: grpc. A call plays exactly as the
// HTTP request would (the same Plan, the same playout); what changes is
// what its Record says and what its client reads, as package grpcfault
// and a grpc-go client have them:
//
//   - the method is POST, the path the full method (clients.path);
//   - a call answered ends with faultserver.GRPCCodeOf the plan, which the
//     Record keeps as grpc_code; the client reads the HTTP status that
//     stands for that code (faultserver.GRPCHTTPStatus: UNAVAILABLE 503,
//     RESOURCE_EXHAUSTED 429), so a policy's `on` list reads it as it
//     would over HTTP;
//   - its pushback (faultserver.GRPCPushback: grpc_pushback, else the
//     Retry-After's wait) is the Record's retry_after_ms and, in whole
//     milliseconds (retryafter.Millis), the client's Retry-After;
//   - a call its client left before the server answered ends CANCELLED
//     with no status, as grpcfault logs it; a call a fault cut (reset,
//     close, truncate, malformed, a hang held to its end) has no code.

// raMillis marks a gRPC pushback: the wait is a.retryAfter, to the
// millisecond, whatever the time it was sent.
const raMillis = raDate + 1

// grpcCutKinds are the faults grpcfault plays by cutting the transport
// under the call, before any status or message.
var grpcCutKinds = map[string]bool{record.FaultReset: true, record.FaultClose: true,
	record.FaultTruncate: true, record.FaultMalformed: true}

// setupGRPC makes a gRPC scenario's calls POSTs, retried as the policy
// says: gRPC's retry policy retries a method whatever its HTTP/2 method.
func (sim *simulator) setupGRPC() {
	sim.grpc = grpcScenario(sim.s)
	if sim.grpc {
		sim.method = http.MethodPost
	}
}

// grpcPlan sets what the call's answer is over gRPC once the plan is
// played out: its code and its pushback.
func (sim *simulator) grpcPlan(a *simAttempt, d *faultserver.Plan) {
	code := ""
	switch {
	case a.abandoned:
		// The client left before the answer: the server saw its call end.
		code, a.status, a.bodyBytes, a.incomplete = "CANCELLED", 0, 0, false
	case grpcCutKinds[d.Kind]:
		// grpcfault cuts the transport before any status.
		a.status, a.bodyBytes, a.incomplete = 0, 0, false
	case a.status != 0:
		code = faultserver.GRPCCodeOf(d)
		// Only a call that succeeds sends a message: its reply, or the
		// request's own bytes.
		a.bodyBytes, a.incomplete = 0, false
		if code == "OK" {
			a.bodyBytes = bodyCount(int64(len(sim.s.Clients.Body)))
			if d.GRPC != nil && d.GRPC.Reply != nil {
				a.bodyBytes = bodyCount(int64(len(d.GRPC.Reply)))
			}
		}
	}
	a.grpcCode = sim.names.index(code)
	a.raKind = raNone
	if a.status == 0 {
		return
	}
	if wait, ok := faultserver.GRPCPushback(d, simEpoch.Add(a.headerAt)); ok {
		a.retryAfter, a.raKind = wait, raMillis
	}
}

// grpcSeen is what the client of a gRPC call reads: the status that stands
// for its code (0 for none), the outcome that follows from it, and its
// pushback as a Retry-After (retryafter.Millis) with the wait.
func (sim *simulator) grpcSeen(a *simAttempt, kind resilience.AttemptClass) (int32, resilience.AttemptClass, string, time.Duration) {
	var seen int32
	if a.status != 0 {
		seen = int32(faultserver.GRPCHTTPStatus(sim.names[a.grpcCode]))
	}
	if a.outcome == resilience.ClassUnset {
		kind = resilience.ClassOK
		if seen >= 400 {
			kind = resilience.ClassStatus
		}
	}
	if a.raKind != raMillis {
		return seen, kind, "", 0
	}
	return seen, kind, retryafter.Millis(a.retryAfter), a.retryAfter
}
