package faultserver

import (
	"net/http"
	"strconv"
	"time"

	"github.com/chaos-harness/chaos/record"
)

// Limits protect the server from clients that are slow, stuck or hostile, so
// that none of them can exhaust it. The zero value of each field means its
// default. On a cleartext HTTP/1 connection the timeouts take effect up to
// one tick of the server's deadline watch after they pass: a tenth of the
// shortest timeout, between 1ms and 50ms (deadlines.go).
type Limits struct {
	// MaxHeaderBytes bounds the request line and headers; a larger request
	// gets 431 from net/http and is not logged. Default 64 KiB.
	MaxHeaderBytes int
	// MaxBodyBytes bounds a request body: one that declares more gets 413 at
	// once (fault overload, phase "limit"); of one of unknown length, at most
	// this much is read. Default 10 MiB.
	MaxBodyBytes int64
	// ReadHeaderTimeout disconnects a client that takes longer to send its
	// headers (slowloris). Default 30s.
	ReadHeaderTimeout time.Duration
	// BodyTimeout disconnects a client that takes longer to send its body.
	// Default 30s.
	BodyTimeout time.Duration
	// WriteTimeout disconnects a client that accepts no byte of its response
	// for this long (a slow body's pacing does not count). Default 30s.
	WriteTimeout time.Duration
	// IdleTimeout closes a keep-alive connection idle for longer. Default 2m.
	IdleTimeout time.Duration
	// MaxHeld bounds the requests held at once by a hang, a delay or a slow
	// body: each holds a connection and a goroutine. A request that would be
	// held beyond it is answered 503 at once (fault overload, phase "limit").
	// Default 10,000; negative means no limit.
	MaxHeld int
	// MaxAdminConns bounds the connections the admin API's own listener
	// (AdminOptions.Addr) holds at once: one more is answered 503 and closed
	// at once. Where the admin API shares the faults' listener it bounds the
	// admin requests served at once instead. Default 64; negative means no
	// limit.
	MaxAdminConns int
}

// Defaults of Limits.
const (
	DefaultMaxHeaderBytes    = 64 << 10
	DefaultMaxBodyBytes      = 10 << 20
	DefaultReadHeaderTimeout = 30 * time.Second
	DefaultBodyTimeout       = 30 * time.Second
	DefaultWriteTimeout      = 30 * time.Second
	DefaultIdleTimeout       = 2 * time.Minute
	DefaultMaxHeld           = 10_000
	DefaultMaxAdminConns     = 64
)

// PhaseLimit is the phase of a request the server refused to protect itself
// (Limits.MaxHeld, Limits.MaxBodyBytes), whatever its script said.
const PhaseLimit = "limit"

// withDefaults fills the zero fields.
func (l Limits) withDefaults() Limits {
	def := func(v *time.Duration, d time.Duration) {
		if *v <= 0 {
			*v = d
		}
	}
	if l.MaxHeaderBytes <= 0 {
		l.MaxHeaderBytes = DefaultMaxHeaderBytes
	}
	if l.MaxBodyBytes <= 0 {
		l.MaxBodyBytes = DefaultMaxBodyBytes
	}
	def(&l.ReadHeaderTimeout, DefaultReadHeaderTimeout)
	def(&l.BodyTimeout, DefaultBodyTimeout)
	def(&l.WriteTimeout, DefaultWriteTimeout)
	def(&l.IdleTimeout, DefaultIdleTimeout)
	if l.MaxHeld == 0 {
		l.MaxHeld = DefaultMaxHeld
	}
	if l.MaxAdminConns == 0 {
		l.MaxAdminConns = DefaultMaxAdminConns
	}
	return l
}

// httpServer is a net/http server with the limits of the connection: the
// faults' listener and the admin API's own both get it.
func (l *Limits) httpServer(h http.Handler) *http.Server {
	return &http.Server{Handler: h, ReadHeaderTimeout: l.ReadHeaderTimeout,
		IdleTimeout: l.IdleTimeout, MaxHeaderBytes: l.MaxHeaderBytes}
}

// HTTPServer is a net/http server for h with the limits of the connection
// (header size, header and idle timeouts), defaults filled: what Start
// serves on, for a caller that serves a Server's Handler on a listener of
// its own. The body and write timeouts are applied by the handler itself.
func (l Limits) HTTPServer(h http.Handler) *http.Server {
	filled := l.withDefaults()
	return filled.httpServer(h)
}

// holds reports whether playing a plan out holds its request for a while:
// its delay, or its kind's own holding (see action.holding).
func holds(d *Plan) bool { return d.Delay > 0 || d.holding }

// hold takes one of the MaxHeld slots; false when all are taken.
func (s *Server) hold() bool {
	if s.limits.MaxHeld < 0 {
		s.held.Add(1)
		return true
	}
	if s.held.Add(1) > int64(s.limits.MaxHeld) {
		s.held.Add(-1)
		return false
	}
	return true
}

// refusal is the decision for a request the server refuses to protect itself:
// status at once, with a body that says which limit and what to do.
func refusal(route string, status int, why string) Plan {
	return Plan{Route: route, Phase: PhaseLimit, Kind: record.FaultOverload, Status: status,
		Body: []byte("chaos: " + why + "\n")}
}

func heldRefusal(route string, limit int) Plan {
	return refusal(route, http.StatusServiceUnavailable, strconv.Itoa(limit)+
		" requests are held already (hangs, delays, slow bodies), the server's limit (Limits.MaxHeld, --max-held); try again later")
}

func bodyRefusal(size, limit int64) Plan {
	return refusal("", http.StatusRequestEntityTooLarge, "a request body of "+strconv.FormatInt(size, 10)+
		" bytes is over the server's limit of "+strconv.FormatInt(limit, 10)+" (Limits.MaxBodyBytes)")
}
