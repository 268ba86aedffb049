package scenarios

import (
	"bytes"
	"cmp"
	"context"
	"fmt"
	"math/rand/v2"
	"net/http"
	"slices"
	"strconv"
	"sync"
	"sync/atomic"
	"time"

	"github.com/chaos-harness/chaos/faultserver"
	"github.com/chaos-harness/chaos/record"
	"github.com/chaos-harness/chaos/resilience"
)

// Layers in the live engine (issue 14): each layer below the server the
// fleet calls is a fault server of its own on loopback, and the server
// above it forwards every request it serves (no fault, or only a delay) to
// it through the layer's client policy, a resilience.Transport
// (faultserver.Options.UpstreamTransport), answering with the downstream's
// response when the call succeeded and with fail_status when it gave up,
// as in the simulator (sim_layers.go). A call carries the caller's layer as
// its client ("layer0" for the fleet's server) and a request id of its own
// per call ("layer0/7"), as the simulator's Records do. Where the two
// differ: a successful call answers with the downstream's status and body
// (a proxy), not the layer's own; and a layer's Record takes its outcome
// from what its caller's transport saw of the attempt, before the policy
// reads the body.

// liveLayer is one layer below the fleet's server in a live run.
type liveLayer struct {
	depth  int
	srv    *faultserver.Server
	log    bytes.Buffer
	url    string
	caller string          // the client key of the layer above ("layer0" for the fleet's server)
	conns  *http.Transport // the connections its caller sends on
	calls  atomic.Int64
	// seen is what the caller's transport saw of each attempt, by request
	// id and attempt number, on the run's clock.
	mu   sync.Mutex
	seen map[attemptKey]layerSeen
}

// layerSeen is one attempt at a layer as its caller saw it.
type layerSeen struct {
	outcome        string
	sent, received time.Time
}

// liveLayers are a live run's layers, top (depth 1) first.
type liveLayers struct {
	layers []*liveLayer
	// transport is what the fleet's server calls layer 1 through.
	transport http.RoundTripper
}

// startLiveLayers starts the layers below s's server, bottom first, each
// forwarding to the one below it, for the fleet policy named fleet.
func startLiveLayers(s *Scenario, fleet string, seed uint64, clock *scaledClock) (*liveLayers, error) {
	var ds []*Downstream
	for d := s.Downstream; d != nil; d = d.Next {
		ds = append(ds, d)
	}
	out := &liveLayers{layers: make([]*liveLayer, len(ds))}
	var below http.RoundTripper // what the layer being built calls the next one through
	var belowURL string
	for i := len(ds) - 1; i >= 0; i-- {
		d, depth := ds[i], i+1
		l := &liveLayer{depth: depth, caller: layerName(depth - 1), seen: map[attemptKey]layerSeen{}}
		// The layer's script is seeded as the simulator seeds it.
		opts := faultserver.Options{Seed: seed ^ uint64(depth)*streamLayer, Log: &l.log, Admin: faultserver.AdminOptions{Off: true},
			Clock: clock, Upstream: belowURL, UpstreamTransport: below}
		if d.Server.Protocol == faultserver.ProtocolGRPC {
			out.close()
			return nil, fmt.Errorf("server.downstream layer %d: %w", depth, errLayersGRPC)
		}
		id, err := d.Server.ServeOptions(&opts) // the layer's protocol and TLS
		if err != nil {
			out.close()
			return nil, fmt.Errorf("server.downstream layer %d: %w", depth, err)
		}
		l.conns = liveTransport(&d.Server, id)
		srv, err := faultserver.New(&d.Server, opts)
		if err != nil {
			out.close()
			return nil, fmt.Errorf("server.downstream layer %d: %w", depth, err)
		}
		if l.url, err = srv.Start(); err != nil {
			out.close()
			return nil, fmt.Errorf("server.downstream layer %d: %w", depth, err)
		}
		l.srv = srv
		out.layers[i] = l
		finish, err := finishesAbandoned(s, ds, i-1)
		if err != nil {
			out.close()
			return nil, err
		}
		if below, err = newLayerCaller(l, d, fleet, seed, clock, finish); err != nil {
			out.close()
			return nil, err
		}
		belowURL = l.url
	}
	out.transport = below
	return out, nil
}

// finishesAbandoned says whether the server at index i of ds (-1: the
// fleet's server) finishes the work of a client that left: its calls below
// then go on after the request above it was given up.
func finishesAbandoned(s *Scenario, ds []*Downstream, i int) (bool, error) {
	spec := &s.Server
	if i >= 0 {
		spec = &ds[i].Server
	}
	script, err := faultserver.Compile(spec, 0)
	if err != nil {
		return false, err
	}
	return script.FinishesAbandoned(), nil
}

// close stops every layer that was started; nil has none.
func (ls *liveLayers) close() error {
	if ls == nil {
		return nil
	}
	var first error
	for _, l := range ls.layers {
		if l != nil && l.srv != nil {
			l.conns.CloseIdleConnections()
			if err := l.srv.Close(); err != nil && first == nil {
				first = fmt.Errorf("server.downstream layer %d's log: %w", l.depth, err)
			}
		}
	}
	return first
}

