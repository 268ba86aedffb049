package record

import (
	"fmt"
	"math"
	"strconv"
	"unicode/utf8"
)

// AppendJSON appends rec to dst as one JSON line, newline included: byte
// for byte what encoding/json's Encoder writes for it (the reference, as a
// spec and a fuzz test check), several times faster and without
// allocating, because it knows the Record's fields. A time that is NaN or
// infinite is an error, as it is for encoding/json; dst is then returned
// as it was.
func AppendJSON(dst []byte, rec *Record) ([]byte, error) {
	for _, f := range [...]struct {
		name string
		v    *float64
	}{{"t_ms", &rec.TMs}, {"retry_after_ms", &rec.RetryAfterMs}, {"latency_ms", &rec.LatencyMs},
		{"sent_ms", rec.SentMs}, {"received_ms", rec.ReceivedMs}} {
		if f.v != nil && (math.IsNaN(*f.v) || math.IsInf(*f.v, 0)) {
			return dst, fmt.Errorf("json: unsupported value: %s %v", f.name, *f.v)
		}
	}
	b := append(dst, `{"t_ms":`...)
	b = appendFloat(b, rec.TMs)
	b = append(b, `,"client":`...)
	b = appendString(b, rec.Client)
	if rec.Conn != 0 {
		b = append(b, `,"conn":`...)
		b = strconv.AppendUint(b, rec.Conn, 10)
	}
	b = append(b, `,"request":`...)
	b = appendString(b, rec.Request)
	b = append(b, `,"attempt":`...)
	b = strconv.AppendInt(b, int64(rec.Attempt), 10)
	b = append(b, `,"method":`...)
	b = appendString(b, rec.Method)
	b = append(b, `,"path":`...)
	b = appendString(b, rec.Path)
	if rec.Route != "" {
		b = append(b, `,"route":`...)
		b = appendString(b, rec.Route)
	}
	b = append(b, `,"phase":`...)
	b = appendString(b, rec.Phase)
	b = append(b, `,"fault":`...)
	b = appendString(b, rec.Fault)
	b = append(b, `,"status":`...)
	b = strconv.AppendInt(b, int64(rec.Status), 10)
	b = append(b, `,"retry_after_ms":`...)
	b = appendFloat(b, rec.RetryAfterMs)
	b = append(b, `,"latency_ms":`...)
	b = appendFloat(b, rec.LatencyMs)
	b = append(b, `,"body_bytes":`...)
	b = strconv.AppendInt(b, rec.BodyBytes, 10)
	if rec.Incomplete {
		b = append(b, `,"incomplete":true`...)
	}
	if rec.Policy != "" {
		b = append(b, `,"policy":`...)
		b = appendString(b, rec.Policy)
	}
	if rec.Outcome != "" {
		b = append(b, `,"outcome":`...)
		b = appendString(b, rec.Outcome)
	}
	if rec.SentMs != nil {
		b = append(b, `,"sent_ms":`...)
		b = appendFloat(b, *rec.SentMs)
	}
	if rec.ReceivedMs != nil {
		b = append(b, `,"received_ms":`...)
		b = appendFloat(b, *rec.ReceivedMs)
	}
	if rec.GRPCCode != "" {
		b = append(b, `,"grpc_code":`...)
		b = appendString(b, rec.GRPCCode)
	}
	if rec.StreamEvents != 0 {
		b = append(b, `,"stream_events":`...)
		b = strconv.AppendInt(b, int64(rec.StreamEvents), 10)
	}
	if rec.UpstreamStatus != 0 {
		b = append(b, `,"upstream_status":`...)
		b = strconv.AppendInt(b, int64(rec.UpstreamStatus), 10)
	}
	if rec.IdempotencyKey {
		b = append(b, `,"idempotency_key":true`...)
	}
	if rec.Protocol != "" {
		b = append(b, `,"protocol":`...)
		b = appendString(b, rec.Protocol)
	}
	if rec.TLS {
		b = append(b, `,"tls":true`...)
	}
	if rec.Layer != 0 {
		b = append(b, `,"layer":`...)
		b = strconv.AppendInt(b, int64(rec.Layer), 10)
	}
	return append(b, "}\n"...), nil
}

