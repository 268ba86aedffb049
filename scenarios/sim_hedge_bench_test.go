package scenarios_test

import (
	"strings"
	"testing"
)

// BenchmarkSimHedged is BenchmarkSimAttempts' 100,000 clients with a hedge
// beside the retries, against a service time drawn per request (exponential,
// mean 20ms; a hedge after 20ms, so about 1 + exp(-1) attempts per round):
// what hedging's flights cost beside the one attempt of a call that does
// not hedge.
func BenchmarkSimHedged(b *testing.B) {
	src := strings.Replace(benchFleet, "server:\n", "server:\n  service: {dist: exponential, mean: 20ms}\n", 1)
	b.Run("plain", func(b *testing.B) { benchmarkFleet(b, src) })
	b.Run("hedged", func(b *testing.B) {
		benchmarkFleet(b, strings.Replace(src, "jitter: full}}", "jitter: full}, hedge: {delay: 20ms}}", 1))
	})
}