// records are the layers' Records on the fleet's server's clock (its start,
// top, is t_ms 0), each with its layer, the fleet policy and what its caller
// saw of it.
func (ls *liveLayers) records(top time.Time, policy string) ([]record.Record, error) {
	var out []record.Record
	for _, l := range ls.layers {
		shift := float64(l.srv.StartedAt().Sub(top)) / float64(time.Millisecond)
		err := record.Read(&l.log, func(r record.Record) error {
			r.TMs += shift
			r.Layer, r.Policy = l.depth, policy
			r.UpstreamStatus = 0 // the call below is the next layer's Record
			l.mu.Lock()
			seen, found := l.seen[attemptKeyOf(&r)]
			l.mu.Unlock()
			if found {
				r.Outcome = seen.outcome
				r.SentMs = new(record.Millis(seen.sent.Sub(top)))
				r.ReceivedMs = new(record.Millis(seen.received.Sub(top)))
			}
			out = append(out, r)
			return nil
		})
		if err != nil {
			return nil, fmt.Errorf("reading server.downstream layer %d's log: %w", l.depth, err)
		}
	}
	slices.SortStableFunc(out, func(a, b record.Record) int { return cmp.Compare(a.TMs, b.TMs) })
	return out, nil
}

// layerCaller is how the server above a layer calls it: one policy for all
// its calls, each call numbered and named after the caller.
type layerCaller struct {
	layer     *liveLayer
	transport *resilience.Transport
	announce  string // X-Chaos-Timeout for the layer's server: the policy's attempt timeout in ms, or ""
	finish    bool   // the caller finishes abandoned work: its calls outlive the request above
}

func newLayerCaller(l *liveLayer, d *Downstream, fleet string, seed uint64, clock *scaledClock, finish bool) (*layerCaller, error) {
	cfg := d.PolicyOf(fleet)
	p, err := resilience.New(cfg, resilience.WithRand(rand.New(rand.NewPCG(seed^streamLayer, uint64(l.depth)))), resilience.WithClock(clock))
	if err != nil {
		return nil, fmt.Errorf("server.downstream layer %d's policy: %w", l.depth, err)
	}
	lc := &layerCaller{layer: l, finish: finish}
	base := &layerAttempts{layer: l, clock: clock, base: l.conns}
	lc.transport = &resilience.Transport{Policy: p, Base: base, ReadBody: true}
	if cfg.Fallback == nil || cfg.Fallback.Static == nil {
		// A call that gave up answers fail_status, as the simulator's
		// layers do; a policy's own static response takes its place.
		status := d.FailStatus
		lc.transport.Fallback = func(req *http.Request, _ error) (*http.Response, error) {
			return &http.Response{Status: strconv.Itoa(status) + " " + http.StatusText(status), StatusCode: status,
				Proto: "HTTP/1.1", ProtoMajor: 1, ProtoMinor: 1, Header: http.Header{}, Body: http.NoBody, Request: req}, nil
		}
	}
	if cfg.Timeout != nil && cfg.Timeout.Attempt > 0 {
		lc.announce = strconv.FormatFloat(float64(cfg.Timeout.Attempt)/float64(time.Millisecond), 'f', -1, 64)
	}
	return lc, nil
}

// RoundTrip makes one call to the layer: the request the server above
// forwards, as its own client and request.
func (lc *layerCaller) RoundTrip(req *http.Request) (*http.Response, error) {
	ctx := req.Context()
	if lc.finish {
		ctx = context.WithoutCancel(ctx) // the work goes on for nobody, bounded by the policy
	}
	out := req.Clone(ctx)
	n := lc.layer.calls.Add(1)
	out.Header.Set(record.HeaderClient, lc.layer.caller)
	out.Header.Set(record.HeaderRequest, lc.layer.caller+"/"+strconv.FormatInt(n, 10))
	out.Header.Del(record.HeaderAttempt)
	out.Header.Del(record.HeaderTimeout)
	if lc.announce != "" {
		out.Header.Set(record.HeaderTimeout, lc.announce)
	}
	return lc.transport.RoundTrip(out)
}

// layerAttempts sends a layer's attempts and keeps what became of each.
type layerAttempts struct {
	layer *liveLayer
	clock *scaledClock
	base  http.RoundTripper
}

func (a *layerAttempts) RoundTrip(req *http.Request) (*http.Response, error) {
	sent := a.clock.Now()
	resp, err := a.base.RoundTrip(req)
	outcome := record.OutcomeOK
	switch {
	case err != nil:
		kind, _ := resilience.Classify(err)
		outcome = kind.RecordOutcome()
	case resp.StatusCode >= 400:
		outcome = record.OutcomeStatus
	}
	attempt, _ := strconv.Atoi(req.Header.Get(record.HeaderAttempt))
	k := attemptKey{request: req.Header.Get(record.HeaderRequest), attempt: attempt}
	a.layer.mu.Lock()
	a.layer.seen[k] = layerSeen{outcome: outcome, sent: sent, received: a.clock.Now()}
	a.layer.mu.Unlock()
	return resp, err
}
