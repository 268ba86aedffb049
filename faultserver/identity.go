package faultserver

import (
	"net"
	"net/http"
	"strconv"
)

// Identity headers (DESIGN.md, "Client identity on the wire").
const (
	HeaderClient  = "X-Chaos-Client"
	HeaderRequest = "X-Chaos-Request"
	HeaderAttempt = "X-Chaos-Attempt"
	// HeaderFault marks every response that carries an injected fault.
	HeaderFault = "X-Chaos-Fault"
	// HeaderPhase names the phase that decided a response (an extension).
	HeaderPhase = "X-Chaos-Phase"
	// HeaderVersion carries the row version (see RowSpec).
	HeaderVersion = "X-Chaos-Version"
)

// requestInfo reads what a decision may depend on from a request. Without
// X-Chaos-Client the client is keyed by remote IP and User-Agent; without
// X-Chaos-Attempt (or with a value that is not a positive number) the attempt
// is 0, unknown.
func requestInfo(r *http.Request) RequestInfo {
	info := RequestInfo{
		Method:    r.Method,
		Path:      r.URL.Path,
		ClientKey: r.Header.Get(HeaderClient),
		RequestID: r.Header.Get(HeaderRequest),
		Header:    r.Header,
	}
	if info.ClientKey == "" {
		host, _, err := net.SplitHostPort(r.RemoteAddr)
		if err != nil {
			host = r.RemoteAddr
		}
		info.ClientKey = host + " " + r.UserAgent()
	}
	if v := r.Header.Get(HeaderAttempt); v != "" {
		if n, err := strconv.Atoi(v); err == nil && n > 0 {
			info.Attempt = n
		}
	}
	if v := r.Header.Get("If-Match"); v != "" {
		info.Version = ParseVersion(v)
	} else if v := r.Header.Get(HeaderVersion); v != "" {
		info.Version = ParseVersion(v)
	}
	return info
}
