package faultserver

import (
	"time"

	"github.com/chaos-harness/chaos/record"
)

// NewRecord builds the Record of a request accepted at accepted and done at
// end (on one clock, since the run or server start) from the request, the
// decision made for it (its route, phase and kind) and what reached the
// client: the status line sent (0 for none), the body bytes written,
// Incomplete for a response begun that did not reach its end, the wait its
// Retry-After asked for (none without a status line), and the latency. Both
// engines build their Records with it: the server when a request ends, the
// simulator when a Record's turn in acceptance order comes.
func NewRecord(accepted, end time.Duration, req *RequestInfo, d *Plan, out *Delivery) record.Record {
	rec := record.Record{
		TMs:        record.Millis(accepted),
		Client:     req.ClientKey,
		Conn:       req.Conn,
		Request:    req.RequestID,
		Attempt:    req.Attempt,
		Method:     req.Method,
		Path:       req.Path,
		Route:      d.Route,
		Phase:      d.Phase,
		Fault:      d.Kind,
		Status:     out.Status,
		BodyBytes:  out.BodyBytes,
		Incomplete: out.Incomplete && out.Status != 0,
		// Streaming responses and faults after the work (issue 15).
		StreamEvents:   out.StreamEvents,
		UpstreamStatus: out.UpstreamStatus,
		IdempotencyKey: req.IdempotencyKey,
		Protocol:       req.Proto,
		TLS:            req.TLS,
		Policy:         req.FleetPolicy, // "" but in a live fleet (barrier.go)
	}
	if out.HasRetryAfter && out.Status != 0 {
		rec.RetryAfterMs = record.Millis(out.RetryAfter)
	}
	rec.Finish(end)
	return rec
}
