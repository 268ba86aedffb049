package faultserver

import (
	"math"
	"time"
)

// Millis converts a duration to the fractional milliseconds of a Record.
func Millis(d time.Duration) float64 { return float64(d) / float64(time.Millisecond) }

// NewRecord fills a Record from a request accepted at accepted (since the run
// or server start) and the decision made for it: the status and Retry-After
// the decision asks for. The server then sets what the wire says (Status 0
// where no status line was sent, BodyBytes, Incomplete, the wait its
// Retry-After asked for) and LatencyMs (Finish).
func NewRecord(accepted time.Duration, req *RequestInfo, d *Decision) Record {
	rec := Record{
		TMs:     Millis(accepted),
		Client:  req.ClientKey,
		Conn:    req.Conn,
		Request: req.RequestID,
		Attempt: req.Attempt,
		Method:  req.Method,
		Path:    req.Path,
		Route:   d.Route,
		Phase:   d.Phase,
		Fault:   d.Kind,
		Status:  d.SentStatus(),
	}
	if d.HasRetryAfter && rec.Status != 0 {
		rec.RetryAfterMs = Millis(d.RetryAfter)
	}
	return rec
}

// Finish sets the latency of a Record whose response ended at end (on the
// same clock as its acceptance).
func (r *Record) Finish(end time.Duration) {
	// TMs came from Millis(accepted): recover the nanoseconds and subtract
	// durations, so the latency has no float residue of the subtraction.
	accepted := time.Duration(math.Round(r.TMs * float64(time.Millisecond)))
	r.LatencyMs = Millis(max(0, end-accepted))
}
