package faultserver

import "time"

// Ending is how the connection of a played-out request ended, as a client
// that waited for it all reads it.
type Ending uint8

// Endings.
const (
	EndResponse  Ending = iota // a response: whole, or a slow body cut short when the client left
	EndClosed                  // closed with no response, or with its body cut short: EOF
	EndReset                   // TCP RST: connection reset by peer
	EndMalformed               // bytes that are not HTTP

	// Endings of the faults before the request and of HTTP/2 (issue 15).
	EndBadCert     // a TLS certificate the client refuses
	EndStreamReset // the HTTP/2 stream reset (RST_STREAM)
	EndGoAway      // an HTTP/2 GOAWAY, and the connection closed, with no response
)

// VirtualPlayout is a plan played out in virtual time: the steps the wire
// performs on a real connection, with holds that advance a clock instead of
// waiting (and a slow body's chunks taken at once, bodyAtOnce), so that the
// simulator reads exactly what the server would do and when.
type VirtualPlayout struct {
	// Delivery is what reached the client: the status line sent, the body
	// bytes written, and whether a response begun was cut short. Its
	// Retry-After wait is not set: it depends on the date the simulator
	// gives to HeaderAt (see RetryAfterHeader).
	Delivery
	// HeaderAt is when the status line was sent (the fault began): after
	// the delay.
	HeaderAt time.Duration
	// End is when the server was done with the request: it answered,
	// closed, or saw the client go.
	End time.Duration
	// Left is true when the client went away (its deadline passed) before
	// the server was done; Ending then tells what the server did next.
	Left bool
	// Ending is how the connection ended.
	Ending Ending
}

// Abandoned reports whether the client went away before anything was sent,
// as during the delay: the server then commits no row operation.
func (v *VirtualPlayout) Abandoned() bool { return v.Left && v.Status == 0 }

// PlayVirtual plays d out in virtual time for a request that arrived at
// arrived (on any clock), from a client that goes away at deadline (0:
// never); head says the request was a HEAD. A row operation is not
// committed here: the simulator commits it when its virtual time comes,
// through the request's Ticket, and the response's status and body are then
// the committed ones.
func PlayVirtual(d *Plan, arrived, deadline time.Duration, head bool) VirtualPlayout {
	v := virtual{now: arrived, deadline: deadline, head: head}
	p := newPlayout(d, &v.out, head, false) // the simulator's requests carry no body to read
	for ok := true; ; {
		st := p.next(ok)
		ok = true
		switch st.op {
		case opDone:
			return VirtualPlayout{Delivery: v.out, HeaderAt: arrived + d.Delay, End: v.now, Left: v.left, Ending: v.ending}
		case opHold, opHang:
			ok = v.hold(st.wait)
		case opAbort:
			v.ending = EndClosed
		case opReset:
			v.reset()
		case opRaw:
			v.raw()
		case opRespond, opRespondRow:
			v.respond(d)
		case opBegin:
			v.begin(d)
			p.bodyAtOnce(&v)
		case opTruncate:
			v.truncate(d)
		case opBeginStream:
			v.begin(d)
		case opPace:
			ok = v.pace(st.wait)
		case opBadCert:
			v.badCert()
		case opRSTStream:
			v.rstStream()
		case opGoAway:
			v.goAway(d)
		}
	}
}

// virtual is the virtual-time medium of a playout.
type virtual struct {
	now      time.Duration // the medium's clock
	deadline time.Duration // the client goes away; 0: never
	begun    time.Duration // a slow body began
	head     bool
	left     bool
	ending   Ending
	out      Delivery
}

// hold advances the clock by d, unless the client goes away first: the
// clock then stops at its deadline (or stays, if that is past) and hold
// reports false, as the wire's wait does when the client's context ends.
func (v *virtual) hold(d time.Duration) bool {
	d = max(d, 0)
	if v.deadline > 0 && v.now+d > v.deadline {
		v.now = max(v.deadline, v.now)
		v.left = true
		return false
	}
	v.now += d
	return true
}

// respondHeader sends the status line and headers.
func (v *virtual) respondHeader(d *Plan) { v.out.Status = d.Status }

// respond sends a whole response: the status line and the body (none for a
// HEAD).
func (v *virtual) respond(d *Plan) {
	v.respondHeader(d)
	if !v.head {
		v.out.BodyBytes = int64(len(d.Body))
	}
}
