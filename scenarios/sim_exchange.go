package scenarios

import (
	"math"
	"time"

	"github.com/chaos-harness/chaos/faultserver"
	"github.com/chaos-harness/chaos/resilience"
)

// simAttempt is one attempt in flight in the simulator: what the server
// decided and when each side is done with it. It holds only what the
// response needs, so a client costs little while it waits.
type simAttempt struct {
	sentAt    time.Duration // the client sent it
	deadline  time.Duration // the client's per-attempt timeout fires; 0: none
	arrivedAt time.Duration // it reached the server
	headerAt  time.Duration // the server sent the status line (or began the fault)
	serverEnd time.Duration // the server finished with it (answered, closed, or saw the client leave)

	retryAfter time.Duration
	ticket     faultserver.Ticket // its hold on the script, until serverEnd
	status     int32              // the status line the server sent; 0 for none
	bodyBytes  uint32             // the body bytes the server wrote (see bodyCount)
	// streamEvents is how many whole events of a stream the server wrote.
	streamEvents uint32
	// grpcCode is the gRPC code of the call, in recordNames (sim_grpc.go).
	grpcCode uint32
	slot     slotRef // its Record's slot; unused for a row read
	// decided is the decision's route, phase and fault kind, in
	// decisionNames, for a Record the buffer does not hold while the
	// attempt is in flight (recordBuffer.reserve, simulator.arrive).
	decided    uint32
	raKind     uint8 // raNone, raDelta, raDate or raMillis (sim_grpc.go)
	outcome    resilience.AttemptClass
	abandoned  bool // the client left before the server answered
	incomplete bool // a response begun did not reach its end
	row        faultserver.RowOp
	reading    bool // this is the read before a row write
}

const (
	raNone uint8 = iota
	raDelta
	raDate
)

// performVirtual plays a decision out in virtual time with faultserver's one
// playout (faultserver.PlayVirtual), the steps its HTTP server performs on a
// real connection: when the server is done with the request, what it sent,
// and how the client learns the outcome, and when (clientAt, returned). A client that leaves
// before the server is done (its deadline) reports a timeout; one answered
// after it stopped waiting (the way back takes back) too.
//
// head says the request was a HEAD, whose response has no body.
func (a *simAttempt) performVirtual(d *faultserver.Plan, back time.Duration, head bool) (clientAt time.Duration) {
	v := faultserver.PlayVirtual(d, a.arrivedAt, a.deadline, head)
	a.headerAt, a.serverEnd = v.HeaderAt, v.End
	a.status, a.bodyBytes, a.incomplete = int32(v.Status), bodyCount(v.BodyBytes), v.Incomplete
	a.streamEvents = uint32(v.StreamEvents)
	a.abandoned = v.Abandoned()
	a.raKind = raNone
	if d.HasRetryAfter && a.status != 0 {
		a.retryAfter, a.raKind = d.RetryAfter, raDelta
		if d.RetryAfterDate {
			a.raKind = raDate
		}
	}
	switch {
	case v.Left, a.deadline > 0 && v.End+back > a.deadline:
		// The client left before the server was done, or the answer
		// arrives after it stopped waiting.
		a.outcome = resilience.ClassTimeout
		return a.deadline
	default:
		a.outcome = endingOutcome[v.Ending]
		return v.End + back
	}
}

// endingOutcome is what Go's client reads from each ending of a connection
// it waited for; a response is then ok or a status by its code.
var endingOutcome = [...]resilience.AttemptClass{
	faultserver.EndResponse:  resilience.ClassUnset,
	faultserver.EndClosed:    resilience.ClassEOF,
	faultserver.EndReset:     resilience.ClassReset,
	faultserver.EndMalformed: resilience.ClassMalformed,
	// Faults before the request and of HTTP/2 (issue 15): what Go's client
	// reports for each (faultserver/tls_test.go checks it): a refused
	// certificate, a reset stream and a GOAWAY with an error are errors.
	faultserver.EndBadCert:     resilience.ClassError,
	faultserver.EndStreamReset: resilience.ClassError,
	faultserver.EndGoAway:      resilience.ClassError,
}

// bodyCount is a body's size as the simulator keeps it, in 32 bits to keep
// an attempt in flight small: bodies the simulator sends are held in memory
// and far below 4 GiB, and a larger count saturates.
func bodyCount(n int64) uint32 { return uint32(min(n, math.MaxUint32)) }

// resolvedOutcome is the outcome the client reports to its policy, with the
// status once the server has committed any row operation.
func (a *simAttempt) resolvedOutcome() resilience.AttemptClass {
	if a.outcome != resilience.ClassUnset {
		return a.outcome
	}
	if a.status >= 400 {
		return resilience.ClassStatus
	}
	return resilience.ClassOK
}
