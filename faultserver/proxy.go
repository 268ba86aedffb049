package faultserver

import (
	"fmt"
	"io"
	"net/http"
	"net/http/httputil"
	"net/url"
	"time"

	"github.com/chaos-harness/chaos/record"
	"github.com/chaos-harness/chaos/resilience/retryafter"
)

// newProxy forwards to upstream with the method, headers and body of the
// request intact (the Host header becomes the upstream's, as any reverse
// proxy does); hop-by-hop headers are dropped as RFC 9110 requires. It
// sends through transport (nil: the proxy's own, upstreamTransport).
func newProxy(upstream string, transport http.RoundTripper) (*httputil.ReverseProxy, error) {
	u, err := url.Parse(upstream)
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		return nil, fmt.Errorf("upstream %q is not an http:// or https:// URL", upstream)
	}
	if transport == nil {
		transport = upstreamTransport()
	}
	return &httputil.ReverseProxy{
		Transport: transport,
		Rewrite: func(pr *httputil.ProxyRequest) {
			pr.SetURL(u)
		},
		ErrorHandler: func(w http.ResponseWriter, r *http.Request, err error) {
			markNoAnswer(w)
			http.Error(w, "chaos proxy: upstream: "+err.Error(), http.StatusBadGateway)
		},
	}, nil
}

// proxyIdleConns is how many idle connections to the upstream the proxy
// keeps for reuse. http.DefaultTransport keeps 2 per host: with more
// concurrent clients than that, most forwarded requests dialled a new
// connection to the upstream and closed it after, which made the proxy
// several times slower than its upstream.
const proxyIdleConns = 256

// upstreamTransport is http.DefaultTransport's configuration keeping
// proxyIdleConns idle connections to the upstream.
func upstreamTransport() *http.Transport {
	t := http.DefaultTransport.(*http.Transport).Clone()
	t.MaxIdleConns, t.MaxIdleConnsPerHost = proxyIdleConns, proxyIdleConns
	return t
}

// proxy forwards a request that drew no fault (or only a delay) upstream and
// returns what reached the client: the upstream's final status (never a 1xx,
// which is forwarded but not final), the body bytes written, and the wait the
// upstream's Retry-After asked for. A body that could not be copied whole
// (the client went away, or the upstream did) is incomplete.
func (x *wire) proxy() (out Delivery) {
	if x.d.Injected() {
		x.w.Header().Set(record.HeaderFault, x.d.Kind)
	}
	rec := &statusRecorder{ResponseWriter: x.w, timeout: x.srv.limits.WriteTimeout}
	defer func() {
		out.Status, out.BodyBytes = rec.status, rec.written
		if out.Status == 0 {
			out.Status = http.StatusOK // net/http answers 200 for a handler that wrote nothing
		}
		if !rec.noAnswer {
			out.UpstreamStatus = out.Status
		}
		if v := rec.retryAfter; v != "" {
			out.RetryAfter, out.HasRetryAfter = retryafter.Parse(v, x.srv.now())
		}
	}()
	defer func() {
		// ReverseProxy panics with ErrAbortHandler when it cannot copy the
		// body; the Record is logged first, then serveFault panics again.
		if p := recover(); p != nil {
			if p != http.ErrAbortHandler {
				panic(p)
			}
			out.Incomplete, out.abortHandler = true, true
		}
	}()
	x.srv.proxy.ServeHTTP(rec, x.r)
	out.Incomplete = rec.failed
	return out
}

// limitBody bounds the body forwarded upstream by Limits.MaxBodyBytes and
// Limits.BodyTimeout.
func (x *wire) limitBody() {
	if x.r.Body == nil || x.r.Body == http.NoBody {
		return
	}
	rc := http.NewResponseController(x.w)
	_ = rc.SetReadDeadline(time.Now().Add(x.srv.limits.BodyTimeout))
	// The wrapped body goes on a copy of the request: net/http reads the
	// Body of the request it handed the handler after the handler returns
	// (to finish reading it, or to close the connection), and must find its
	// own there.
	r := *x.r
	x.r = &r
	x.r.Body = &deadlineBody{ReadCloser: http.MaxBytesReader(x.w, x.r.Body, x.srv.limits.MaxBodyBytes), rc: rc}
}

// deadlineBody lifts the body's read deadline once the body ends, so that it
// does not cut the connection while the upstream answers. A body cut short
// keeps it: it bounds net/http's own read of the rest.
type deadlineBody struct {
	io.ReadCloser
	rc   *http.ResponseController
	done bool
}

func (b *deadlineBody) Read(p []byte) (int, error) {
	n, err := b.ReadCloser.Read(p)
	if err == io.EOF && !b.done {
		b.done = true
		_ = b.rc.SetReadDeadline(time.Time{})
	}
	return n, err
}

// statusRecorder notes the final status a handler sends, the Retry-After it
// carries and the body bytes net/http accepted, and gives the client timeout
// to accept each write; Unwrap lets http.ResponseController reach the
// connection beneath for flushes.
type statusRecorder struct {
	http.ResponseWriter
	status     int
	retryAfter string
	written    int64 // body bytes net/http accepted
	failed     bool  // a write of the body failed
	timeout    time.Duration
	noAnswer   bool // the proxy's ErrorHandler answered: the upstream did not
}

func (s *statusRecorder) WriteHeader(code int) {
	// The upstream's 100 Continue is not forwarded: net/http sends the
	// client its own when the proxy reads the request body, and forwarding
	// the upstream's as well sent the client two.
	if code == http.StatusContinue {
		return
	}
	// Any other informational response (103 Early Hints) is forwarded and
	// followed by the final one; 101 Switching Protocols is final.
	if s.status == 0 && (code >= 200 || code == http.StatusSwitchingProtocols) {
		s.status = code
		s.retryAfter = s.Header().Get("Retry-After")
	}
	s.deadline()
	s.ResponseWriter.WriteHeader(code)
}

func (s *statusRecorder) Write(b []byte) (int, error) {
	if s.status == 0 {
		s.status = http.StatusOK
		s.retryAfter = s.Header().Get("Retry-After")
	}
	s.deadline()
	n, err := s.ResponseWriter.Write(b)
	s.written += int64(n)
	if err != nil {
		s.failed = true
	}
	return n, err
}

func (s *statusRecorder) deadline() {
	setWriteDeadline(s.ResponseWriter, time.Now().Add(s.timeout))
}

func (s *statusRecorder) Unwrap() http.ResponseWriter { return s.ResponseWriter }