// appendFloat writes a float64 as encoding/json does: as an ES6 number
// (strconv's shortest form, 'e' notation below 1e-6 and from 1e21, an
// exponent without padding).
func appendFloat(b []byte, f float64) []byte {
	if f == 0 && !math.Signbit(f) {
		return append(b, '0')
	}
	if out, ok := appendWholeNanos(b, f); ok {
		return out
	}
	format := byte('f')
	if abs := math.Abs(f); abs != 0 && (abs < 1e-6 || abs >= 1e21) {
		format = 'e'
	}
	b = strconv.AppendFloat(b, f, format, -1, 64)
	if format == 'e' {
		// e-09 to e-9, as encoding/json cleans it up
		if n := len(b); n >= 4 && b[n-4] == 'e' && b[n-3] == '-' && b[n-2] == '0' {
			b[n-2] = b[n-1]
			b = b[:n-1]
		}
	}
	return b
}

// nanosLimit bounds the milliseconds appendWholeNanos writes: below 2^32 ms
// (49 days) a float's spacing is at most 2^-21 ms, under a nanosecond.
const nanosLimit = 1 << 32

// appendWholeNanos writes f, a time or duration in milliseconds, when it is
// the float nearest a whole number of nanoseconds k (as every time the
// harness measures is) and below nanosLimit in magnitude, and reports
// whether it did. It writes k/10^6 with its trailing zeros dropped, which is
// strconv's shortest form of f, without strconv's search for it: that
// decimal reads back as f (f is the float nearest it), and no other decimal
// of at most six places does, since they lie 10^-6 apart, wider than the
// interval of reals that round to f (f's spacing, at most 2^-21 here); a
// shorter decimal would be one of them. Either way the result is 'f'
// notation, which is encoding/json's from 1e-6 up.
func appendWholeNanos(b []byte, f float64) ([]byte, bool) {
	if !(f > -nanosLimit && f < nanosLimit) { // NaN too
		return b, false
	}
	k := math.Round(f * 1e6) // exact: below 2^53
	if k/1e6 != f {
		return b, false
	}
	n := int64(k)
	if n < 0 {
		b = append(b, '-')
		n = -n
	}
	b = strconv.AppendInt(b, n/1e6, 10)
	frac := n % 1e6
	if frac == 0 {
		return b, true
	}
	b = append(b, '.', '0', '0', '0', '0', '0', '0')
	digits := b[len(b)-6:]
	for i := 5; i >= 0; i-- {
		digits[i] = byte('0' + frac%10)
		frac /= 10
	}
	end := len(b)
	for b[end-1] == '0' { // frac > 0: the point stays
		end--
	}
	return b[:end], true
}

const hexDigits = "0123456789abcdef"

// appendString writes s as a JSON string as encoding/json does with its
// default HTML escaping: ", \ and the control characters escaped (\b \f
// \n \r \t by name), <, > and & as \u003c \u003e \u0026, invalid UTF-8 as
// \ufffd, and U+2028, U+2029 escaped.
func appendString(b []byte, s string) []byte {
	b = append(b, '"')
	start := 0
	for i := 0; i < len(s); {
		if c := s[i]; c < utf8.RuneSelf {
			if c >= 0x20 && c != '"' && c != '\\' && c != '<' && c != '>' && c != '&' {
				i++
				continue
			}
			b = append(b, s[start:i]...)
			switch c {
			case '\\', '"':
				b = append(b, '\\', c)
			case '\b':
				b = append(b, '\\', 'b')
			case '\f':
				b = append(b, '\\', 'f')
			case '\n':
				b = append(b, '\\', 'n')
			case '\r':
				b = append(b, '\\', 'r')
			case '\t':
				b = append(b, '\\', 't')
			default:
				b = append(b, '\\', 'u', '0', '0', hexDigits[c>>4], hexDigits[c&0xF])
			}
			i++
			start = i
			continue
		}
		r, size := utf8.DecodeRuneInString(s[i:])
		if r == utf8.RuneError && size == 1 {
			b = append(b, s[start:i]...)
			b = append(b, `\ufffd`...)
			i += size
			start = i
			continue
		}
		if r == '\u2028' || r == '\u2029' {
			b = append(b, s[start:i]...)
			b = append(b, '\\', 'u', '2', '0', '2', hexDigits[r&0xF])
			i += size
			start = i
			continue
		}
		i += size
	}
	b = append(b, s[start:]...)
	return append(b, '"')
}
