package scenarios

// GRPCAttemptError exposes grpcAttemptError to the specs.
var GRPCAttemptError = grpcAttemptError
