// Package backoff holds the delay strategies a retry policy waits by, each a
// pure function of (attempt, previous delay, *rand.Rand) so the simulator and
// the real executor draw the same delays from the same seed.
//
// A Curve is the deterministic delay before jitter (Constant, Linear,
// Exponential, List); FullJitter, EqualJitter and FactorJitter randomise one;
// Decorrelated (AWS) and DecorrelatedV2 (Polly) compute their own delays.
// Every strategy is a CDFStrategy: its exact CDF, for analysis and tests.
// resilience.RetryConfig.BuildBackoff builds the one a policy file names.
package backoff
