package faultserver

import (
	"context"
	"crypto/tls"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/http/httputil"
	"os"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/chaos-harness/chaos/record"
	"github.com/gorilla/mux"
)

// Options configure a Server. The zero value is a server on 127.0.0.1 at a
// free port, seed 0, with no log file, the admin API on the same listener
// without a token, and no upstream.
type Options struct {
	// Seed seeds the script's random streams (used by New; a Script passed to
	// NewScripted keeps its own).
	Seed uint64
	// Addr is where Start listens; "" means 127.0.0.1:0 (a free port).
	Addr string
	// Log, when set, receives every Record as a JSON line (arrivals.jsonl).
	// Lines are in the order requests completed; t_ms gives the order they
	// were accepted. It is flushed every 200ms and on Close. Each write is of
	// whole lines; after a failed write (a full disk) nothing more is written,
	// the error goes to OnLogError at once and Close returns it, and Stats
	// counts the Records dropped.
	Log io.Writer
	// OnLogError, when set, is called once, at the first failed write to Log.
	OnLogError func(error)
	// LogSync makes Log durable against a crash of the process or the
	// machine, when Log can be synced (an *os.File: fsync). 0 syncs only on
	// Close, so a SIGKILL loses the Records of the last 200ms (and a machine
	// crash what the OS had not written back); LogSyncEachLine writes and
	// syncs each Record before its response is sent, so an answered request
	// is on storage (a slow body, which is sent while it is performed, is
	// logged after); a positive duration writes and syncs every that often,
	// losing at most that span.
	LogSync time.Duration
	// LogLimit is how many Records are kept in memory for Records and the
	// admin log; 0 means DefaultLogLimit. Older ones are dropped from memory
	// (never from Log).
	LogLimit int
	// LogMemory bounds the bytes of the Records kept in memory as well; 0
	// means DefaultLogMemory.
	LogMemory int64
	// Admin places the admin API and the metrics.
	Admin AdminOptions
	// Upstream, when set, is a URL that requests drawing no fault (or only a
	// delay) are forwarded to, so faults sit in front of a real service.
	Upstream string
	// UpstreamTransport sends the requests forwarded to Upstream; nil means
	// the proxy's own (see upstreamTransport). A layered scenario's live
	// engine passes the next layer's client policy here (a
	// resilience.Transport).
	UpstreamTransport http.RoundTripper
	// Limits protect the server from slow, stuck and hostile clients.
	Limits Limits
	// Clock is the time of the script and of the performance of faults (see
	// Clock); nil means the real clock. A harness that compresses time
	// passes a scaled clock, and the server's times (t_ms, latencies, phase
	// durations, delays, Retry-After dates) are then in its terms.
	Clock Clock

	// One clock across servers (chaos serve --log): with LogHeader, Start
	// writes a record.LogHeader as Log's first line: the wall-clock time of
	// t_ms 0 (read from Clock, so meaningful with the real one), Server, and
	// a fresh run id. Server names the server there; "" means the host name
	// and the listening address ("host/127.0.0.1:8080").
	LogHeader bool
	Server    string
	// TLS and HTTP/2 (issue 15; tlsaccept.go).
	// TLS, when set, serves HTTPS with this configuration; NextProtos empty
	// offers h2 and http/1.1 by ALPN. NewTLSIdentity makes one.
	TLS *tls.Config
	// H2C serves cleartext HTTP/2 with prior knowledge (a connection that
	// begins with the HTTP/2 preface) beside HTTP/1.1.
	H2C bool
	// MaxConcurrentStreams is the SETTINGS_MAX_CONCURRENT_STREAMS every
	// HTTP/2 connection announces; 0 means net/http's default, 250.
	MaxConcurrentStreams uint32

	// Live fleets across hosts (issue 18; barrier.go).
	// FleetShards, when positive, makes the admin API hold a barrier for
	// that many client shards (POST /_chaos/barrier).
	FleetShards int
}

// AdminOptions place the admin API (/_chaos/...) and the Prometheus metrics
// (/metrics, also /_chaos/metrics).
type AdminOptions struct {
	// Off disables both.
	Off bool
	// Addr gives them a listener of their own; "" means the server's listener.
	Addr string
	// Token, when set, is required as "Authorization: Bearer TOKEN".
	Token string
	// Insecure lets Start serve the admin API without a Token on an address
	// other than loopback, which it otherwise refuses.
	Insecure bool
}

