package chaostest

import (
	"net/http"

	"github.com/chaos-harness/chaos/faultserver"
)

// NewTLSServer is NewServer over TLS, as httptest.NewTLSServer is: the
// server's certificate is signed by a CA made for it, it offers h2 and
// http/1.1 by ALPN, and Client returns a client that trusts the CA and
// speaks HTTP/2. CACert is the CA for a client of your own (curl --cacert).
func NewTLSServer[S Script](t TB, script S, opts ...Option) *Server {
	t.Helper()
	spec, o, ok := options(t, script, opts)
	if !ok {
		return nil
	}
	id, err := faultserver.NewTLSIdentity()
	if err != nil {
		t.Fatalf("chaostest: make the TLS certificate: %v", err)
		return nil
	}
	o.TLS = id.ServerConfig()
	s := start(t, spec, o)
	if s == nil {
		return nil
	}
	tr := &http.Transport{TLSClientConfig: id.ClientConfig(), ForceAttemptHTTP2: true}
	t.Cleanup(tr.CloseIdleConnections)
	s.id, s.client = id, &http.Client{Transport: tr}
	return s
}

// NewH2CServer is NewServer speaking cleartext HTTP/2 with prior knowledge
// beside HTTP/1.1; Client returns a client that speaks HTTP/2 to it.
func NewH2CServer[S Script](t TB, script S, opts ...Option) *Server {
	t.Helper()
	spec, o, ok := options(t, script, opts)
	if !ok {
		return nil
	}
	o.H2C = true
	s := start(t, spec, o)
	if s == nil {
		return nil
	}
	tr := &http.Transport{Protocols: new(http.Protocols)}
	tr.Protocols.SetUnencryptedHTTP2(true)
	t.Cleanup(tr.CloseIdleConnections)
	s.client = &http.Client{Transport: tr}
	return s
}

// Client is a client for the server: for NewTLSServer one that trusts its
// CA and speaks HTTP/2, for NewH2CServer one that speaks cleartext HTTP/2,
// and http.DefaultClient for NewServer.
func (s *Server) Client() *http.Client { return s.client }

// CACert is the PEM of the CA that signed a NewTLSServer's certificate, for
// a client's trust store; nil for a cleartext server.
func (s *Server) CACert() []byte {
	if s.id == nil {
		return nil
	}
	return s.id.CAPEM
}
