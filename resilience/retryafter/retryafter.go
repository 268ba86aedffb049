// Package retryafter reads the Retry-After header (RFC 9110, section
// 10.2.3) as a wait, for the retry driver and the fault server's proxy. It
// depends on nothing but the standard library.
package retryafter

import (
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/chaos-harness/chaos/resilience/internal/delay"
)

// Parse reads a Retry-After value (RFC 9110, section 10.2.3):
// delay-seconds (one or more digits) or an HTTP-date in any of the three
// formats net/http accepts. A date in the past asks for no wait (0). A
// delay-seconds too large for a time.Duration saturates at the largest one.
// It also reads the form Millis writes, "ms=" and digits, a wait in whole
// milliseconds. ok is false for an empty value and for anything else:
// negative or fractional numbers, garbage; the caller then falls back to
// its backoff.
func Parse(value string, now time.Time) (d time.Duration, ok bool) {
	v := strings.TrimSpace(value)
	if v == "" {
		return 0, false
	}
	if isDigits(v) {
		return saturating(v, time.Second), true
	}
	if ms, found := strings.CutPrefix(v, millisPrefix); found && ms != "" && isDigits(ms) {
		return saturating(ms, time.Millisecond), true
	}
	t, err := http.ParseTime(v)
	if err != nil {
		return 0, false
	}
	if !t.After(now) {
		return 0, true
	}
	return t.Sub(now), true
}

// millisPrefix begins the form Millis writes.
const millisPrefix = "ms="

// Millis is a wait of d, truncated to whole milliseconds, in a form Parse
// reads: "ms=" and the milliseconds ("ms=300"). It is this package's own
// form, for a server wait that is not an HTTP Retry-After and comes finer
// than delay-seconds would carry it: gRPC's grpc-retry-pushback-ms (gRFC
// A6), which a driver passes as AttemptOutcome.RetryAfter. No conforming
// Retry-After is read differently: RFC 9110's values never hold '='.
func Millis(d time.Duration) string {
	return millisPrefix + strconv.FormatInt(max(0, d.Milliseconds()), 10)
}

func isDigits(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] < '0' || s[i] > '9' {
			return false
		}
	}
	return true
}

// saturating converts a string of digits to that many units, saturating
// at the largest Duration instead of overflowing.
func saturating(digits string, unit time.Duration) time.Duration {
	limit := int64(delay.Max / unit)
	var n int64
	for i := 0; i < len(digits); i++ {
		n = n*10 + int64(digits[i]-'0')
		if n > limit {
			return delay.Max
		}
	}
	return time.Duration(n) * unit
}
