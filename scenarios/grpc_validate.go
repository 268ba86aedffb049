package scenarios

import (
	"net/http"
	"regexp"

	"github.com/chaos-harness/chaos/faultserver"
)

// grpcMethodRE is the shape of a full gRPC method as clients.path gives it
// (grpc/grpc doc/PROTOCOL-HTTP2.md, Path: "/" Service-Name "/"
// Method-Name): a service name of dot-separated identifiers, its package
// first (shop.Orders: a name with no package, as /api/orders would be
// read, is refused, being much likelier an HTTP path), then the method.
var grpcMethodRE = regexp.MustCompile(`^/[A-Za-z_][A-Za-z0-9_]*(\.[A-Za-z_][A-Za-z0-9_]*)+/[A-Za-z_][A-Za-z0-9_]*$`)

// grpcProblems checks what server.protocol: grpc asks of the clients: the
// full method they call in clients.path, sent as POST, and no row (its
// read-then-write is HTTP's).
func grpcProblems(s *Scenario, p *problems) {
	if s.Server.Protocol != faultserver.ProtocolGRPC {
		return
	}
	switch {
	case s.Clients.Path == "":
		p.addValidation("clients.path", "server.protocol: grpc needs the full method the clients call, as /pkg.Service/Method (for example /shop.Orders/Create)")
	case !grpcMethodRE.MatchString(s.Clients.Path):
		p.addValidation("clients.path", "%q is not a full gRPC method: give /pkg.Service/Method (for example /shop.Orders/Create)", s.Clients.Path)
	}
	if s.Clients.Method != "" && s.Clients.HTTPMethod() != http.MethodPost {
		p.addValidation("clients.method", "a gRPC call is a POST; leave method out with server.protocol: grpc, got %q", s.Clients.Method)
	}
	if s.Server.Row != nil {
		p.addValidation("server.row", "a row's read-then-write is HTTP's: it has no meaning with server.protocol: grpc")
	}
}

// grpcScenario reports whether the scenario's clients speak gRPC.
func grpcScenario(s *Scenario) bool { return s.Server.Protocol == faultserver.ProtocolGRPC }
