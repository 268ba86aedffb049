package scenarios

import (
	"bytes"
	"cmp"
	"context"
	"errors"
	"fmt"
	"io"
	"math/rand/v2"
	"net/http"
	"slices"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"time"

	"google.golang.org/grpc"

	"github.com/chaos-harness/chaos/faultserver"
	"github.com/chaos-harness/chaos/record"
	"github.com/chaos-harness/chaos/resilience"
)

// runLive runs one policy's fleet over real HTTP: the fault server in-process
// on 127.0.0.1:0, one goroutine per client, each sending its requests through
// its own resilience Transport (so its breaker, budget and limiter are its
// own). The server and the clients run on one clock on which scenario time
// passes 1/clients.time_scale times as fast as real time, so every duration
// (the script's and the policy's) is compressed alike and the Records read
// in scenario time like the sim engine's. The run stops when every client has
// made its requests, each of which is bounded by its policy.
func runLive(ctx context.Context, s *Scenario, pol Policy, seed uint64, sink func(*record.Record) error, prog *progress) (PolicyRun, error) {
	if grpcScenario(s) {
		return runLiveGRPC(ctx, s, pol, seed, sink, prog) // server.protocol: grpc (live_grpc.go)
	}
	serverClock := newScaledClock(s.Clients.Scale(), time.Now())
	var log bytes.Buffer
	opts := faultserver.Options{Seed: seed, Log: &log, Admin: faultserver.AdminOptions{Off: true}, Clock: serverClock}
	id, err := s.Server.ServeOptions(&opts) // server.protocol, server.tls
	if err != nil {
		return PolicyRun{}, err
	}
	var layers *liveLayers
	if s.Downstream != nil {
		if layers, err = startLiveLayers(s, pol.Name, seed, serverClock); err != nil {
			return PolicyRun{}, err
		}
		opts.Upstream, opts.UpstreamTransport = layers.layers[0].url, layers.transport
	}
	srv, err := faultserver.New(&s.Server, opts)
	if err != nil {
		return PolicyRun{}, errors.Join(err, layers.close())
	}
	url, err := srv.Start()
	if err != nil {
		return PolicyRun{}, errors.Join(err, layers.close())
	}
	if liveServerStarted != nil {
		liveServerStarted(srv)
	}
	lr := &liveRun{s: s, pol: pol, cfg: effectiveConfig(pol.Config, s.Clients), seed: seed, url: url,
		clock: serverClock.from(srv.StartedAt()), progress: prog, started: srv.StartedAt()} // the clients' scenario time is the Records' t_ms
	lr.transport, lr.layers = liveTransport(&s.Server, id), layers
	lr.rowWrites = writesRow(s, s.Clients.HTTPMethod(), s.Clients.RequestPath())
	runErr := lr.runClients(ctx)
	lr.transport.CloseIdleConnections()
	if err := srv.Close(); err != nil && runErr == nil {
		runErr = fmt.Errorf("the fault server's log: %w", err)
	}
	if err := layers.close(); err != nil && runErr == nil {
		runErr = err
	}
	if runErr != nil {
		// The run stopped (a limit, an interrupt, an unreachable server):
		// what the server logged until then still reaches the sink, so
		// arrivals.jsonl keeps every attempt that was made.
		if _, err := lr.finish(&log, sink); err != nil {
			return PolicyRun{}, fmt.Errorf("%w (and its Records were not all kept: %v)", runErr, err)
		}
		return PolicyRun{}, runErr
	}
	return lr.finish(&log, sink)
}

// liveServerStarted, when set (by tests), is given each live run's fault
// server as soon as it listens.
var liveServerStarted func(*faultserver.Server)

// liveRun is one policy's live run.
type liveRun struct {
	s         *Scenario
	pol       Policy
	cfg       resilience.Config
	seed      uint64
	url       string
	clock     *scaledClock
	transport *http.Transport
	rowWrites bool
	progress  *progress
	// grpcAddr is the gRPC fault server's address (server.protocol: grpc,
	// live_grpc.go); "" over HTTP.
	grpcAddr string

	stop    context.CancelCauseFunc // stops every client, with the reason
	clients []*liveClient
	mu      sync.Mutex // serializes the clients' events into the ledger
	ledger  *runLedger

	// fleet, when set, runs only its clients (live_fleet.go).
	fleet *FleetShard
	// layers are the servers below the fleet's (server.downstream,
	// live_layers.go); nil for a single server.
	layers  *liveLayers
	started time.Time // the fleet's server's start, on the server clock
}

