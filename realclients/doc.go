// Package realclients checks the harness's verdicts against traffic from
// client libraries nobody on the project wrote: hashicorp/go-retryablehttp,
// failsafe-go, curl and aws-sdk-go-v2 (whose standard retryer's quota is set
// beside resilience's budget.quota, as failsafe-go's hedge policy is beside
// resilience's hedge). A module of its own, so those libraries never become
// dependencies of the main module; `.ci/run` runs its suite beside the main
// one.
package realclients
