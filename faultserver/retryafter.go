package faultserver

import (
	"net/http"
	"time"
)

// RetryAfterHeader renders the Retry-After a response sent at now carries for
// a configured wait of after, and the wait it actually asks for from now:
// delta-seconds (after is whole seconds, the script checks it), or an
// HTTP-date rounded up to the whole second, so that waiting until it waits at
// least after, and the wait is the rounded date minus now. Both the HTTP
// server and the simulator render Retry-After with it, and log the wait.
func RetryAfterHeader(after time.Duration, date bool, now time.Time) (value string, wait time.Duration) {
	vs, wait := retryAfterValues(after, date, now)
	return vs[0], wait
}

// retryAfterValues is RetryAfterHeader as a header value; delta-seconds
// values are shared (see intValue), so the caller must not modify it.
func retryAfterValues(after time.Duration, date bool, now time.Time) ([]string, time.Duration) {
	if !date {
		secs := int64(after / time.Second)
		return intValue(secs), time.Duration(secs) * time.Second
	}
	at := now.Add(after)
	if t := at.Truncate(time.Second); t.Before(at) {
		at = t.Add(time.Second)
	}
	return []string{at.UTC().Format(http.TimeFormat)}, at.Sub(now)
}