// runClients runs the fleet until every client is done, or until the first
// failure stops them all; it returns that failure's cause (a client's error,
// an unreachable server, the caller's cancellation or a run limit).
func (lr *liveRun) runClients(ctx context.Context) error {
	ctx, cancel := context.WithCancelCause(ctx)
	defer cancel(nil)
	lr.stop = cancel
	lr.ledger = newRunLedger(lr.s, lr.pol.Name, lr.progress)
	var starts []time.Duration
	if lr.s.Clients.Open != nil {
		starts = make([]time.Duration, lr.s.Clients.ClientCount()) // each starts at 0, its calls at their arrivals
	} else {
		starts = fleetStarts(lr.s.Clients, rand.New(rand.NewPCG(lr.seed, streamStarts)))
	}
	lr.clients = make([]*liveClient, len(starts))
	var wg sync.WaitGroup
	for i, at := range starts {
		if !lr.fleet.owns(i) {
			continue
		}
		c, err := lr.newClient(i)
		if err != nil {
			cancel(err)
			break
		}
		lr.clients[i] = c
		wg.Add(1)
		go func() {
			defer wg.Done()
			loop := lr.clientLoop
			if lr.s.Clients.Open != nil {
				loop = lr.openLoop
			}
			if err := loop(ctx, c, at); err != nil {
				cancel(err)
			}
		}()
	}
	wg.Wait()
	return context.Cause(ctx)
}

func (lr *liveRun) newClient(i int) (*liveClient, error) {
	c := &liveClient{key: "c" + strconv.Itoa(i+1), outcomes: map[attemptKey]attemptSeen{}, run: lr,
		open: lr.s.Clients.Open != nil, number: i}
	rng := rand.New(rand.NewPCG(lr.seed^streamPolicy, uint64(i)))
	p, err := resilience.New(lr.cfg, resilience.WithRand(rng), resilience.WithClock(lr.clock), resilience.WithObserver(c),
		resilience.WithReplaceUntil(replaceBefore(lr.s)))
	if err != nil {
		return nil, err
	}
	c.policy = p
	if lr.grpcAddr != "" {
		return c, c.dialGRPC(lr.grpcAddr) // a ClientConn of its own (live_grpc.go)
	}
	var base http.RoundTripper = lr.transport
	if lr.rowWrites {
		base = &rowTransport{base: lr.transport}
	}
	c.policy = p
	c.client = &http.Client{Transport: &resilience.Transport{Policy: p, Base: base, ReadBody: true}}
	return c, nil
}

// clientLoop is one client: wait for its start, then make its logical
// requests one after another with its think time between them.
func (lr *liveRun) clientLoop(ctx context.Context, c *liveClient, start time.Duration) error {
	cl := lr.s.Clients
	if err := lr.clock.sleepUntil(ctx, start); err != nil {
		return err
	}
	for n := 1; n <= cl.RequestsPerClient(); n++ {
		if n > 1 {
			if err := lr.clock.Sleep(ctx, cl.ThinkTime()); err != nil {
				return err
			}
		}
		if err := c.call(ctx, lr, n); err != nil {
			return err
		}
	}
	if b := c.policy.Breaker(); b != nil {
		until := b.OpenUntil(lr.clock.Now()) // outside the lock: it may report a transition
		lr.mu.Lock()
		lr.ledger.clientDone(&c.ledger, until)
		lr.mu.Unlock()
	}
	return nil
}

