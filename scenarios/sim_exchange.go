package scenarios

import (
	"math"
	"time"

	"github.com/chaos-harness/chaos/faultserver"
	"github.com/chaos-harness/chaos/record"
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
	clientAt  time.Duration // the client learnt its outcome
	slot      uint64        // its Record's slot; unused for a row read

	status     int32  // the status line the server sent; 0 for none
	bodyBytes  uint32 // the body bytes the server wrote (see bodyCount)
	retryAfter time.Duration
	raKind     uint8 // raNone, raDelta or raDate
	outcome    resilience.OutcomeKind
	ticket     faultserver.Ticket // its hold on the script, until serverEnd
	abandoned  bool               // the client left before the server answered
	incomplete bool               // a response begun did not reach its end
	row        faultserver.RowOp
	reading    bool // this is the read before a row write
}

const (
	raNone uint8 = iota
	raDelta
	raDate
)

// performVirtual plays a decision out in virtual time: when the server is
// done with the request, when the client learns the outcome, what the
// outcome is, and how much of the body the server wrote. It mirrors what
// faultserver's HTTP server does on a real connection:
//   - a delay holds the request first; if the client leaves during it the
//     server abandons the request (no status line is sent);
//   - hang holds it for its duration, then closes: the client times out, or
//     without a timeout sees the connection closed (EOF);
//   - reset fails at once (connection reset); close and malformed fail when
//     their bytes arrive; truncate fails after the partial body (EOF), which
//     is incomplete; slow sends its body on faultserver's slow-body schedule
//     (SlowEnd), and a client that leaves before its end leaves it
//     incomplete, with the bytes due by then (SlowSent);
//   - overload is an immediate answer of the capacity model.
//
// back is the network delay of the way back to the client; head says the
// request was a HEAD, whose response has no body.
func (a *simAttempt) performVirtual(d *faultserver.Decision, back time.Duration, head bool) {
	a.headerAt = a.arrivedAt + d.Delay
	end := a.headerAt
	a.status = int32(d.SentStatus())
	a.outcome = resilience.KindUnset
	size := int64(len(d.Body))
	if head || a.status == 0 {
		size = 0
	}
	sent := size
	a.incomplete = false
	switch d.Kind {
	case record.FaultHang:
		end += d.Hang
		a.outcome = resilience.KindEOF
	case record.FaultReset:
		a.outcome = resilience.KindReset
	case record.FaultClose:
		a.outcome = resilience.KindEOF
	case record.FaultTruncate:
		a.outcome = resilience.KindEOF
		if !head {
			sent = min(int64(d.Truncate), size)
			a.incomplete = sent < size
		}
	case record.FaultMalformed:
		a.outcome = resilience.KindMalformed
	case record.FaultSlow:
		if d.Slow > 0 {
			end += faultserver.SlowEnd(d.Slow, size)
		}
	}
	a.raKind = raNone
	if d.HasRetryAfter && a.status != 0 {
		a.retryAfter, a.raKind = d.RetryAfter, raDelta
		if d.RetryAfterDate {
			a.raKind = raDate
		}
	}
	a.abandoned = false
	switch {
	case a.deadline > 0 && end > a.deadline:
		// The client leaves before the server is done: the server sees it go
		// and stops; the client reports a timeout.
		a.serverEnd, a.clientAt = max(a.deadline, a.arrivedAt), a.deadline
		a.abandoned = d.Delay > 0 && a.headerAt > a.deadline
		if a.abandoned || d.Kind == record.FaultHang {
			a.status, sent = 0, 0
		}
		if a.status != 0 && d.Kind == record.FaultSlow {
			sent = faultserver.SlowSent(d.Slow, size, a.serverEnd-a.headerAt)
			a.incomplete = sent < size
		}
		a.outcome = resilience.KindTimeout
	case a.deadline > 0 && end+back > a.deadline:
		// Answered, but the answer arrives after the client stopped waiting.
		a.serverEnd, a.clientAt = end, a.deadline
		a.outcome = resilience.KindTimeout
	default:
		a.serverEnd, a.clientAt = end, end+back
	}
	a.bodyBytes = bodyCount(sent)
}

// bodyCount is a body's size as the simulator keeps it, in 32 bits to keep
// an attempt in flight small: bodies the simulator sends are held in memory
// and far below 4 GiB, and a larger count saturates.
func bodyCount(n int64) uint32 { return uint32(min(n, math.MaxUint32)) }

// resolvedOutcome is the outcome the client reports to its policy, with the
// status once the server has committed any row operation.
func (a *simAttempt) resolvedOutcome() resilience.OutcomeKind {
	if a.outcome != resilience.KindUnset {
		return a.outcome
	}
	if a.status >= 400 {
		return resilience.KindStatus
	}
	return resilience.KindOK
}

// retryAfterHeader renders the Retry-After the server sent with its status
// line, as the live server does (faultserver.RetryAfterHeader), and the wait
// it asks for from then: "" and 0 when none was sent.
func (a *simAttempt) retryAfterHeader(epoch time.Time) (string, time.Duration) {
	if a.raKind == raNone || a.status == 0 {
		return "", 0
	}
	return faultserver.RetryAfterHeader(a.retryAfter, a.raKind == raDate, epoch.Add(a.headerAt))
}
