package grpcfault

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"sync"
	"sync/atomic"
	"time"

	"google.golang.org/grpc"

	"github.com/chaos-harness/chaos/faultserver"
	"github.com/chaos-harness/chaos/record"
)

// Options configure a Server; each field means what the field of its name
// in faultserver.Options means, for calls instead of requests. The zero
// value is a server on 127.0.0.1 at a free port, seed 0, with no log file.
type Options struct {
	Seed uint64
	Addr string // "" means 127.0.0.1:0
	// Log receives every Record as a JSON line, in the order the calls
	// completed, at least every 200ms and on Close.
	Log        io.Writer
	OnLogError func(error)
	LogSync    time.Duration // faultserver.LogSyncEachLine, an interval, or 0
	LogLimit   int           // Records kept for Records; 0 means faultserver.DefaultLogLimit
	Clock      faultserver.Clock
}

// logFlushEvery is the longest a Record waits before it is written to Log.
const logFlushEvery = 200 * time.Millisecond

// Server is a scripted gRPC fault server. Start it, point gRPC clients at
// Addr, read Records, Close it.
type Server struct {
	opts   Options
	script *faultserver.Script
	start  time.Time
	ln     net.Listener
	addr   string
	conns  atomic.Uint64 // numbers the connections (Record.Conn)

	ctx     context.Context // done when Close begins: held calls end at once
	stop    context.CancelFunc
	mu      sync.Mutex // guards closed, servers and recs
	closed  bool
	servers map[*grpc.Server]struct{}
	calls   sync.WaitGroup // calls in flight, and the accept loop
	recs    []record.Record
	ncalls  int64 // calls logged
	log     *record.Writer

	closeOnce sync.Once
	closeErr  error
}

// New compiles spec with opts.Seed and builds a server (not yet listening).
func New(spec *faultserver.Spec, opts Options) (*Server, error) {
	script, err := faultserver.Compile(spec, opts.Seed)
	if err != nil {
		return nil, err
	}
	return NewScripted(script, opts)
}

// NewStarted is New followed by Start.
func NewStarted(spec *faultserver.Spec, opts Options) (*Server, error) {
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
func NewScripted(script *faultserver.Script, opts Options) (*Server, error) {
	if script == nil {
		return nil, errors.New("grpcfault: no script")
	}
	if opts.LogLimit <= 0 {
		opts.LogLimit = faultserver.DefaultLogLimit
	}
	s := &Server{opts: opts, script: script, servers: map[*grpc.Server]struct{}{}}
	s.ctx, s.stop = context.WithCancel(context.Background())
	if opts.Log != nil {
		s.log = record.NewWriter(opts.Log, record.WriterOptions{FlushEvery: logFlushEvery, OnError: opts.OnLogError,
			SyncEvery: max(0, opts.LogSync), SyncEachLine: opts.LogSync == faultserver.LogSyncEachLine})
	}
	s.start = s.now()
	return s, nil
}

// Start listens on Options.Addr (default 127.0.0.1:0) and serves in the
// background; it returns the address, HOST:PORT. The clock of Records and
// time phases starts now.
func (s *Server) Start() (string, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.closed || s.ln != nil {
		return "", errors.New("grpcfault: Start called twice or after Close")
	}
	addr := s.opts.Addr
	if addr == "" {
		addr = "127.0.0.1:0"
	}
	ln, err := net.Listen("tcp", addr)
	if err != nil {
		return "", fmt.Errorf("listen on %s: %w", addr, err)
	}
	s.ln, s.addr = ln, ln.Addr().String()
	s.start = s.now()
	s.calls.Add(1)
	go s.accept(ln)
	return s.addr, nil
}

// Addr is the address Start returned ("" before Start).
func (s *Server) Addr() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.addr
}

// Script is the script the server decides by.
func (s *Server) Script() *faultserver.Script { return s.script }

// StartedAt is the origin of every Record's t_ms, read from Options.Clock.
func (s *Server) StartedAt() time.Time { return s.start }

// accept serves every connection with a grpc.Server of its own, until the
// listener closes.
func (s *Server) accept(ln net.Listener) {
	defer s.calls.Done()
	for {
		nc, err := ln.Accept()
		if err != nil {
			return
		}
		c := newConn(nc, s.conns.Add(1))
		gs := grpc.NewServer(
			grpc.ForceServerCodec(RawCodec{}),
			grpc.UnknownServiceHandler(func(_ any, stream grpc.ServerStream) error { return s.serveCall(c, stream) }),
		)
		c.server = gs
		s.mu.Lock()
		if s.closed {
			s.mu.Unlock()
			_ = nc.Close()
			return
		}
		s.servers[gs] = struct{}{}
		s.mu.Unlock()
		go func() { _ = gs.Serve(newOneConn(c)) }()
		go func() { // the connection's server goes with it
			<-c.closed
			gs.Stop()
			s.mu.Lock()
			delete(s.servers, gs)
			s.mu.Unlock()
		}()
	}
}

// Close stops the server: it stops accepting, releases every held call at
// once, closes every connection, waits for every call to be logged and
// flushes the log, whose write error it returns.
func (s *Server) Close() error {
	s.closeOnce.Do(func() {
		s.mu.Lock()
		s.closed = true
		s.stop()
		ln := s.ln
		servers := make([]*grpc.Server, 0, len(s.servers))
		for gs := range s.servers {
			servers = append(servers, gs)
		}
		s.mu.Unlock()
		if ln != nil {
			_ = ln.Close()
		}
		for _, gs := range servers {
			gs.Stop()
		}
		s.calls.Wait()
		if s.log != nil {
			s.closeErr = s.log.Close()
		}
	})
	return s.closeErr
}

// enter counts a call in, unless the server is closing.
func (s *Server) enter() bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.closed {
		return false
	}
	s.calls.Add(1)
	return true
}

// add logs a Record and keeps it in memory.
func (s *Server) add(rec record.Record) {
	if s.log != nil {
		_ = s.log.Write(&rec) // a failed log is reported by OnLogError and Close
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	s.ncalls++
	if len(s.recs) == 2*s.opts.LogLimit { // drop the older half at once, not one a call
		s.recs = append(s.recs[:0], s.recs[s.opts.LogLimit:]...)
	}
	s.recs = append(s.recs, rec)
}

// Records returns the Records kept in memory (the last Options.LogLimit), in
// the order the calls completed.
func (s *Server) Records() []record.Record {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]record.Record(nil), s.recs[max(0, len(s.recs)-s.opts.LogLimit):]...)
}

// Calls is how many calls have been logged.
func (s *Server) Calls() int64 {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.ncalls
}

// LogStatus is how many Records reached Log and were dropped after it
// failed, and its error.
func (s *Server) LogStatus() (written, dropped int64, err error) {
	if s.log == nil {
		return 0, 0, nil
	}
	return s.log.Status()
}

// now reads the server's clock.
func (s *Server) now() time.Time {
	if s.opts.Clock == nil {
		return time.Now()
	}
	return s.opts.Clock.Now()
}

// elapsed is the time since the server started, on its clock.
func (s *Server) elapsed() time.Duration { return s.now().Sub(s.start) }

// hold waits d on the server's clock and reports false when done (the call
// ended: the client's deadline, a cancel, a closed transport) or the
// server's closing came first.
func (s *Server) hold(done <-chan struct{}, d time.Duration) bool {
	return faultserver.Sleep(s.opts.Clock, d, done, s.ctx.Done())
}