// finish joins the server's Records with what the clients saw, logs them in
// the ledger and hands them to the sink in acceptance order.
func (lr *liveRun) finish(log *bytes.Buffer, sink func(*record.Record) error) (PolicyRun, error) {
	var recs []record.Record
	err := record.Read(log, func(r record.Record) error {
		if lr.rowWrites && r.Method == http.MethodGet {
			return nil // a row read: free in the contention model
		}
		r.Policy = lr.pol.Name
		recs = append(recs, r)
		return nil
	})
	if err != nil {
		return PolicyRun{}, fmt.Errorf("reading the fault server's log: %w", err)
	}
	slices.SortStableFunc(recs, func(a, b record.Record) int { return cmp.Compare(a.TMs, b.TMs) })
	var below []record.Record // the layers' Records, which the fleet's ledger does not see
	if lr.layers != nil {
		if below, err = lr.layers.records(lr.started, lr.pol.Name); err != nil {
			return PolicyRun{}, err
		}
		for i := range recs {
			recs[i].UpstreamStatus = 0 // the call below is layer 1's Record
		}
	}
	byKey := map[string]*liveClient{}
	for _, c := range lr.clients {
		if c != nil {
			byKey[c.key] = c
		}
	}
	for i := range recs {
		r := &recs[i]
		if c := byKey[r.Client]; c != nil {
			if seen, found := c.outcomes[attemptKeyOf(r)]; found {
				r.Outcome = seen.outcome
				r.SentMs, r.ReceivedMs = new(record.Millis(seen.sent)), new(record.Millis(seen.received))
			}
		}
		// The layers' Records go to the sink among the fleet's, by t_ms.
		for len(below) > 0 && below[0].TMs < r.TMs {
			if err := sinkRecord(sink, &below[0]); err != nil {
				return PolicyRun{}, err
			}
			below = below[1:]
		}
		if err := sinkRecord(sink, r); err != nil {
			return PolicyRun{}, err
		}
	}
	for i := range below {
		if err := sinkRecord(sink, &below[i]); err != nil {
			return PolicyRun{}, err
		}
	}
	lr.logRecords(recs, byKey)
	return lr.ledger.policyRun(), nil
}

// sinkRecord hands r to sink, if there is one.
func sinkRecord(sink func(*record.Record) error, r *record.Record) error {
	if sink == nil {
		return nil
	}
	return sink(r)
}

// logRecords logs the server's Records in the ledger, each client's in the
// order of its logical requests, as the ledger takes them: an attempt the
// server read late, after its client had given up on it, may have been
// accepted after the client's next request.
func (lr *liveRun) logRecords(recs []record.Record, byKey map[string]*liveClient) {
	type logged struct {
		r       *record.Record
		client  *clientLedger
		logical int32
	}
	unknown := &clientLedger{} // a client the run does not know: its Records count, its requests not
	all := make([]logged, len(recs))
	for i := range recs {
		r := &recs[i]
		all[i] = logged{r: r, client: unknown}
		if c := byKey[r.Client]; c != nil {
			all[i].client, all[i].logical = &c.ledger, requestNumber(r.Request)
		}
	}
	slices.SortStableFunc(all, func(a, b logged) int {
		return cmp.Or(cmp.Compare(a.r.Client, b.r.Client), cmp.Compare(a.logical, b.logical))
	})
	for _, l := range all {
		lr.ledger.logged(l.client, l.logical, time.Duration(l.r.TMs*float64(time.Millisecond)), l.r.Route, l.r.Phase)
	}
}

// requestNumber is the number of a live client's logical request: what
// follows the last "/" of its id (c17/3); 0 when there is none.
func requestNumber(request string) int32 {
	n := 0
	if i := strings.LastIndexByte(request, '/'); i >= 0 {
		n, _ = strconv.Atoi(request[i+1:])
	}
	return int32(n)
}

// attemptKey names an attempt of a client: its logical request and number.
type attemptKey struct {
	request string
	attempt int
}

func attemptKeyOf(r *record.Record) attemptKey {
	return attemptKey{request: r.Request, attempt: r.Attempt}
}

// liveClient is one client of the live fleet, with its own policy. The policy
// tells it, through Observe, what became of each attempt and each call.
type liveClient struct {
	key    string
	policy *resilience.Policy
	client *http.Client
	run    *liveRun

	// open says its calls overlap (clients.open), each on a goroutine of its
	// own: its events then cannot be told apart by call, and Observe keeps
	// no outcomes (its Records go without them). number is its index.
	open   bool
	number int

	// Written by Observe, on the client's own goroutine (closed loop only).
	request  string
	outcomes map[attemptKey]attemptSeen
	sentAt   []time.Duration // when each attempt of the request was sent, in scenario time (hedges overlap)
	ledger   clientLedger    // what the run's ledger keeps of it

	// conn is its gRPC connection (server.protocol: grpc, live_grpc.go).
	conn *grpc.ClientConn
}