// LogSyncEachLine is the Options.LogSync that writes and syncs every Record
// to storage as it is logged.
const LogSyncEachLine time.Duration = -1

// Server is a scripted fault server: it decides each request with its Script
// and performs the decision on the real connection. Start it, point clients
// at URL, read Records, Close it.
type Server struct {
	opts    Options
	limits  Limits // opts.Limits with the defaults filled
	state   atomic.Pointer[scriptState]
	start   time.Time
	log     *arrivalLog
	metrics *metrics
	proxy   *httputil.ReverseProxy
	handler http.Handler // faults (and admin, when it shares the listener)
	admin   http.Handler // admin and metrics
	lastKey keyCache     // the key of the last client without X-Chaos-Client
	conns   connCounter  // numbers the connections (Record.Conn)

	closing   <-chan struct{} // closed by Close: held requests end at once
	stop      context.CancelFunc
	ctx       context.Context // done when Close begins
	inFlight  atomic.Int64
	hung      atomic.Int64
	held      atomic.Int64 // requests holding a MaxHeld slot
	mu        sync.Mutex   // guards closed and the listeners
	closed    bool
	handlers  requestGate // the requests in; Close waits for them
	httpSrv   *http.Server
	adminSrv  *http.Server
	url       string
	adminURL  string
	closeErr  error
	closeOnce sync.Once

	// connInfos holds the connInfo of a cleartext connection from its
	// accept until ConnContext takes it (TLS and h2c ones carry theirs).
	connInfos sync.Map
	// listener is the faults' listener, which Close closes itself: net/http
	// closes only a listener its Serve has begun with.
	listener *acceptListener

	// barrier is the live fleet's barrier (Options.FleetShards; barrier.go).
	barrier fleetBarrier

	// watch keeps the deadlines of the cleartext connections (deadlines.go);
	// set by Start.
	watch *deadlineWatch
}

// scriptState is the script in force and when it began (since server start):
// the script's elapsed time is the server's minus epoch.
type scriptState struct {
	script *Script
	epoch  time.Duration
	// fleetPolicy labels the Records of the requests accepted under this
	// state (a fleet barrier's start; barrier.go); "" otherwise.
	fleetPolicy string
}

// New compiles spec with opts.Seed and builds a server (not yet listening).
func New(spec *Spec, opts Options) (*Server, error) {
	script, err := Compile(spec, opts.Seed)
	if err != nil {
		return nil, err
	}
	return NewScripted(script, opts)
}

// NewStarted is New followed by Start: a fault server listening on a free
// loopback port in one line, as httptest.NewServer is.
func NewStarted(spec *Spec, opts Options) (*Server, error) {
	s, err := New(spec, opts)
	if err != nil {
		return nil, err
	}
	if _, err := s.Start(); err != nil {
		_ = s.Close()
		return nil, err
	}
	return s, nil
}

// NewScripted builds a server (not yet listening) around a compiled script.
func NewScripted(script *Script, opts Options) (*Server, error) {
	if script == nil {
		return nil, errors.New("faultserver: no script")
	}
	if opts.LogSync < 0 && opts.LogSync != LogSyncEachLine {
		return nil, fmt.Errorf("faultserver: LogSync %v: give LogSyncEachLine, a positive interval or 0", opts.LogSync)
	}
	s := &Server{
		opts:    opts,
		limits:  opts.Limits.withDefaults(),
		barrier: fleetBarrier{shards: max(0, opts.FleetShards)},
		log:     newArrivalLog(opts.LogLimit, opts.LogMemory, opts.Log, opts.OnLogError, opts.LogSync),
	}
	s.start = s.now()
	s.metrics = newMetrics(func() float64 { return float64(s.inFlight.Load()) })
	s.ctx, s.stop = context.WithCancel(context.Background())
	s.closing = s.ctx.Done()
	s.state.Store(&scriptState{script: script})
	if opts.Upstream != "" {
		p, err := newProxy(opts.Upstream, opts.UpstreamTransport)
		if err != nil {
			_ = s.log.close()
			return nil, err
		}
		s.proxy = p
	}
	if err := s.checkUpstream(script); err != nil {
		_ = s.log.close()
		return nil, err
	}
	s.routers()
	return s, nil
}

