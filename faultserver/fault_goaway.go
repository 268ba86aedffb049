package faultserver

import (
	"go.yaml.in/yaml/v3"

	"github.com/chaos-harness/chaos/internal/yamlfile"
	"github.com/chaos-harness/chaos/problem"
	"github.com/chaos-harness/chaos/record"
)

// GoAway is a goaway fault: an HTTP/2 GOAWAY frame on the request's
// connection. `goaway: true` is graceful: NO_ERROR, with the highest stream
// the client has opened as the last stream id, and the request is still
// answered; the client opens a new connection for its next requests. With a
// code other than NO_ERROR or a last stream id, the request is not answered
// and the connection closes after the GOAWAY: a client retries the streams
// above the last stream id (never processed) on a new connection, and fails
// the others.
type GoAway struct {
	// Code is the error code's name (NO_ERROR, PROTOCOL_ERROR,
	// ENHANCE_YOUR_CALM, ...); "" means NO_ERROR.
	Code string `yaml:"code,omitempty"`
	// LastStreamID is the last stream id the frame says was processed; nil
	// means the highest the client has opened for a graceful GOAWAY, and 0
	// (none was processed) for the others.
	LastStreamID *uint32 `yaml:"last_stream_id,omitempty"`
}

// goAwayFields are the keys of the mapping form.
var goAwayFields = []string{"code", "last_stream_id"}

// UnmarshalYAML accepts true or {code, last_stream_id}.
func (g *GoAway) UnmarshalYAML(n *yaml.Node) error {
	switch n.Kind {
	case yaml.ScalarNode:
		var b bool
		if n.Tag != "!!bool" || n.Decode(&b) != nil || !b {
			return yamlfile.NodeError(n, "expected true (a graceful GOAWAY) or {code: ENHANCE_YOUR_CALM, last_stream_id: 0}")
		}
		*g = GoAway{}
		return nil
	case yaml.MappingNode:
		if err := unknownKey(n, goAwayFields, "a goaway"); err != nil {
			return err
		}
		type plain GoAway // without the UnmarshalYAML method
		var p plain
		if err := yamlfile.DecodeValue(n, &p); err != nil {
			return err
		}
		*g = GoAway(p)
		return nil
	}
	return yamlfile.NodeError(n, "expected true (a graceful GOAWAY) or {code: ENHANCE_YOUR_CALM, last_stream_id: 0}")
}

// MarshalYAML writes a graceful GOAWAY as true.
func (g GoAway) MarshalYAML() (any, error) {
	if g.graceful() {
		return true, nil
	}
	type plain GoAway
	return plain(g), nil
}

// graceful reports a GOAWAY after which the request is still answered.
func (g *GoAway) graceful() bool {
	return (g.Code == "" || g.Code == "NO_ERROR") && g.LastStreamID == nil
}

func init() {
	registerKind(&actionKind{
		name:    record.FaultGoAway,
		given:   func(f *FaultSpec) bool { return f.GoAway != nil },
		compile: compileGoAway,
		walk:    goAwayWalk,
		problems: func(f *FaultSpec, path string, p *problem.List) {
			if _, ok := h2ErrorCodes[f.GoAway.Code]; f.GoAway.Code != "" && !ok {
				p.Add(path+".goaway.code", "%q is not an HTTP/2 error code; give one of %s", f.GoAway.Code, h2CodeNames())
			}
			if id := f.GoAway.LastStreamID; id != nil && *id > 1<<31-1 {
				p.Add(path+".goaway.last_stream_id", "%d is over the largest stream id, 2147483647", *id)
			}
		},
	})
}

// Plan.Param of a goaway: the code in the low 16 bits (every HTTP/2 code
// is below 2^16), goAwayGiven when a last stream id is given, which is
// then in the high 32 bits, and goAwayAnswered for a graceful one, after
// which the request is answered.
const (
	goAwayGiven    = 1 << 16
	goAwayAnswered = 1 << 17
)

func compileGoAway(f *FaultSpec, a *action) {
	g := f.GoAway
	a.param = int64(h2ErrorCodes[g.Code])
	if g.LastStreamID != nil {
		a.param |= goAwayGiven | int64(*g.LastStreamID)<<32
	}
	if g.graceful() {
		a.param |= goAwayAnswered
	}
}

// goAwayOf unpacks a goaway's Plan.Param: the code, the last stream id (and
// whether one was given), and whether the request is answered.
func goAwayOf(param int64) (code, last uint32, given, answered bool) {
	return uint32(param & 0xffff), uint32(param >> 32), param&goAwayGiven != 0, param&goAwayAnswered != 0
}

// A goaway sends its GOAWAY (opGoAway); a graceful one then answers as the
// response would (opRespond), any other ends the request there.
func goAwayWalk(param int64) *walk {
	if _, _, _, answered := goAwayOf(param); answered {
		return walkOf(step{op: opGoAway}, step{op: opRespond})
	}
	return walkOf(step{op: opGoAway})
}

// goAway sends the GOAWAY on an HTTP/2 connection and, unless the request
// is answered, closes the connection after it and ends the handler with
// http.ErrAbortHandler, so that nothing else is sent on the stream. On
// HTTP/1.1 the nearest is what that protocol has: a graceful GOAWAY becomes
// "Connection: close" on the response, any other a close with no response
// (FIN).
func (x *wire) goAway(out *Delivery) {
	code, last, given, answered := goAwayOf(x.d.Param)
	c := connInfoOf(x.r)
	if x.r.ProtoMajor != 2 || c == nil || !c.frames.isH2() {
		if answered {
			x.w.Header().Set("Connection", "close")
			return
		}
		x.abort()
		return
	}
	if !given {
		last = 0
		if answered {
			last = c.frames.lastStream()
		}
	}
	c.frames.goAway(code, last, !answered)
	out.abortHandler = !answered
}

// goAway ends the request in virtual time: a graceful GOAWAY is followed by
// the response; any other ends the connection with no response, which the
// client reads as the GOAWAY's error (EndGoAway).
func (v *virtual) goAway(d *Plan) {
	if _, _, _, answered := goAwayOf(d.Param); !answered {
		v.ending = EndGoAway
	}
}
