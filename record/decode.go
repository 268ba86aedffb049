package record

import (
	"strconv"
	"unicode/utf8"
)

// fastDecoder parses the common shape of a Record line, a flat JSON object of
// known keys with plain strings and numbers, several times faster than
// encoding/json, and interns the short strings that repeat (method, path,
// phase, fault, policy, outcome, route, grpc_code, protocol). Anything else (an escape, a null, an
// unknown or differently-cased key, a nested value, a number that is not a
// JSON number) makes it decline, and the caller decodes the line with
// encoding/json, which is the reference for both values and errors.
type fastDecoder struct {
	interned map[string]string
}

// maxInterned bounds the interning table; past it, strings are allocated.
const maxInterned = 4096

func (d *fastDecoder) intern(b []byte) string {
	if s, ok := d.interned[string(b)]; ok { // no allocation for the lookup
		return s
	}
	s := string(b)
	if d.interned == nil {
		d.interned = map[string]string{}
	}
	if len(d.interned) < maxInterned {
		d.interned[s] = s
	}
	return s
}

// decode fills rec from line and reports whether it could; rec is undefined
// when it could not. hasTime reports whether the line had a t_ms.
func (d *fastDecoder) decode(line []byte, rec *Record) (ok, hasTime bool) {
	p := parser{b: line}
	if !p.consume('{') {
		return false, false
	}
	if p.consume('}') {
		return p.end(), false
	}
	for {
		key, ok := p.str()
		if !ok || !p.consume(':') {
			return false, false
		}
		p.space()
		switch string(key) {
		case "t_ms":
			if rec.TMs, ok = p.float(); !ok {
				return false, false
			}
			hasTime = true
		case "latency_ms":
			rec.LatencyMs, ok = p.float()
		case "retry_after_ms":
			rec.RetryAfterMs, ok = p.float()
		case "sent_ms":
			rec.SentMs, ok = p.floatPtr()
		case "received_ms":
			rec.ReceivedMs, ok = p.floatPtr()
		case "body_bytes":
			var n int
			n, ok = p.int()
			rec.BodyBytes = int64(n)
		case "incomplete":
			rec.Incomplete, ok = p.bool()
		case "tls":
			rec.TLS, ok = p.bool()
		case "attempt":
			rec.Attempt, ok = p.int()
		case "conn":
			rec.Conn, ok = p.uint()
		case "status":
			rec.Status, ok = p.int()
		case "stream_events":
			rec.StreamEvents, ok = p.int()
		case "upstream_status":
			rec.UpstreamStatus, ok = p.int()
		case "idempotency_key":
			rec.IdempotencyKey, ok = p.bool()
		case "layer":
			rec.Layer, ok = p.int()
		case "client":
			var b []byte
			b, ok = p.str()
			rec.Client = string(b)
		case "request":
			var b []byte
			b, ok = p.str()
			rec.Request = string(b)
		case "method", "path", "route", "phase", "fault", "policy", "outcome", "grpc_code", "protocol":
			var b []byte
			if b, ok = p.str(); ok {
				*d.field(rec, string(key)) = d.intern(b)
			}
		default:
			return false, false
		}
		if !ok {
			return false, false
		}
		if p.consume('}') {
			return p.end(), hasTime
		}
		if !p.consume(',') {
			return false, false
		}
	}
}

func (d *fastDecoder) field(rec *Record, key string) *string {
	switch key {
	case "method":
		return &rec.Method
	case "path":
		return &rec.Path
	case "route":
		return &rec.Route
	case "phase":
		return &rec.Phase
	case "fault":
		return &rec.Fault
	case "policy":
		return &rec.Policy
	case "grpc_code":
		return &rec.GRPCCode
	case "protocol":
		return &rec.Protocol
	}
	return &rec.Outcome
}

// parser reads JSON tokens from b.
type parser struct {
	b []byte
	i int
}

func (p *parser) space() {
	for p.i < len(p.b) && (p.b[p.i] == ' ' || p.b[p.i] == '\t' || p.b[p.i] == '\r' || p.b[p.i] == '\n') {
		p.i++
	}
}

// consume skips space and the byte c, if c is next.
func (p *parser) consume(c byte) bool {
	p.space()
	if p.i < len(p.b) && p.b[p.i] == c {
		p.i++
		return true
	}
	return false
}

// end reports whether only space is left.
func (p *parser) end() bool {
	p.space()
	return p.i == len(p.b)
}

// str reads a string with no escapes, no control characters and valid UTF-8
// (encoding/json would replace invalid bytes).
func (p *parser) str() ([]byte, bool) {
	if !p.consume('"') {
		return nil, false
	}
	start, ascii := p.i, true
	for p.i < len(p.b) {
		switch c := p.b[p.i]; {
		case c == '"':
			p.i++
			s := p.b[start : p.i-1]
			return s, ascii || utf8.Valid(s)
		case c == '\\' || c < 0x20:
			return nil, false
		case c >= 0x80:
			ascii = false
		}
		p.i++
	}
	return nil, false
}

// number reads the bytes of a JSON number (RFC 8259 §6):
// -?(0|[1-9][0-9]*)(\.[0-9]+)?([eE][+-]?[0-9]+)?
func (p *parser) number() (b []byte, integer, ok bool) {
	start := p.i
	digits := func() int {
		n := 0
		for p.i < len(p.b) && p.b[p.i] >= '0' && p.b[p.i] <= '9' {
			p.i++
			n++
		}
		return n
	}
	if p.i < len(p.b) && p.b[p.i] == '-' {
		p.i++
	}
	first := p.i
	if n := digits(); n == 0 || (n > 1 && p.b[first] == '0') {
		return nil, false, false
	}
	integer = true
	if p.i < len(p.b) && p.b[p.i] == '.' {
		p.i++
		integer = false
		if digits() == 0 {
			return nil, false, false
		}
	}
	if p.i < len(p.b) && (p.b[p.i] == 'e' || p.b[p.i] == 'E') {
		p.i++
		integer = false
		if p.i < len(p.b) && (p.b[p.i] == '+' || p.b[p.i] == '-') {
			p.i++
		}
		if digits() == 0 {
			return nil, false, false
		}
	}
	return p.b[start:p.i], integer, true
}

func (p *parser) float() (float64, bool) {
	b, _, ok := p.number()
	if !ok {
		return 0, false
	}
	v, err := strconv.ParseFloat(string(b), 64)
	return v, err == nil
}

func (p *parser) uint() (uint64, bool) {
	b, integer, ok := p.number()
	if !ok || !integer {
		return 0, false
	}
	v, err := strconv.ParseUint(string(b), 10, 64)
	return v, err == nil
}

// floatPtr reads a number into a new float64, for a Record's optional times.
func (p *parser) floatPtr() (*float64, bool) {
	v, ok := p.float()
	return &v, ok
}

// bool reads true or false.
func (p *parser) bool() (bool, bool) {
	for _, lit := range [...]string{"true", "false"} {
		if len(p.b)-p.i >= len(lit) && string(p.b[p.i:p.i+len(lit)]) == lit {
			p.i += len(lit)
			return lit == "true", true
		}
	}
	return false, false
}

func (p *parser) int() (int, bool) {
	b, integer, ok := p.number()
	if !ok || !integer {
		return 0, false
	}
	v, err := strconv.Atoi(string(b))
	return v, err == nil
}
