package faultserver

import (
	"fmt"
	"io"
	"net/http"
	"net/http/httputil"
	"net/url"
	"time"
)

// newProxy forwards to upstream with the method, headers and body of the
// request intact (the Host header becomes the upstream's, as any reverse
// proxy does); hop-by-hop headers are dropped as RFC 9110 requires.
func newProxy(upstream string) (*httputil.ReverseProxy, error) {
	u, err := url.Parse(upstream)
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		return nil, fmt.Errorf("upstream %q is not an http:// or https:// URL", upstream)
	}
	return &httputil.ReverseProxy{
		Rewrite: func(pr *httputil.ProxyRequest) {
			pr.SetURL(u)
		},
		ErrorHandler: func(w http.ResponseWriter, r *http.Request, err error) {
			http.Error(w, "chaos proxy: upstream: "+err.Error(), http.StatusBadGateway)
		},
	}, nil
}

// proxy forwards a request that drew no fault (or only a delay) upstream.
func (x *exchange) proxy() int {
	if x.d.Injected() {
		x.w.Header().Set(HeaderFault, x.d.Kind)
	}
	rec := &statusRecorder{ResponseWriter: x.w, timeout: x.srv.limits.WriteTimeout}
	x.srv.proxy.ServeHTTP(rec, x.r)
	if rec.status == 0 {
		return http.StatusOK
	}
	return rec.status
}

// limitBody bounds the body forwarded upstream by Limits.MaxBodyBytes and
// Limits.BodyTimeout.
func (x *exchange) limitBody() {
	if x.r.Body == nil || x.r.Body == http.NoBody {
		return
	}
	rc := http.NewResponseController(x.w)
	_ = rc.SetReadDeadline(time.Now().Add(x.srv.limits.BodyTimeout))
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

// statusRecorder notes the status a handler sends and gives the client
// timeout to accept each write; Unwrap lets http.ResponseController reach the
// connection beneath for flushes.
type statusRecorder struct {
	http.ResponseWriter
	status  int
	timeout time.Duration
}

func (s *statusRecorder) WriteHeader(code int) {
	if s.status == 0 {
		s.status = code
	}
	s.deadline()
	s.ResponseWriter.WriteHeader(code)
}

func (s *statusRecorder) Write(b []byte) (int, error) {
	if s.status == 0 {
		s.status = http.StatusOK
	}
	s.deadline()
	return s.ResponseWriter.Write(b)
}

func (s *statusRecorder) deadline() {
	setWriteDeadline(s.ResponseWriter, time.Now().Add(s.timeout))
}

func (s *statusRecorder) Unwrap() http.ResponseWriter { return s.ResponseWriter }
