package retryafter_test

import (
	"math"
	"net/http"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/chaos-harness/chaos/resilience/retryafter"
)

// FuzzParseRetryAfter: every header value gets a wait or "not usable", never a
// panic; a wait is never negative; delta-seconds read exactly (saturating),
// and an HTTP-date in the future reads as the time until it.
func FuzzParseRetryAfter(f *testing.F) {
	const now = 1445412480 // Wed, 21 Oct 2015 07:28:00 GMT
	for _, v := range []string{"120", "0", " 5 ", "", "-1", "1.5", "+3", "0x10",
		"99999999999999999999999999", "9223372036", "9223372037",
		"Wed, 21 Oct 2015 07:28:00 GMT", "Wed, 21 Oct 2015 07:29:00 GMT",
		"Wednesday, 21-Oct-15 07:28:30 GMT", "Wed Oct 21 07:28:45 2015",
		"Fri, 31 Dec 9999 23:59:59 GMT", "Mon, 01 Jan 0001 00:00:00 GMT",
		"Wed, 21 Oct 2015 07:28:00 PST", "tomorrow", "\x00", "１２", "ms=300", "ms="} {
		f.Add(v, int64(now), int64(0))
	}
	f.Fuzz(func(t *testing.T, value string, sec, nsec int64) {
		now := time.Unix(sec, nsec)
		d, ok := retryafter.Parse(value, now)
		if !ok {
			if d != 0 {
				t.Fatalf("ParseRetryAfter(%q) = %v but not ok", value, d)
			}
			return
		}
		if d < 0 {
			t.Fatalf("ParseRetryAfter(%q) = %v, negative", value, d)
		}
		v := strings.TrimSpace(value)
		if ms, found := strings.CutPrefix(v, "ms="); found && ms != "" && strings.Trim(ms, "0123456789") == "" {
			want := time.Duration(math.MaxInt64)
			if n, err := strconv.ParseUint(ms, 10, 64); err == nil && n <= uint64(math.MaxInt64/int64(time.Millisecond)) {
				want = time.Duration(n) * time.Millisecond
			}
			if d != want {
				t.Fatalf("ParseRetryAfter(%q) = %v, want %v", value, d, want)
			}
			return
		}
		if strings.Trim(v, "0123456789") == "" {
			want := time.Duration(math.MaxInt64)
			if n, err := strconv.ParseUint(v, 10, 64); err == nil && n <= uint64(math.MaxInt64/int64(time.Second)) {
				want = time.Duration(n) * time.Second
			}
			if d != want {
				t.Fatalf("ParseRetryAfter(%q) = %v, want %v", value, d, want)
			}
			return
		}
		at, err := http.ParseTime(v)
		if err != nil {
			t.Fatalf("ParseRetryAfter(%q) ok, but it is neither delta-seconds nor an HTTP-date", value)
		}
		if at.After(now) && d != at.Sub(now) {
			t.Fatalf("ParseRetryAfter(%q) at %v = %v, want %v", value, now, d, at.Sub(now))
		}
		if !at.After(now) && d != 0 {
			t.Fatalf("ParseRetryAfter(%q) at %v = %v for a date in the past", value, now, d)
		}
	})
}

// FuzzRetryAfterDate: the HTTP-date a server sends k seconds ahead reads back
// as exactly k seconds, at any moment within a second of the send.
func FuzzRetryAfterDate(f *testing.F) {
	f.Add(int64(1445412480), int64(30))
	f.Add(int64(0), int64(0))
	f.Add(int64(-62135596800), int64(1))
	f.Fuzz(func(t *testing.T, sec, k int64) {
		sent := time.Unix(sec, 0).UTC()
		if sent.Year() < 1 || sent.Year() > 9000 || k < 0 || k > 1e9 {
			return
		}
		value := sent.Add(time.Duration(k) * time.Second).Format(http.TimeFormat)
		d, ok := retryafter.Parse(value, sent)
		if !ok || d != time.Duration(k)*time.Second {
			t.Fatalf("%q at %v: got %v, %v, want %ds", value, sent, d, ok, k)
		}
	})
}
