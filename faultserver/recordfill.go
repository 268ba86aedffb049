package faultserver

import (
	"time"

	"github.com/chaos-harness/chaos/record"
)

// NewRecord fills a Record from a request accepted at accepted (since the run
// or server start) and the decision made for it: the status and Retry-After
// the decision asks for. The server then sets what the wire says (Status 0
// where no status line was sent, BodyBytes, Incomplete, the wait its
// Retry-After asked for) and LatencyMs (Finish).
func NewRecord(accepted time.Duration, req *RequestInfo, d *Decision) record.Record {
	rec := record.Record{
		TMs:     record.Millis(accepted),
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
		rec.RetryAfterMs = record.Millis(d.RetryAfter)
	}
	return rec
}