// routers builds the gorilla/mux routers: the admin API and metrics, and the
// fault handler for every other path.
func (s *Server) routers() {
	router := mux.NewRouter().SkipClean(true) // serve paths exactly as sent
	router.PathPrefix("/").HandlerFunc(s.serveFault)
	faults := faultRoute{serve: s.serveFault, router: router}
	s.handler = faults
	if s.opts.Admin.Off {
		return
	}
	admin := mux.NewRouter().SkipClean(true)
	s.adminRoutes(admin)
	s.admin = s.boundAdmin(admin)
	if s.opts.Admin.Addr == "" {
		s.handler = withAdmin{admin: s.admin, faults: faults}
	}
}

// faultRoute serves the fault requests. A path that begins with "/", which
// the router's one route, PathPrefix("/"), matches, goes to serve directly:
// mux's regular expression and its two copies of the request (for mux.Vars
// and mux.CurrentRoute, which the fault path never reads) cost about a third
// of the handler's time. Any other path (the "*" of OPTIONS *, the authority
// of a CONNECT) goes to the router, which answers it 404 as before.
type faultRoute struct {
	serve  http.HandlerFunc
	router *mux.Router
}

func (f faultRoute) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	if strings.HasPrefix(r.URL.Path, "/") {
		f.serve(w, r)
		return
	}
	f.router.ServeHTTP(w, r)
}

// withAdmin serves the admin API and metrics on the faults' listener. It
// picks the admin paths out itself, exactly as mux's PathPrefix(adminPrefix)
// and Path("/metrics") on the unescaped path would, so that a fault request
// reaches the fault router without first failing to match two routes'
// regular expressions: the fault router is a single catch-all route, as a
// plain mux server's is.
type withAdmin struct{ admin, faults http.Handler }

func (h withAdmin) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	if p := r.URL.Path; strings.HasPrefix(p, adminPrefix) || p == "/metrics" {
		h.admin.ServeHTTP(w, r)
		return
	}
	h.faults.ServeHTTP(w, r)
}

// Handler is the server's handler, for mounting in another server; Start is
// the usual way to serve it.
func (s *Server) Handler() http.Handler { return s.handler }

// Start listens on Options.Addr (default 127.0.0.1:0) and serves in the
// background; it returns the base URL, such as http://127.0.0.1:40123. The
// clock of Records and time phases starts now.
func (s *Server) Start() (string, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.closed || s.httpSrv != nil {
		return "", errors.New("faultserver: Start called twice or after Close")
	}
	if s.admin != nil {
		addr := s.opts.Admin.Addr
		if addr == "" {
			addr = orLoopback(s.opts.Addr)
		}
		if err := s.opts.Admin.checkBind(addr); err != nil {
			return "", err
		}
	}
	raw, err := listen(s.opts.Addr)
	if err != nil {
		return "", err
	}
	if s.opts.TLS != nil && len(s.opts.TLS.NextProtos) == 0 {
		s.opts.TLS = s.opts.TLS.Clone()
		s.opts.TLS.NextProtos = alpnProtocols
	}
	ln := newAcceptListener(raw)
	s.listener = ln
	var adminLn net.Listener
	if s.admin != nil && s.opts.Admin.Addr != "" {
		if adminLn, err = listen(s.opts.Admin.Addr); err != nil {
			_ = ln.Close()
			return "", fmt.Errorf("admin: %w", err)
		}
		adminLn = &adminListener{Listener: adminLn, limit: int64(s.limits.MaxAdminConns)}
	}
	s.start = s.now()
	if s.opts.LogHeader {
		name := s.opts.Server
		if name == "" {
			host, _ := os.Hostname()
			name = host + "/" + ln.Addr().String()
		}
		s.log.header(record.LogHeader{EpochUnixMs: float64(s.start.UnixNano()) / 1e6, Server: name, ServerRun: newRunID()})
	}
	s.httpSrv = s.limits.httpServer(s.handler)
	s.httpSrv.ConnContext = s.ConnContext
	s.httpSrv.Protocols = s.serverProtocols()
	if s.opts.MaxConcurrentStreams > 0 {
		s.httpSrv.HTTP2 = &http.HTTP2Config{MaxConcurrentStreams: int(s.opts.MaxConcurrentStreams)}
	}
	s.url = s.scheme() + "://" + ln.Addr().String()
	s.watch = newDeadlineWatch(watchTick(s.limits))
	go ln.run(s)
	go func() { _ = s.httpSrv.Serve(ln) }()
	s.adminURL = s.url
	if adminLn != nil {
		s.adminSrv = s.limits.httpServer(s.admin)
		s.adminURL = "http://" + adminLn.Addr().String()
		go func() { _ = s.adminSrv.Serve(adminLn) }()
	}
	return s.url, nil
}

