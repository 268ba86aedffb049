package scenarios

import (
	"net/http"

	"github.com/chaos-harness/chaos/faultserver"
)

// liveTransport is the live engine's transport for the scenario's server
// (server.protocol, server.tls): a fresh connection per attempt, over TLS
// trusting the run's CA (id) when the server speaks it, HTTP/2 over TLS
// for h2, cleartext HTTP/2 for h2c, and HTTP/1.1 otherwise.
func liveTransport(spec *faultserver.Spec, id *faultserver.TLSIdentity) *http.Transport {
	// A fresh connection per attempt: net/http silently re-sends an
	// idempotent request whose reused connection was reset, which would hide
	// injected resets and log attempts the policy never made.
	tr := &http.Transport{DisableKeepAlives: true, DisableCompression: true, Protocols: new(http.Protocols)}
	switch {
	case spec.Protocol == faultserver.ProtocolH2:
		tr.Protocols.SetHTTP2(true)
	case spec.Protocol == faultserver.ProtocolH2C:
		tr.Protocols.SetUnencryptedHTTP2(true)
	default:
		tr.Protocols.SetHTTP1(true)
	}
	if id != nil {
		tr.TLSClientConfig = spec.ClientTLS(id)
	}
	return tr
}
