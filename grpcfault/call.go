package grpcfault

import (
	"context"
	"errors"
	"io"
	"net"
	"net/http"
	"strconv"
	"strings"
	"time"

	"google.golang.org/grpc"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/metadata"
	"google.golang.org/grpc/status"

	"github.com/chaos-harness/chaos/faultserver"
	"github.com/chaos-harness/chaos/record"
)

// Metadata keys the server reads and writes: the X-Chaos-* headers in
// gRPC's lower case, and grpc-go's own. Exported for its clients (the live
// engine's gRPC fleet).
var (
	MDClient  = strings.ToLower(record.HeaderClient)
	MDRequest = strings.ToLower(record.HeaderRequest)
	MDAttempt = strings.ToLower(record.HeaderAttempt)
	MDVersion = strings.ToLower(record.HeaderVersion)
	MDFault   = strings.ToLower(record.HeaderFault)
	MDPhase   = strings.ToLower(record.HeaderPhase)
)

const (
	// MDPreviousAttempts is what grpc-go sends on a retry or a hedge: how
	// many attempts of the call came before this one (gRFC A6).
	MDPreviousAttempts = "grpc-previous-rpc-attempts"
	// MDPushback is the trailer that asks a retrying client to wait this
	// many milliseconds (gRFC A6).
	MDPushback = "grpc-retry-pushback-ms"
)

// goAwayWait bounds the wait for grpc-go's GOAWAY to be written before a
// close fault closes the transport anyway.
const goAwayWait = time.Second

// errTransportCut is what the handler returns for a call whose connection
// a fault ended; no status reaches the client.
var errTransportCut = status.Error(codes.Unavailable, "chaos: the transport was cut by a fault")

// codeOf turns a name of faultserver.GRPCCodes into its code.
var codeOf = func() map[string]codes.Code {
	m := make(map[string]codes.Code, len(faultserver.GRPCCodes))
	for i, name := range faultserver.GRPCCodes {
		m[name] = codes.Code(i)
	}
	return m
}()

// serveCall decides one call attempt on connection c, plays it out and
// logs its Record.
func (s *Server) serveCall(c *conn, stream grpc.ServerStream) error {
	accepted := s.elapsed()
	if !s.enter() {
		return status.Error(codes.Unavailable, "chaos: server closing")
	}
	defer s.calls.Done()
	method, _ := grpc.MethodFromServerStream(stream)
	info := s.requestInfo(c, stream.Context(), method)
	d, ticket := s.script.Admit(accepted, &info)
	var out faultserver.Delivery
	code, err := s.perform(c, stream, &d, &ticket, &info, &out)
	ended := s.elapsed()
	ticket.End(ended)
	rec := faultserver.NewRecord(accepted, ended, &info, &d, &out)
	rec.GRPCCode = code
	s.add(rec)
	return err
}

// requestInfo reads what a decision may depend on from a call: its full
// method as the path (POST, as gRPC's HTTP/2 request is), its metadata as
// headers, and the identity. Without x-chaos-client the client is keyed by
// remote IP and user-agent, as over HTTP; the attempt is
// grpc-previous-rpc-attempts + 1 where grpc-go sends it (its retries and
// hedges), else x-chaos-attempt, else 0 (unknown).
func (s *Server) requestInfo(c *conn, ctx context.Context, method string) faultserver.RequestInfo {
	md, _ := metadata.FromIncomingContext(ctx)
	h := make(http.Header, len(md))
	for k, vs := range md {
		h[http.CanonicalHeaderKey(k)] = vs
	}
	info := faultserver.RequestInfo{
		Method:    http.MethodPost,
		Path:      method,
		ClientKey: first(md, MDClient),
		RequestID: first(md, MDRequest),
		Conn:      c.n,
		Header:    h,
	}
	if info.ClientKey == "" {
		host, _, err := net.SplitHostPort(c.RemoteAddr().String())
		if err != nil {
			host = c.RemoteAddr().String()
		}
		info.ClientKey = host + " " + first(md, "user-agent")
	}
	if n, err := strconv.Atoi(first(md, MDPreviousAttempts)); err == nil && n >= 0 {
		info.Attempt = n + 1
	} else if n, err := strconv.Atoi(first(md, MDAttempt)); err == nil && n > 0 {
		info.Attempt = n
	}
	if v := first(md, MDVersion); v != "" {
		info.Version = faultserver.ParseVersion(v)
	}
	return info
}

func first(md metadata.MD, key string) string {
	if vs := md[key]; len(vs) > 0 {
		return vs[0]
	}
	return ""
}

