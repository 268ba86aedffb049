package faultserver

import (
	"context"
	"net"
	"net/http"
	"strconv"
	"sync/atomic"

	"github.com/chaos-harness/chaos/record"
)

// connCounter hands out connection numbers, 1 for the first.
type connCounter struct{ last atomic.Uint64 }

// connNumber is the context key of a connection's number.
type connNumber struct{}

// ConnContext gives every connection its number (Record.Conn). Start sets it
// on the server's http.Server; set it as the ConnContext of an http.Server of
// your own that serves Handler, or Records say 0, unknown.
// The server's own listener numbers its connections as it accepts them
// (tlsaccept.go), and ConnContext picks that number up.
func (s *Server) ConnContext(ctx context.Context, c net.Conn) context.Context {
	var info *connInfo
	if fc, ok := c.(*frameConn); ok {
		info = fc.info
	} else if v, ok := s.connInfos.LoadAndDelete(c); ok {
		info = v.(*connInfo)
	}
	if info == nil {
		info = &connInfo{n: s.conns.last.Add(1)}
	}
	return context.WithValue(ctx, connNumber{}, info)
}

// requestInfo reads what a decision may depend on from a request, and the
// number of its connection. Without X-Chaos-Client the client is keyed by
// remote IP and User-Agent (docs/DESIGN.md); without
// X-Chaos-Attempt (or with a value that is not a positive number) the attempt
// is 0, unknown.
func (s *Server) requestInfo(r *http.Request) RequestInfo {
	h := r.Header
	info := RequestInfo{
		Method:    r.Method,
		Path:      r.URL.Path,
		ClientKey: headerValue(h, record.HeaderClient),
		RequestID: headerValue(h, record.HeaderRequest),
		Header:    h,
		// Idempotency-Key (IETF draft-ietf-httpapi-idempotency-key-header),
		// or X-Idempotency-Key, as resilience.Transport reads it.
		IdempotencyKey: headerValue(h, "Idempotency-Key") != "" || headerValue(h, "X-Idempotency-Key") != "",
		Proto:          r.Proto,
	}
	if c := connInfoOf(r); c != nil {
		info.Conn, info.TLS = c.n, c.tls
	}
	if info.ClientKey == "" {
		host, _, err := net.SplitHostPort(r.RemoteAddr)
		if err != nil {
			host = r.RemoteAddr
		}
		info.ClientKey = s.lastKey.key(host, headerValue(h, "User-Agent"))
	}
	if v := headerValue(h, record.HeaderAttempt); v != "" {
		if n, err := strconv.Atoi(v); err == nil && n > 0 {
			info.Attempt = n
		}
	}
	if v := headerValue(h, "If-Match"); v != "" {
		info.Version = ParseVersion(v)
	} else if v := headerValue(h, record.HeaderVersion); v != "" {
		info.Version = ParseVersion(v)
	}
	return info
}

// headerValue is h.Get(key) for a key already in canonical form, as every
// name in this package is: it skips Get's canonicalisation of the key.
func headerValue(h http.Header, key string) string {
	if vs := h[key]; len(vs) > 0 {
		return vs[0]
	}
	return ""
}

// keyCache remembers the last client key built from a remote IP and a
// User-Agent, so that a run of requests from one such client (a load
// generator, a test process on the loopback) reuses its key instead of
// building it again, and its Records share one string. Requests of several
// such clients interleaved miss it, and each miss costs one small allocation
// more than building the key alone.
type keyCache struct{ last atomic.Pointer[cachedKey] }

type cachedKey struct{ host, agent, key string }

// key is host + " " + agent.
func (c *keyCache) key(host, agent string) string {
	if k := c.last.Load(); k != nil && k.host == host && k.agent == agent {
		return k.key
	}
	k := &cachedKey{host: host, agent: agent, key: host + " " + agent}
	c.last.Store(k)
	return k.key
}
