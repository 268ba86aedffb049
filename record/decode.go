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
	floats   []float64 // where the optional times point: one allocation for many
	last     [internFields]string
	// The keys of the line before, in their order, as most lines of a log
	// have them: a key found where the line before had it is matched as
	// one literal, with its colon.
	keys []knownKey
}

// knownKey is a key the decoder knows: its id and, for a line written
// with no space, how it appears there.
type knownKey struct {
	id  int
	lit string // "name":
}

// The keys the decoder takes, in the order of knownKeyNames.
const (
	keyTMS = iota
	keyLatencyMS
	keyRetryAfterMS
	keySentMS
	keyReceivedMS
	keyBodyBytes
	keyIncomplete
	keyTLS
	keyAttempt
	keyConn
	keyStatus
	keyStreamEvents
	keyUpstreamStatus
	keyIdempotencyKey
	keyLayer
	keyClient
	keyRequest
	keyMethod
	keyPath
	keyRoute
	keyPhase
	keyFault
	keyPolicy
	keyOutcome
	keyGRPCCode
	keyProtocol
	keyUnknown = -1
)

var knownKeyNames = [...]string{"t_ms", "latency_ms", "retry_after_ms", "sent_ms", "received_ms",
	"body_bytes", "incomplete", "tls", "attempt", "conn", "status", "stream_events",
	"upstream_status", "idempotency_key", "layer", "client", "request", "method", "path",
	"route", "phase", "fault", "policy", "outcome", "grpc_code", "protocol"}

// knownKeys are the keys the decoder takes, by name.
var knownKeys = func() map[string]knownKey {
	m := map[string]knownKey{}
	for id, name := range knownKeyNames {
		m[name] = knownKey{id: id, lit: `"` + name + `":`}
	}
	return m
}()

// learnKey returns the id of the key b, read as the line's k-th key, and
// keeps the key as the k-th and last of those to expect in the next line
// when the decoder knows it (an unknown key declines the line, whatever it
// is).
func (d *fastDecoder) learnKey(k int, b []byte) int {
	known, ok := knownKeys[string(b)]
	if !ok {
		return keyUnknown
	}
	d.keys = append(d.keys[:min(k, len(d.keys))], known)
	return known.id
}

// newFloat returns a pointer to v, for a Record's optional times, from a
// slab of them.
func (d *fastDecoder) newFloat(v float64) *float64 {
	if len(d.floats) == cap(d.floats) {
		d.floats = make([]float64, 0, 256)
	}
	d.floats = append(d.floats, v)
	return &d.floats[len(d.floats)-1]
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
	for k := 0; ; k++ {
		var key int
		if k < len(d.keys) && p.literal(d.keys[k].lit) {
			key = d.keys[k].id // the line before had this key here
		} else {
			b, ok := p.key()
			if !ok || !p.consume(':') {
				return false, false
			}
			key = d.learnKey(k, b)
		}
		p.space()
		var ok bool
		switch key {
		case keyTMS:
			if rec.TMs, ok = p.float(); !ok {
				return false, false
			}
			hasTime = true
		case keyLatencyMS:
			rec.LatencyMs, ok = p.float()
		case keyRetryAfterMS:
			rec.RetryAfterMs, ok = p.float()
		case keySentMS:
			var v float64
			if v, ok = p.float(); ok {
				rec.SentMs = d.newFloat(v)
			}
		case keyReceivedMS:
			var v float64
			if v, ok = p.float(); ok {
				rec.ReceivedMs = d.newFloat(v)
			}
		case keyBodyBytes:
			var n int
			n, ok = p.int()
			rec.BodyBytes = int64(n)
		case keyIncomplete:
			rec.Incomplete, ok = p.bool()
		case keyTLS:
			rec.TLS, ok = p.bool()
		case keyAttempt:
			rec.Attempt, ok = p.int()
		case keyConn:
			rec.Conn, ok = p.uint()
		case keyStatus:
			rec.Status, ok = p.int()
		case keyStreamEvents:
			rec.StreamEvents, ok = p.int()
		case keyUpstreamStatus:
			rec.UpstreamStatus, ok = p.int()
		case keyIdempotencyKey:
			rec.IdempotencyKey, ok = p.bool()
		case keyLayer:
			rec.Layer, ok = p.int()
		case keyClient:
			var b []byte
			b, ok = p.str()
			rec.Client = string(b)
		case keyRequest:
			var b []byte
			b, ok = p.str()
			rec.Request = string(b)
		case keyMethod:
			rec.Method, ok = d.internedStr(&p, internMethod)
		case keyPath:
			rec.Path, ok = d.internedStr(&p, internPath)
		case keyRoute:
			rec.Route, ok = d.internedStr(&p, internRoute)
		case keyPhase:
			rec.Phase, ok = d.internedStr(&p, internPhase)
		case keyFault:
			rec.Fault, ok = d.internedStr(&p, internFault)
		case keyPolicy:
			rec.Policy, ok = d.internedStr(&p, internPolicy)
		case keyOutcome:
			rec.Outcome, ok = d.internedStr(&p, internOutcome)
		case keyGRPCCode:
			rec.GRPCCode, ok = d.internedStr(&p, internGRPCCode)
		case keyProtocol:
			rec.Protocol, ok = d.internedStr(&p, internProtocol)
		default:
			return false, false
		}
		if !ok {
			return false, false
		}
		if p.i < len(p.b) && p.b[p.i] == ',' { // the common case: no space, more to come
			p.i++
			continue
		}
		if p.consume('}') {
			return p.end(), hasTime
		}
		if !p.consume(',') {
			return false, false
		}
	}
}

