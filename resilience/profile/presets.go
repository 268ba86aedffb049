package profile

import (
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/chaos-harness/chaos/resilience"
)

// presetFactor is the jitter of the presets: Prefect's recommended
// retry_jitter_factor=0.5, a delay drawn from d*U(0.5, 1.5).
const presetFactor = 0.5

// presets are built-in profiles for common operations (the Prefect guide's
// table): retries and a constant delay with jitter.
var presets = map[string]struct {
	retries int
	delay   time.Duration
}{
	"email":     {3, 60 * time.Second},  // moderate reliability
	"database":  {5, 5 * time.Second},   // quick recovery
	"heavy_api": {5, 120 * time.Second}, // long, complex queries
	"logging":   {0, 0},                 // non-critical: never delay the flow
	"webhook":   {2, 30 * time.Second},  // fast failure detection
}

// PresetNames lists the built-in profiles.
func PresetNames() []string {
	names := make([]string, 0, len(presets))
	for name := range presets {
		names = append(names, name)
	}
	slices.Sort(names)
	return names
}

// Preset returns a built-in profile as a policy named after it.
func Preset(name string) (resilience.Config, error) {
	p, ok := presets[name]
	if !ok {
		return resilience.Config{}, fmt.Errorf("unknown preset %q (one of %s)", name, strings.Join(PresetNames(), ", "))
	}
	cfg := resilience.Config{Name: name, Retry: &resilience.RetryConfig{MaxRetries: resilience.FileMaxRetries(p.retries)}}
	if p.retries > 0 {
		cfg.Retry.Backoff = resilience.BackoffConstant
		cfg.Retry.Base = time.Duration(p.delay)
		cfg.Retry.Jitter = resilience.JitterFactor
		cfg.Retry.JitterFactor = presetFactor
	}
	return cfg, nil
}