// orLoopback is the listen address, a free loopback port when empty.
func orLoopback(addr string) string {
	if addr == "" {
		return "127.0.0.1:0"
	}
	return addr
}

func listen(addr string) (net.Listener, error) {
	addr = orLoopback(addr)
	ln, err := net.Listen(listenNetwork(addr), addr)
	if err != nil {
		return nil, fmt.Errorf("listen on %s: %w", addr, err)
	}
	return ln, nil
}

// listenNetwork is "tcp4" for an IPv4 address, so that 0.0.0.0 listens on
// (and URL reports) 0.0.0.0, not the dual-stack [::] that "tcp" gives it;
// "tcp" for anything else.
func listenNetwork(addr string) string {
	host, _, err := net.SplitHostPort(addr)
	if ip := net.ParseIP(host); err == nil && ip != nil && ip.To4() != nil {
		return "tcp4"
	}
	return "tcp"
}

// URL is the base URL Start returned ("" before Start).
func (s *Server) URL() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.url
}

// AdminURL is the base URL of the admin API: URL unless it has its own
// address; "" when it is off or before Start.
func (s *Server) AdminURL() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.admin == nil {
		return ""
	}
	return s.adminURL
}

// StartedAt is the origin of every Record's t_ms: when Start began serving
// (before Start, when the server was built), read from Options.Clock. From
// the real clock it carries the monotonic reading, so a harness that times
// its clients from it shares the Records' clock.
func (s *Server) StartedAt() time.Time { return s.start }

// elapsed is the time since the server started, on its clock (monotonic,
// for the real one). On the real clock it is time.Since, which reads the
// monotonic clock alone when start carries a monotonic reading (as
// time.Now's do): half the cost of time.Now, which reads the wall clock
// too (about 25 against 47 ns on the 2-core bench machine), for the same
// duration.
func (s *Server) elapsed() time.Duration {
	if s.opts.Clock == nil {
		return time.Since(s.start)
	}
	return s.opts.Clock.Now().Sub(s.start)
}

// Script is the script in force.
func (s *Server) Script() *Script { return s.state.Load().script }

// Replace puts script in force from now on: its phases begin now. Requests in
// flight finish as their old script decided; each request is decided by
// exactly one script.
func (s *Server) Replace(script *Script) {
	s.state.Store(&scriptState{script: script, epoch: s.elapsed()})
}

// Reset starts the script in force again from its first phase, with fresh
// client, capacity and row state, and its clock at zero.
func (s *Server) Reset() error {
	fresh, err := s.Script().Fresh()
	if err != nil {
		return err
	}
	s.Replace(fresh)
	return nil
}

// Records returns the Records kept in memory (the last Options.LogLimit), in
// the order the requests completed.
func (s *Server) Records() []record.Record {
	recs, _, _ := s.log.since(0, 0)
	return recs
}

// Stats returns the counters of the requests completed so far.
func (s *Server) Stats() Stats {
	st := s.metrics.stats()
	st.InFlight = s.inFlight.Load()
	st.Hung = s.hung.Load()
	st.Held = s.held.Load()
	var logErr error
	_, st.LogDropped, logErr = s.log.status()
	if logErr != nil {
		st.LogError = logErr.Error()
	}
	st.ElapsedMs = record.Millis(s.elapsed())
	return st
}

// proxyTransport is the proxy's own transport, when it has one (not
// Options.UpstreamTransport).
func (s *Server) proxyTransport() (*http.Transport, bool) {
	if s.proxy == nil || s.opts.UpstreamTransport != nil {
		return nil, false
	}
	t, ok := s.proxy.Transport.(*http.Transport)
	return t, ok
}

// Close stops the server: it stops accepting, releases every held request
// (hangs, delays, slow bodies) at once, waits for every request to complete
// and be logged, and flushes the log. It returns the log's write error, if
// any.
func (s *Server) Close() error {
	s.closeOnce.Do(func() {
		s.mu.Lock()
		s.closed = true
		s.handlers.close()
		s.stop()
		httpSrv, adminSrv, ln := s.httpSrv, s.adminSrv, s.listener
		s.mu.Unlock()
		if ln != nil {
			_ = ln.Close()
		}
		if httpSrv != nil {
			_ = httpSrv.Close()
		}
		if adminSrv != nil {
			_ = adminSrv.Close()
		}
		s.handlers.Wait()
		if t, ok := s.proxyTransport(); ok {
			t.CloseIdleConnections() // the proxy's own pool (an UpstreamTransport is the caller's)
		}
		if s.watch != nil {
			s.watch.close() // every connection is closed by now
		}
		s.closeErr = s.log.close()
	})
	return s.closeErr
}

