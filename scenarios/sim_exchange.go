package scenarios

import (
	"net/http"
	"strconv"
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
	serverEnd time.Duration // the server finished with it (answered, closed, or saw the client leave)
	clientAt  time.Duration // the client learnt its outcome
	slot      uint64        // its Record's slot; unused for a row read

	status     int // the status line the server sent; 0 for none
	retryAfter time.Duration
	raKind     uint8 // raNone, raDelta or raDate
	outcome    resilience.OutcomeKind
	admitted   bool // holds a slot of the server's capacity until serverEnd
	abandoned  bool // the client left before the server answered
	row        faultserver.RowOp
	reading    bool // this is the read before a row write
}

const (
	raNone uint8 = iota
	raDelta
	raDate
)

// performVirtual plays a decision out in virtual time: when the server is
// done with the request, when the client learns the outcome, and what the
// outcome is. It mirrors what faultserver's HTTP server does on a real
// connection:
//   - a delay holds the request first; if the client leaves during it the
//     server abandons the request (no status line is sent);
//   - hang holds it for its duration, then closes: the client times out, or
//     without a timeout sees the connection closed (EOF);
//   - reset fails at once (connection reset); close and malformed fail when
//     their bytes arrive; truncate fails after the partial body (EOF); slow
//     sends its body at the bandwidth;
//   - overload is an immediate answer of the capacity model.
//
// back is the network delay of the way back to the client.
func (a *simAttempt) performVirtual(d *faultserver.Decision, back time.Duration) {
	end := a.arrivedAt + d.Delay
	a.status = d.SentStatus()
	a.outcome = resilience.KindUnset
	switch d.Kind {
	case faultserver.KindHang:
		end += d.Hang
		a.outcome = resilience.KindEOF
	case faultserver.KindReset:
		a.outcome = resilience.KindReset
	case faultserver.KindClose, faultserver.KindTruncate:
		a.outcome = resilience.KindEOF
	case faultserver.KindMalformed:
		a.outcome = resilience.KindMalformed
	case faultserver.KindSlow:
		if d.Slow > 0 {
			end += time.Duration(float64(len(d.Body)) / float64(d.Slow) * float64(time.Second))
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
		a.abandoned = d.Delay > 0 && a.arrivedAt+d.Delay > a.deadline
		if a.abandoned || d.Kind == faultserver.KindHang {
			a.status = 0
		}
		a.outcome = resilience.KindTimeout
	case a.deadline > 0 && end+back > a.deadline:
		// Answered, but the answer arrives after the client stopped waiting.
		a.serverEnd, a.clientAt = end, a.deadline
		a.outcome = resilience.KindTimeout
	default:
		a.serverEnd, a.clientAt = end, end+back
	}
}

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

// retryAfterHeader renders the Retry-After the server sent, as the live
// server does (faultserver's retryAfterValue): delta-seconds, or an HTTP-date
// rounded up to the whole second, taken when the response was sent.
func (a *simAttempt) retryAfterHeader(epoch time.Time) string {
	switch a.raKind {
	case raDelta:
		return strconv.FormatInt(int64(a.retryAfter/time.Second), 10)
	case raDate:
		at := epoch.Add(a.serverEnd + a.retryAfter)
		if t := at.Truncate(time.Second); t.Before(at) {
			at = t.Add(time.Second)
		}
		return at.UTC().Format(http.TimeFormat)
	}
	return ""
}
