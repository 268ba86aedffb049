package scenarios

import (
	"bytes"
	"context"
	"fmt"
	"net/http"
	"strconv"
	"strings"
	"sync/atomic"
	"time"

	"google.golang.org/grpc"
	"google.golang.org/grpc/backoff"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/credentials/insecure"
	"google.golang.org/grpc/metadata"
	"google.golang.org/grpc/status"

	"github.com/chaos-harness/chaos/faultserver"
	"github.com/chaos-harness/chaos/grpcfault"
	"github.com/chaos-harness/chaos/record"
	"github.com/chaos-harness/chaos/resilience"
	"github.com/chaos-harness/chaos/resilience/retryafter"
)

// The live engine under server.protocol: grpc. The server is a
// grpcfault.Server serving the scenario's script with the run's seed and
// clock on 127.0.0.1; each client is a grpc-go ClientConn of its own
// (cleartext, grpc-go's own retries off: the scenario's policy does the
// retrying), whose calls go through the client's policy by
// resilience.DoRequest. Each attempt carries x-chaos-client,
// x-chaos-request and x-chaos-attempt as metadata, and is reported to the
// policy as the HTTP status that stands for the code the server ended it
// with (faultserver.GRPCHTTPStatus), with grpc-retry-pushback-ms as its
// Retry-After in milliseconds (retryafter.Millis). A call no status ended
// (a reset, a GOAWAY, a cut transport) is reported by its error, which
// resilience.Classify reads as it reads an HTTP client's.

// runLiveGRPC is runLive for a gRPC scenario.
func runLiveGRPC(ctx context.Context, s *Scenario, pol Policy, seed uint64, sink func(*record.Record) error, prog *progress) (PolicyRun, error) {
	serverClock := newScaledClock(s.Clients.Scale(), time.Now())
	var log bytes.Buffer
	srv, err := grpcfault.NewStarted(&s.Server, grpcfault.Options{Seed: seed, Log: &log, Clock: serverClock})
	if err != nil {
		return PolicyRun{}, err
	}
	lr := &liveRun{s: s, pol: pol, cfg: effectiveConfig(pol.Config, s.Clients), seed: seed, url: "grpc://" + srv.Addr(),
		clock: serverClock.from(srv.StartedAt()), progress: prog, grpcAddr: srv.Addr()}
	runErr := lr.runClients(ctx)
	for _, c := range lr.clients {
		if c != nil && c.conn != nil {
			_ = c.conn.Close()
		}
	}
	if err := srv.Close(); err != nil && runErr == nil {
		runErr = fmt.Errorf("the gRPC fault server's log: %w", err)
	}
	run, err := lr.finish(&log, sink) // as runLive: what was logged reaches the sink even when the run stopped
	if runErr != nil {
		if err != nil {
			return PolicyRun{}, fmt.Errorf("%w (and its Records were not all kept: %v)", runErr, err)
		}
		return PolicyRun{}, runErr
	}
	return run, err
}

// dialGRPC gives the client its ClientConn to addr. The reconnect backoff
// is short: a fault that ends the connection (reset, close, hang) sends the
// channel idle, and its next call must reach the server, not fail fast on
// a channel still backing off.
func (c *liveClient) dialGRPC(addr string) error {
	conn, err := grpc.NewClient("passthrough:///"+addr,
		grpc.WithTransportCredentials(insecure.NewCredentials()),
		grpc.WithDisableRetry(),
		grpc.WithConnectParams(grpc.ConnectParams{
			Backoff:           backoff.Config{BaseDelay: 10 * time.Millisecond, Multiplier: 1.6, MaxDelay: 100 * time.Millisecond},
			MinConnectTimeout: 5 * time.Second,
		}),
		grpc.WithDefaultCallOptions(grpc.ForceCodec(grpcfault.RawCodec{})))
	c.conn = conn
	return err
}

