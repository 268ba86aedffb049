package resilience

// RetryAfterMode says what a retry policy does with a Retry-After header.
type RetryAfterMode string

// Retry-After modes. The maximum (retry.retry_after_max) applies in honor mode.
const (
	// RetryAfterHonor waits exactly as long as the server asks (plus the
	// configured retry_after_jitter), instead of the backoff delay.
	RetryAfterHonor RetryAfterMode = "honor"
	// RetryAfterIgnore uses the backoff delay whatever the server asks.
	RetryAfterIgnore RetryAfterMode = "ignore"
)
