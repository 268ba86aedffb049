package resilience

import "github.com/chaos-harness/chaos/resilience/breaker"

// ClassifyAs is Classify's errors.As path, which Classify takes only for
// trees holding an As method: the specs check that both agree everywhere.
var ClassifyAs = classifyAs

// BreakerSettings resolves a BreakerConfig as New does, for the breaker specs.
func BreakerSettings(c BreakerConfig) breaker.Settings { return c.settings() }

// ParseAttemptSet and TokenError are the parser of `on` and `trip_on` lists
// and its error, for the classification specs.
var ParseAttemptSet = parseAttemptSet

type TokenError = tokenError
