package analysis

import "github.com/chaos-harness/chaos/record"

// Succeeded reports whether an attempt succeeded from the client's point of
// view. A response that did not reach its end (Incomplete: the client went
// away mid-body, a write failed, the server cut it) is never a success. A
// Record that carries the client's Outcome is otherwise taken at its word;
// without one (logs of `chaos serve`) an attempt succeeded when it got a
// complete response with a status below 400: no fault, only a delay, a
// slow body or a stream that reached its end, or a scripted status that is
// itself below 400. A stream cut short (cut, stalled or reset mid-stream)
// is Incomplete, so a failure.
func Succeeded(rec record.Record) bool { return succeeded(&rec) }

// succeeded is Succeeded of a Record the analysis holds, not copied.
func succeeded(rec *record.Record) bool {
	if rec.Incomplete {
		return false
	}
	if rec.Outcome != "" {
		return rec.Outcome == record.OutcomeOK
	}
	switch rec.Fault {
	case record.FaultNone, record.FaultDelay, record.FaultSlow, record.FaultStatus, record.FaultStream, "":
		return rec.Status > 0 && rec.Status < 400
	}
	return false
}

// scriptedFailure reports whether the server's script injected a failure
// into the attempt. Overload is left out: it is the capacity model reacting
// to load, not a phase of the script, so it does not make a phase a fault
// phase. A stream is a failure when it was cut short or has a failing
// status: a whole stream is the service answering.
func scriptedFailure(rec *record.Record) bool {
	switch rec.Fault {
	case record.FaultNone, record.FaultDelay, record.FaultSlow, record.FaultOverload, "":
		return false
	case record.FaultStatus:
		return rec.Status >= 400
	case record.FaultStream:
		return rec.Incomplete || rec.Status == 0 || rec.Status >= 400
	}
	return true
}