// callGRPC makes logical request `request` as a gRPC call of clients.path,
// through the client's policy.
func (c *liveClient) callGRPC(ctx context.Context, lr *liveRun, request string) error {
	cl := lr.s.Clients
	md := metadata.MD{}
	for name, v := range cl.Headers {
		md.Set(strings.ToLower(name), v)
	}
	md.Set(grpcfault.MDClient, c.key)
	md.Set(grpcfault.MDRequest, request)
	body := []byte(cl.Body)
	var attempts atomic.Int64 // numbers the attempts, hedges included, as the policy does
	meta := resilience.RequestMeta{Method: http.MethodPost, Idempotent: true, Key: http.MethodPost + " " + cl.Path}
	_, err := resilience.DoRequest(ctx, c.policy, meta, func(actx context.Context) (struct{}, error) {
		amd := md.Copy()
		amd.Set(grpcfault.MDAttempt, strconv.FormatInt(attempts.Add(1), 10))
		var reply []byte
		var trailer metadata.MD
		err := c.conn.Invoke(metadata.NewOutgoingContext(actx, amd), cl.Path, &body, &reply, grpc.Trailer(&trailer))
		return struct{}{}, grpcAttemptError(err, trailer)
	}, nil)
	if ctxErr := ctx.Err(); ctxErr != nil {
		return ctxErr
	}
	_ = err // a failed call is an outcome of the run, told by Observe to the ledger
	return nil
}

// transportCut is the failure of a call whose transport a fault cut, by
// what grpc-go says of it (its status is UNAVAILABLE, its message the
// transport's error): a refused dial as resilience.ErrRefused, a reset as
// resilience.ErrReset, a connection that ended (EOF, a GOAWAY then the
// close) as resilience.ErrEOF, bytes that are not HTTP/2 as
// resilience.ErrMalformed, so that a policy's `on: [reset]`, `[eof]` or
// `[network]` reads it as over HTTP, and a run whose server is gone stops.
// Anything else (the attempt's own deadline or cancel, among them) is err.
func transportCut(err error, st *status.Status) error {
	msg := st.Message()
	switch {
	case st.Code() != codes.Unavailable:
		return err
	case strings.Contains(msg, "connection refused"):
		return fmt.Errorf("%w (%v)", resilience.ErrRefused, err) // the server is gone: the run stops (unreachable)
	case strings.Contains(msg, "connection reset by peer"):
		return fmt.Errorf("%w (%v)", resilience.ErrReset, err)
	case strings.Contains(msg, "EOF"), strings.Contains(msg, "goaway"), strings.Contains(msg, "closing transport"):
		return fmt.Errorf("%w (%v)", resilience.ErrEOF, err)
	case strings.Contains(msg, "error reading from server: http2:"):
		return fmt.Errorf("%w (%v)", resilience.ErrMalformed, err) // bytes that are not HTTP/2 ("frame too large")
	}
	return err
}

// grpcAttemptError is what the policy is told of an attempt that ended
// with err and trailer: nil for OK; for a status the server sent (its
// trailer carries x-chaos-phase) a *resilience.StatusError with the HTTP
// status that stands for the code and the pushback as its RetryAfter;
// otherwise err itself (no status was sent: the transport was cut, or the
// attempt's context ended it).
func grpcAttemptError(err error, trailer metadata.MD) error {
	if err == nil {
		return nil
	}
	st, ok := status.FromError(err)
	if !ok {
		return err
	}
	if len(trailer.Get(grpcfault.MDPhase)) == 0 || int(st.Code()) >= len(faultserver.GRPCCodes) {
		return transportCut(err, st)
	}
	se := &resilience.StatusError{Code: faultserver.GRPCHTTPStatus(faultserver.GRPCCodes[st.Code()])}
	if v := trailer.Get(grpcfault.MDPushback); len(v) > 0 {
		if ms, perr := strconv.ParseInt(v[0], 10, 64); perr == nil && ms >= 0 {
			se.RetryAfter = retryafter.Millis(time.Duration(ms) * time.Millisecond)
		}
	}
	return se
}
