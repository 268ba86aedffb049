package resilience

// RetryAfterMode says what a retry policy does with a Retry-After header.
type RetryAfterMode string

// Retry-After modes. The maximum (retry.retry_after_max) applies in honor
// and floor modes.
const (
	// RetryAfterHonor waits exactly as long as the server asks (plus the
	// configured retry_after_jitter), instead of the backoff delay.
	RetryAfterHonor RetryAfterMode = "honor"
	// RetryAfterIgnore uses the backoff delay whatever the server asks.
	RetryAfterIgnore RetryAfterMode = "ignore"
	// RetryAfterFloor waits max(backoff delay, Retry-After): the server's
	// delay is a lower bound, and a fleet keeps its backoff's spread beyond
	// it (the AWS SDKs and gRPC's pushback treat it so).
	RetryAfterFloor RetryAfterMode = "floor"
)

// What a retry policy does when a Retry-After asks for more than
// retry.retry_after_max (RetryConfig.RetryAfterOverMax).
const (
	// RetryAfterOverMaxFail fails the call at once, carrying the asked delay
	// (*RetryAfterError): the default.
	RetryAfterOverMaxFail = "fail"
	// RetryAfterOverMaxClamp waits retry_after_max instead.
	RetryAfterOverMaxClamp = "clamp"
)
