package faultserver

import (
	"fmt"
	"net/http"
	"net/http/httputil"
	"net/url"
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
	rec := &statusRecorder{ResponseWriter: x.w}
	x.srv.proxy.ServeHTTP(rec, x.r)
	if rec.status == 0 {
		return http.StatusOK
	}
	return rec.status
}

// statusRecorder notes the status a handler sends; Unwrap lets
// http.ResponseController reach the connection beneath for flushes.
type statusRecorder struct {
	http.ResponseWriter
	status int
}

func (s *statusRecorder) WriteHeader(code int) {
	if s.status == 0 {
		s.status = code
	}
	s.ResponseWriter.WriteHeader(code)
}

func (s *statusRecorder) Write(b []byte) (int, error) {
	if s.status == 0 {
		s.status = http.StatusOK
	}
	return s.ResponseWriter.Write(b)
}

func (s *statusRecorder) Unwrap() http.ResponseWriter { return s.ResponseWriter }
