package faultserver

import (
	"crypto/tls"

	"github.com/chaos-harness/chaos/problem"
)

// Protocols a script's server speaks (Spec.Protocol).
const (
	ProtocolHTTP1 = "http1"
	ProtocolH2    = "h2"
	ProtocolH2C   = "h2c"

	// ProtocolGRPC serves the script to gRPC clients (package grpcfault,
	// chaos serve --grpc), in cleartext.
	ProtocolGRPC = "grpc"
)

// protocolProblems checks protocol, tls and max_concurrent_streams.
func (s *Spec) protocolProblems(p *problem.List) {
	switch s.Protocol {
	case "", ProtocolHTTP1, ProtocolH2, ProtocolH2C, ProtocolGRPC:
	default:
		p.Add("protocol", "%q is not a protocol: give http1, h2 (HTTP/2 over TLS), h2c (cleartext HTTP/2) or grpc", s.Protocol)
	}
	if s.Protocol == ProtocolGRPC && s.TLS {
		p.Add("tls", "the gRPC server is served in cleartext: give tls: false with protocol: grpc")
	}
	if s.Protocol == ProtocolH2C && s.TLS {
		p.Add("tls", "h2c is cleartext HTTP/2: over TLS, give protocol: h2")
	}
}

// ServesTLS reports whether the script's server speaks TLS (tls: true, or
// protocol: h2).
func (s *Spec) ServesTLS() bool { return s.TLS || s.Protocol == ProtocolH2 }

// ServeOptions sets the listener options the script asks for (TLS with a
// new identity, h2c, the streams limit) and returns the identity, nil
// without TLS. An option already set (opts.TLS, opts.H2C) is kept.
func (s *Spec) ServeOptions(opts *Options) (*TLSIdentity, error) {
	if s.MaxConcurrentStreams > 0 && opts.MaxConcurrentStreams == 0 {
		opts.MaxConcurrentStreams = s.MaxConcurrentStreams
	}
	if s.Protocol == ProtocolH2C {
		opts.H2C = true
	}
	if !s.ServesTLS() || opts.TLS != nil {
		return nil, nil
	}
	id, err := NewTLSIdentity()
	if err != nil {
		return nil, err
	}
	opts.TLS = id.ServerConfig()
	if s.Protocol == ProtocolH2 {
		opts.TLS.NextProtos = []string{"h2"}
	}
	return id, nil
}

// ClientTLS is the TLS configuration of a client of the script's server
// that trusts id, offering what the script's protocol speaks.
func (s *Spec) ClientTLS(id *TLSIdentity) *tls.Config {
	c := id.ClientConfig()
	if s.Protocol == ProtocolH2 {
		c.NextProtos = []string{"h2"}
	} else {
		c.NextProtos = []string{"http/1.1"}
	}
	return c
}