// call makes logical request n: one http.Client.Do through the Transport.
func (c *liveClient) call(ctx context.Context, lr *liveRun, n int) error {
	cl := lr.s.Clients
	request := c.key + "/" + strconv.Itoa(n)
	if !c.open {
		c.request = request
	}
	if c.conn != nil {
		return c.callGRPC(ctx, lr, request)
	}
	req, err := http.NewRequestWithContext(ctx, cl.HTTPMethod(), lr.url+cl.RequestPath(), bodyReader(cl.Body))
	if err != nil {
		return err
	}
	for name, v := range cl.Headers {
		req.Header.Set(name, v)
	}
	req.Header.Set(record.HeaderClient, c.key)
	req.Header.Set(record.HeaderRequest, request)
	if t := lr.announcedTimeout(); t != "" {
		req.Header.Set(record.HeaderTimeout, t)
	}
	resp, err := c.client.Do(req)
	if resp != nil {
		_ = resp.Body.Close()
	}
	if ctxErr := ctx.Err(); ctxErr != nil {
		return ctxErr
	}
	_ = err // a failed call is an outcome of the run, told by Observe to the ledger
	return nil
}

func bodyReader(body string) io.Reader {
	if body == "" {
		return nil // not a nil *strings.Reader, which net/http would send
	}
	return strings.NewReader(body)
}

// Observe keeps each attempt's outcome, for its Record, and hands the event
// to the run's ledger; the policy calls it on the client's goroutine.
func (c *liveClient) Observe(e resilience.Event) {
	if c.open {
		c.run.mu.Lock()
		c.run.ledger.event(&c.ledger, &e)
		c.run.mu.Unlock()
		return
	}
	switch e.Kind {
	case resilience.EventAttempt:
		if e.Attempt == 1 {
			c.sentAt = c.sentAt[:0]
		}
		c.sentAt = append(c.sentAt, e.At.Sub(simEpoch))
	case resilience.EventHedgeWasted:
		c.saw(e, resilience.ClassCanceled.RecordOutcome()) // a loser, cancelled now (as the sim engine logs it)
	case resilience.EventAttemptFailed:
		c.saw(e, e.Outcome.RecordOutcome())
		if why := unreachable(e); why != "" {
			c.run.stop(fmt.Errorf("%w at %s (%v): %s, so the run is stopped", ErrUnreachable, c.run.url, e.Err, why))
		}
	case resilience.EventSuccess, resilience.EventReplace: // a replaced late answer is a success too
		c.saw(e, record.OutcomeOK)
	}
	c.run.mu.Lock()
	c.run.ledger.event(&c.ledger, &e)
	c.run.mu.Unlock()
}

// saw keeps what became of attempt e.Attempt: its outcome, when it was
// sent and when the client had the outcome (e.At), all on the run clock.
func (c *liveClient) saw(e resilience.Event, outcome string) {
	var sent time.Duration
	if i := e.Attempt - 1; i >= 0 && i < len(c.sentAt) {
		sent = c.sentAt[i]
	}
	c.outcomes[attemptKey{c.request, e.Attempt}] = attemptSeen{outcome: outcome, sent: sent, received: e.At.Sub(simEpoch)}
}

// attemptSeen is an attempt as its client saw it, joined into the server's
// Record of it.
type attemptSeen struct {
	outcome        string // a Record Outcome constant
	sent, received time.Duration
}

// ErrUnreachable is the cause of a live run stopped because its clients could
// not connect to the fault server.
var ErrUnreachable = errors.New("the clients cannot reach the fault server")

// unreachable says why a failed attempt could not connect at all, or "" if it
// could. The fault server listens on loopback and injects its faults only
// after it has accepted a connection, so a refused connection means the
// server is gone, never a scripted fault.
func unreachable(e resilience.Event) string {
	switch {
	case errors.Is(e.Err, syscall.EMFILE) || errors.Is(e.Err, syscall.ENFILE):
		// Checked first: a dial that cannot open a socket is classed as
		// refused, but the server never saw it.
		return "the clients could not open a socket: this process is out of file descriptors (too many open files); raise the limit (ulimit -n) or run fewer clients"
	case e.Outcome == resilience.ClassRefused:
		return "it stopped accepting connections"
	case errors.Is(e.Err, syscall.EADDRNOTAVAIL):
		return "no local port is left to connect from (too many recent connections): run fewer clients or attempts"
	}
	return ""
}