// The interned fields, each with the string it last had (fastDecoder.last).
const (
	internMethod = iota
	internPath
	internRoute
	internPhase
	internFault
	internPolicy
	internOutcome
	internGRPCCode
	internProtocol
	internFields
)

// internedStr reads a string of an interned field: the field's value in
// the line before, most often, matched as it stands (it has no quote or
// backslash, or str would not have taken it), with no look-up; else
// interned.
func (d *fastDecoder) internedStr(p *parser, field int) (string, bool) {
	last := d.last[field]
	if n := len(last); len(p.b)-p.i >= n+2 && p.b[p.i] == '"' && p.b[p.i+n+1] == '"' && string(p.b[p.i+1:p.i+1+n]) == last {
		p.i += n + 2
		return last, true
	}
	b, ok := p.str()
	if !ok {
		return "", false
	}
	s := d.intern(b)
	d.last[field] = s
	return s, true
}

// parser reads JSON tokens from b.
type parser struct {
	b []byte
	i int
}

func (p *parser) space() {
	for p.i < len(p.b) && p.b[p.i] <= ' ' && (p.b[p.i] == ' ' || p.b[p.i] == '\t' || p.b[p.i] == '\r' || p.b[p.i] == '\n') {
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

// literal reads lit if it comes next, with no space before it.
func (p *parser) literal(lit string) bool {
	if len(p.b)-p.i >= len(lit) && string(p.b[p.i:p.i+len(lit)]) == lit {
		p.i += len(lit)
		return true
	}
	return false
}

// key reads an object's key to the next quote, looking at nothing else: a
// key with an escape, a control character or a byte that is not ASCII is
// none of the keys the decoder knows, so it declines the line anyway.
func (p *parser) key() ([]byte, bool) {
	if !p.consume('"') {
		return nil, false
	}
	for i := p.i; i < len(p.b); i++ {
		if p.b[i] == '"' {
			k := p.b[p.i:i]
			p.i = i + 1
			return k, true
		}
	}
	return nil, false
}

// str reads a string with no escapes, no control characters and valid UTF-8
// (encoding/json would replace invalid bytes).
func (p *parser) str() ([]byte, bool) {
	if !p.consume('"') {
		return nil, false
	}
	start, ascii := p.i, true
	for i := p.i; i < len(p.b); i++ {
		switch strClass[p.b[i]] {
		case strPlain:
		case strQuote:
			p.i = i + 1
			s := p.b[start:i]
			return s, ascii || utf8.Valid(s)
		case strBad:
			return nil, false
		default: // strHigh
			ascii = false
		}
	}
	return nil, false
}

// What a byte is inside a JSON string, for str.
const (
	strPlain = iota // printable ASCII
	strQuote        // the closing quote
	strBad          // a backslash (an escape) or a control character
	strHigh         // part of a multi-byte UTF-8 character, maybe invalid
)

var strClass = func() (t [256]uint8) {
	for c := range t {
		switch {
		case c == '"':
			t[c] = strQuote
		case c == '\\' || c < 0x20:
			t[c] = strBad
		case c >= 0x80:
			t[c] = strHigh
		}
	}
	return t
}()

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

// float reads a JSON number in one pass. One with no exponent whose digits,
// read as an integer m, are at most 15 (below 2^53) with at most 22 after
// the point is m / 10^k: m and 10^k are exact float64s, and one correctly
// rounded division gives the float64 nearest the number (Clinger, "How to
// read floating point numbers accurately", PLDI 1990), which is what
// strconv.ParseFloat returns. Any other number is left to ParseFloat.
func (p *parser) float() (float64, bool) {
	b, i := p.b, p.i
	neg := i < len(b) && b[i] == '-'
	if neg {
		i++
	}
	var m uint64
	digits := 0
	switch {
	case i < len(b) && b[i] == '0':
		i, digits = i+1, 1
	case i < len(b) && b[i] >= '1' && b[i] <= '9':
		for ; i < len(b) && b[i] >= '0' && b[i] <= '9'; i++ {
			m = m*10 + uint64(b[i]-'0')
			digits++
		}
	default:
		return 0, false
	}
	frac := 0
	if i < len(b) && b[i] == '.' {
		i++
		for ; i < len(b) && b[i] >= '0' && b[i] <= '9'; i++ {
			m = m*10 + uint64(b[i]-'0')
			frac++
		}
		if frac == 0 {
			return 0, false
		}
		digits += frac
	}
	if (i < len(b) && (b[i] == 'e' || b[i] == 'E')) || digits > 15 || frac >= len(float64pow10) {
		return p.parseFloat()
	}
	p.i = i
	v := float64(m) / float64pow10[frac]
	if neg {
		v = -v
	}
	return v, true
}

// parseFloat reads any JSON number with strconv.ParseFloat.
func (p *parser) parseFloat() (float64, bool) {
	b, _, ok := p.number()
	if !ok {
		return 0, false
	}
	v, err := strconv.ParseFloat(string(b), 64)
	return v, err == nil
}

// float64pow10 are the powers of ten a float64 holds exactly.
var float64pow10 = [...]float64{1e0, 1e1, 1e2, 1e3, 1e4, 1e5, 1e6, 1e7, 1e8, 1e9, 1e10,
	1e11, 1e12, 1e13, 1e14, 1e15, 1e16, 1e17, 1e18, 1e19, 1e20, 1e21, 1e22}

func (p *parser) uint() (uint64, bool) {
	b, integer, ok := p.number()
	if !ok || !integer {
		return 0, false
	}
	if len(b) <= 18 && b[0] != '-' { // below 10^18: no overflow
		return digitsValue(b), true
	}
	v, err := strconv.ParseUint(string(b), 10, 64)
	return v, err == nil
}

// intDigits is how many decimal digits an int holds whatever they are: 18
// in 64 bits, 9 in 32.
const intDigits = 9 + 9*(strconv.IntSize/64)

// digitsValue is the value of a run of decimal digits, fewer than 19.
func digitsValue(b []byte) uint64 {
	var v uint64
	for _, c := range b {
		v = v*10 + uint64(c-'0')
	}
	return v
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
	switch {
	case len(b) <= intDigits && b[0] != '-':
		return int(digitsValue(b)), true
	case len(b) <= intDigits+1 && b[0] == '-':
		return -int(digitsValue(b[1:])), true
	}
	v, err := strconv.Atoi(string(b))
	return v, err == nil
}