// enter counts a request in, unless the server is closing; Done counts it
// out.
func (s *Server) enter() bool { return s.handlers.enter() }

// requestGate counts the requests in and lets Close wait for them to be
// out, in one atomic word that every request moves twice (a shared lock and
// a WaitGroup moved four): its top bit is set once the gate closes, after
// which no request gets in, and the rest counts the requests in.
type requestGate struct {
	state   atomic.Int64
	once    sync.Once
	drained chan struct{} // closed when the gate is closed and the last request is out
	init    sync.Once
}

const gateClosed = 1 << 62

func (g *requestGate) ch() chan struct{} {
	g.init.Do(func() { g.drained = make(chan struct{}) })
	return g.drained
}

// enter counts a request in and reports true, or false once the gate is
// closed.
func (g *requestGate) enter() bool {
	if g.state.Add(1)&gateClosed != 0 {
		g.Done()
		return false
	}
	return true
}

// Done counts a request out.
func (g *requestGate) Done() {
	if g.state.Add(-1) == gateClosed {
		g.once.Do(func() { close(g.ch()) })
	}
}

// close lets no request in from now on.
func (g *requestGate) close() {
	if g.state.Add(gateClosed) == gateClosed { // none in
		g.once.Do(func() { close(g.ch()) })
	}
}

// Wait waits, after close, until every request is out.
func (g *requestGate) Wait() { <-g.ch() }

// serveFault decides a request and performs the decision.
func (s *Server) serveFault(w http.ResponseWriter, r *http.Request) {
	accepted := s.elapsed()
	if !s.enter() {
		http.Error(w, "chaos: server closing", http.StatusServiceUnavailable)
		return
	}
	defer s.handlers.Done()
	s.inFlight.Add(1) // until finish

	// A script put in force after this request was accepted still decides
	// it, at its own time zero.
	st := s.state.Load()
	x := wire{srv: s, w: w, r: r, script: st.script, info: s.requestInfo(r)}
	x.info.FleetPolicy = st.fleetPolicy
	if s.opts.Clock == nil {
		x.acceptedAt = s.start.Add(accepted) // the reading elapsed took
	}
	if r.ContentLength > s.limits.MaxBodyBytes {
		x.d = bodyRefusal(r.ContentLength, s.limits.MaxBodyBytes)
		out := x.refuseBody()
		s.finish(accepted, s.elapsed(), &x.info, &x.d, &out)
		return
	}
	at := max(0, accepted-st.epoch)
	x.info.Deadline = deadlineOf(r, at)
	x.d, x.ticket = st.script.Admit(at, &x.info)
	x.d.pastHandshake()
	held := holds(&x.d)
	if held && !s.hold() {
		x.d, held = heldRefusal(x.d.Route, s.limits.MaxHeld), false
	}
	out := x.perform()
	ended := s.elapsed() // one reading of the clock for the script and the Record
	if held {
		s.held.Add(-1)
	}
	end := max(0, ended-st.epoch)
	if rest := st.script.abandonedRest(&x.d, at, end); rest > 0 {
		s.endLater(x.ticket, rest, end+rest) // service.abandoned: finish
		x.ticket = Ticket{}
	}
	x.ticket.End(end)
	s.finish(accepted, ended, &x.info, &x.d, &out)
	if out.abortHandler {
		panic(http.ErrAbortHandler) // cut the connection now that the Record is logged
	}
}

// finish logs and counts a request accepted at accepted that ended at ended
// (both since server start), with what was delivered.
func (s *Server) finish(accepted, ended time.Duration, info *RequestInfo, d *Plan, out *Delivery) {
	// The request leaves the in-flight count and enters the stats before its
	// Record is logged, so whoever sees the Record sees Stats with it over.
	s.inFlight.Add(-1)
	rec := NewRecord(accepted, ended, info, d, out)
	s.metrics.observe(&rec) // the metrics and Stats
	s.log.add(&rec)
}
