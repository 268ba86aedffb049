package record

// The X-Chaos headers of the wire (docs/DESIGN.md, "Client identity on the wire"):
// a client that sends the identity headers has its attempts logged under
// them (Record.Client, Request, Attempt); the fault server marks its
// responses with the others.
const (
	HeaderClient  = "X-Chaos-Client"
	HeaderRequest = "X-Chaos-Request"
	HeaderAttempt = "X-Chaos-Attempt"
	// HeaderFault marks every response that carries an injected fault.
	HeaderFault = "X-Chaos-Fault"
	// HeaderPhase names the phase that decided a response (an extension).
	HeaderPhase = "X-Chaos-Phase"
	// HeaderVersion carries the row version (the fault server's row model).
	HeaderVersion = "X-Chaos-Version"

	// Queueing server (issue 14).
	// HeaderTimeout is how long the client waits for this attempt, in
	// milliseconds, as gRPC's grpc-timeout: a queue under abandoned: cancel
	// frees the request's place once it has passed.
	HeaderTimeout = "X-Chaos-Timeout"
)
