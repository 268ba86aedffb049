package faultserver

import (
	"net/http"
	"time"

	"github.com/chaos-harness/chaos/record"
)

// ServerTime is how long the server takes to perform the decision, from
// acceptance to the end of the response, when the client waits for all of
// it: the delay, plus the hang, plus a slow body's transfer time
// (len(Body)/Slow; the live server's pacing matches it to within one 10ms
// tick).
func (d *Decision) ServerTime() time.Duration {
	t := d.Delay
	switch d.Kind {
	case record.FaultHang:
		t += d.Hang
	case record.FaultSlow:
		if d.Slow > 0 {
			t += time.Duration(int64(len(d.Body)) * int64(time.Second) / int64(d.Slow))
		}
	}
	return t
}

// ClientView is what a client with a per-attempt timeout (0: none) makes of
// the decision, and when, counted from acceptance (network time aside): one of
// the Outcome constants. The simulator uses it so that it reads a decision as
// Go's client reads the live server's performance of it: a hang ends in EOF
// (reset) unless the timeout fires first; reset, close, truncate and
// malformed are resets; a complete response is ok below 400 and status from
// 400. Commit a row operation first: it sets the status.
func (d *Decision) ClientView(timeout time.Duration) (outcome string, after time.Duration) {
	t := d.ServerTime()
	if timeout > 0 && timeout < t {
		return record.OutcomeTimeout, timeout
	}
	switch d.Kind {
	case record.FaultHang, record.FaultReset, record.FaultClose, record.FaultTruncate, record.FaultMalformed:
		return record.OutcomeReset, t
	}
	if d.Status >= http.StatusBadRequest {
		return record.OutcomeStatus, t
	}
	return record.OutcomeOK, t
}
