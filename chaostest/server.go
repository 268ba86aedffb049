package chaostest

import (
	"cmp"
	"io"
	"net/http"
	"slices"
	"time"

	"github.com/chaos-harness/chaos/analysis"
	"github.com/chaos-harness/chaos/faultserver"
	"github.com/chaos-harness/chaos/record"
)

// Script is what NewServer accepts as a server script: YAML text (a bare
// script, or a whole scenario file whose `server:` section is taken), or a
// faultserver.Spec.
type Script interface {
	string | []byte | faultserver.Spec | *faultserver.Spec
}

// Server is a fault server on a free loopback port that closes itself when
// the test ends.
type Server struct {
	// URL is the base URL, such as http://127.0.0.1:40123.
	URL string
	fs  *faultserver.Server

	// TLS and HTTP/2 (issue 15; server_tls.go).
	// id is the identity of a TLS server, nil for a cleartext one.
	id *faultserver.TLSIdentity
	// client is what Client returns.
	client *http.Client
}

// Option adjusts the server's faultserver.Options.
type Option func(*faultserver.Options)

// WithSeed seeds the script's random streams (mixes, delay distributions).
// The default seed is 1.
func WithSeed(seed uint64) Option { return func(o *faultserver.Options) { o.Seed = seed } }

// WithLog streams every Record to w as a JSON line (arrivals.jsonl), for
// `chaos analyze` or a CI artifact.
func WithLog(w io.Writer) Option { return func(o *faultserver.Options) { o.Log = w } }

// NewServer starts a fault server running script on 127.0.0.1 at a free port
// and registers its Close with t.Cleanup. A script that does not parse or
// validate fails the test at once, with the problems by line and field.
func NewServer[S Script](t TB, script S, opts ...Option) *Server {
	t.Helper()
	spec, o, ok := options(t, script, opts)
	if !ok {
		return nil
	}
	return start(t, spec, o)
}

// options reads the script and applies opts over the defaults; a script
// that does not parse fails the test.
func options[S Script](t TB, script S, opts []Option) (*faultserver.Spec, faultserver.Options, bool) {
	t.Helper()
	spec, err := specOf(script)
	if err != nil {
		t.Fatalf("chaostest: %v", err)
		return nil, faultserver.Options{}, false
	}
	o := faultserver.Options{Seed: 1}
	for _, opt := range opts {
		opt(&o)
	}
	return spec, o, true
}

// start starts a server with options o and registers its Close.
func start(t TB, spec *faultserver.Spec, o faultserver.Options) *Server {
	t.Helper()
	fs, err := faultserver.NewStarted(spec, o)
	if err != nil {
		t.Fatalf("chaostest: start the fault server: %v", err)
		return nil
	}
	s := &Server{URL: fs.URL(), fs: fs, client: http.DefaultClient}
	t.Cleanup(func() {
		if err := s.Close(); err != nil {
			t.Errorf("chaostest: close the fault server: %v", err)
		}
	})
	return s
}

func specOf[S Script](script S) (*faultserver.Spec, error) {
	var text []byte
	switch v := any(script).(type) {
	case faultserver.Spec:
		return &v, nil
	case *faultserver.Spec:
		if v == nil {
			return &faultserver.Spec{}, nil
		}
		return v, nil
	case string:
		text = []byte(v)
	case []byte:
		text = v
	}
	spec, _, err := faultserver.ParseScript("script", text)
	return spec, err
}

// Records returns the Records of every request so far, in the order the
// server accepted them. It first lets the requests in flight finish (for at
// most settleLimit), so a Record is never missed because the client saw the
// end of its response a moment before the server logged it.
func (s *Server) Records() []record.Record {
	deadline := time.Now().Add(settleLimit)
	for s.fs.Stats().InFlight > 0 && time.Now().Before(deadline) {
		time.Sleep(settlePoll)
	}
	recs := s.fs.Records()
	slices.SortStableFunc(recs, func(a, b record.Record) int { return cmp.Compare(a.TMs, b.TMs) })
	return recs
}

const (
	settleLimit = 2 * time.Second
	settlePoll  = 2 * time.Millisecond
)

// Result analyses the Records as `chaos analyze` would, pooled into one
// fleet named "client".
func (s *Server) Result() (analysis.Result, error) { return analyse(s.Records()) }

// Faultserver is the server underneath, for what chaostest does not wrap:
// Replace, Reset, Stats, Handler.
func (s *Server) Faultserver() *faultserver.Server { return s.fs }

// Close stops the server (NewServer's cleanup does it at the end of the test):
// held requests are released and every Record is logged and flushed.
func (s *Server) Close() error { return s.fs.Close() }