// perform plays the plan out on the call: it reads the request message,
// holds for the delay, then does what the kind does. It returns the name of
// the code the call ended with ("" when no status was sent and the client
// did not end the call itself) and the handler's error.
func (s *Server) perform(c *conn, stream grpc.ServerStream, d *faultserver.Plan, t *faultserver.Ticket,
	info *faultserver.RequestInfo, out *faultserver.Delivery) (string, error) {
	ctx := stream.Context()
	var req []byte
	if err := stream.RecvMsg(&req); err != nil && !errors.Is(err, io.EOF) {
		return endedBy(ctx), err
	}
	if d.Delay > 0 && !s.hold(ctx.Done(), d.Delay) {
		return endedBy(ctx), errHeld(ctx)
	}
	switch d.Kind {
	case record.FaultHang:
		if s.hold(ctx.Done(), time.Duration(d.Param)) {
			_ = c.Close() // as over HTTP: held to the end, then the connection is closed
			return "", errTransportCut
		}
		return endedBy(ctx), errHeld(ctx)
	case record.FaultReset:
		c.reset()
		return "", errTransportCut
	case record.FaultClose:
		s.goAway(c)
		return "", errTransportCut
	case record.FaultTruncate:
		_ = c.Close()
		return "", errTransportCut
	case record.FaultMalformed:
		c.writeRaw(d.Raw)
		return "", errTransportCut
	case record.FaultSlow:
		if !s.hold(ctx.Done(), faultserver.SlowDue(faultserver.Bandwidth(d.Param), int64(len(reply(d, req))))) {
			return endedBy(ctx), errHeld(ctx)
		}
	}
	if d.Row != faultserver.RowNone {
		t.Commit(d, info)
	}
	return s.answer(stream, d, req, out)
}

// answer ends the call with the plan's status: the reply for OK, else the
// status with its message, trailers and pushback. x-chaos-fault and
// x-chaos-phase go in the header of a reply but in the trailers of a
// failure, which is then a Trailers-Only response: response headers would
// commit the call, and a retrying client may not retry a committed call
// (gRFC A6).
func (s *Server) answer(stream grpc.ServerStream, d *faultserver.Plan, req []byte, out *faultserver.Delivery) (string, error) {
	name := faultserver.GRPCCodeOf(d)
	marks := metadata.MD{}
	if d.Injected() {
		marks.Set(MDFault, d.Kind)
	}
	marks.Set(MDPhase, d.Phase)
	trailer := metadata.MD{}
	if name == "OK" {
		_ = stream.SetHeader(marks)
	} else {
		trailer = marks
	}
	if d.GRPC != nil {
		for k, v := range d.GRPC.Trailers {
			trailer.Set(k, v)
		}
	}
	if wait, ok := faultserver.GRPCPushback(d, s.now()); ok {
		trailer.Set(MDPushback, strconv.FormatInt(wait.Milliseconds(), 10))
		out.HasRetryAfter, out.RetryAfter = true, wait
	}
	stream.SetTrailer(trailer)
	out.Status = d.Status
	if name != "OK" {
		msg := strings.TrimSpace(string(d.Body))
		if d.GRPC != nil && d.GRPC.Message != "" {
			msg = d.GRPC.Message
		}
		return name, status.Error(codeOf[name], msg)
	}
	b := reply(d, req)
	if err := stream.SendMsg(&b); err != nil {
		out.Incomplete = true
		return endedBy(stream.Context()), err
	}
	out.BodyBytes = int64(len(b))
	return name, nil
}

// reply is the message a call that succeeds gets: the row's answer, the
// configured body, or the request's own bytes.
func reply(d *faultserver.Plan, req []byte) []byte {
	switch {
	case d.Row != faultserver.RowNone:
		return d.Body
	case d.GRPC != nil && d.GRPC.Reply != nil:
		return d.GRPC.Reply
	}
	return req
}

// endedBy is CANCELLED for a call the client ended before any status (its
// deadline passed, or it cancelled: a hedge that lost), "" while the call
// goes on. The server cannot tell a deadline from a cancel: the client's
// RST_STREAM at its deadline races the deadline the server derives from
// grpc-timeout, so a log would say one or the other by chance.
func endedBy(ctx context.Context) string {
	if ctx.Err() != nil {
		return "CANCELLED"
	}
	return ""
}

// errHeld is the handler's error for a call whose hold ended early.
func errHeld(ctx context.Context) error {
	if err := ctx.Err(); err != nil {
		return status.FromContextError(err).Err()
	}
	return status.Error(codes.Unavailable, "chaos: server closing")
}

// goAway sends grpc-go's GOAWAY on c (a graceful stop of its server) and,
// once it is written, closes the transport under the calls still on it.
func (s *Server) goAway(c *conn) {
	go c.server.GracefulStop()
	t := time.NewTimer(goAwayWait)
	defer t.Stop()
	select {
	case <-c.goaway:
	case <-t.C:
	case <-s.ctx.Done():
	}
	_ = c.Close()
}
