// Package realclients checks the harness's verdicts against traffic from
// client libraries nobody on the project wrote: hashicorp/go-retryablehttp,
// failsafe-go, curl, aws-sdk-go-v2 (whose standard retryer's quota is set
// beside resilience's budget.quota, as failsafe-go's hedge policy is beside
// resilience's hedge), and grpc-js (@grpc/grpc-js, from npm
// into grpcjs/, run by node) for the gRPC server's hedging check, since
// grpc-go does not hedge. Among them: go-retryablehttp retrying POSTs whose
// answers a fault after the work (after_upstream) lost, against a real
// upstream, counted by duplicate_effects. A module of its own, so those
// libraries never become
// dependencies of the main module; `.ci/run` runs its suite beside the main
// one.
package realclients
