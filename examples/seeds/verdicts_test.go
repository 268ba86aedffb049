package seeds_test

import (
	"maps"
	"slices"

	. "github.com/onsi/ginkgo/v2"
	. "github.com/onsi/gomega"
)

// expectVerdicts asserts that the run checked exactly these assertions (so
// no "client" case: the client exited 0) with these outcomes, and exited 1
// when one failed, 0 when all held.
func expectVerdicts(run checkRun, want map[string]bool) {
	Expect(slices.Sorted(maps.Keys(run.cases))).To(Equal(slices.Sorted(maps.Keys(want))), run.output)
	code := 0
	for name, holds := range want {
		Expect(run.held(name)).To(Equal(holds), "%s: %s", name, run.output)
		if !holds {
			code = 1
		}
	}
	Expect(run.code).To(Equal(code), run.output)
}

// promisedRun is chaos check of the scenario's own policy, what the seed's
// document promises, in the sim engine.
func promisedRun(scenario string) checkRun { return check(scenario, "", GinkgoT().TempDir()) }

// apiFleet and prefectFleet are the drivers of the two ports.
func apiFleet(args string) string     { return python + " api_fleet.py " + args }
func prefectFleet(args string) string { return python + " prefect_fleet.py " + args }

var _ = Describe("the requests client of 'API Retry Strategy for Failed Requests'", func() {
	It("retries a 404, which its own APIErrorHandler calls non-retryable, until its breaker opens", func() {
		run := check("api-selective-retry", apiFleet(""), GinkgoT().TempDir())
		expectVerdicts(run, map[string]bool{"client: attempts == 4": false})
		// api_retry retries every exception: per client, request 1 is 1 + 3
		// attempts (4 failures), request 2's first attempt is the 5th and
		// opens CircuitBreaker(5); its retries fail locally. 2 clients x 5.
		Expect(run.measured("client: attempts == 4")).To(Equal(10.0))

		// The promise as a chaos policy, in virtual time:
		expectVerdicts(promisedRun("api-selective-retry"), map[string]bool{"promised: attempts == 4": true})
	})

	It("retries a 429 before its Retry-After", func() {
		run := check("api-retry-after", apiFleet("--one-host-per-client"), GinkgoT().TempDir())
		expectVerdicts(run, map[string]bool{
			"client: retry_after_violations == 0": false,
			"client: success_rate == 1":           true,
		})
		// each client's retry comes 1 s x (0.5 + U/2) = 0.5-1 s after a
		// Retry-After: 2: both retries are early.
		Expect(run.measured("client: retry_after_violations == 0")).To(Equal(2.0))

		// The promise as a chaos policy, in virtual time:
		expectVerdicts(promisedRun("api-retry-after"), map[string]bool{
			"promised: retry_after_violations == 0": true,
			"promised: success_rate == 1":           true,
		})
	})

	It("spreads the first retries of clients that start together", func() {
		run := check("api-jitter-spread", apiFleet("--one-host-per-client"), GinkgoT().TempDir())
		expectVerdicts(run, map[string]bool{
			"client: retry_spread.1.offset_sd_ms >= 100": true,
			"client: success_rate == 1":                  true,
		})
		// offset_sd_ms: the spread of each retry's time after its request's
		// first attempt, what the jitter spreads, whenever the threads
		// started. The 8 delays are the first 8 draws of random seeded with
		// CHAOS_SEED 1, whatever the threads' order: 1 s x (0.5 + U/2) for
		// each, whose sample sd is 130.1 ms. The bounds leave room for a
		// loaded machine's scheduling.
		Expect(run.measured("client: retry_spread.1.offset_sd_ms >= 100")).To(BeNumerically("~", 130, 30))
	})

	It("stops calling once its circuit breaker opens", func() {
		run := check("api-breaker", apiFleet(""), GinkgoT().TempDir())
		// 5 attempts per client (see the 404 spec), 2 clients.
		expectVerdicts(run, map[string]bool{"client: attempts == 10": true})

		// The promise as a chaos policy, in virtual time:
		expectVerdicts(promisedRun("api-breaker"), map[string]bool{"promised: attempts == 10": true})
	})

	It("ignores the retry settings of a profile, as its usage example applies one", func() {
		run := check("api-profile", apiFleet("--profile production"), GinkgoT().TempDir())
		expectVerdicts(run, map[string]bool{"client: attempts == 6": false})
		// @api_retry() took APIRetryConfig() when the class was defined, so
		// assigning client.retry_config changes nothing: 1 + 3 attempts, not
		// 1 + 5. (The profile's breaker, 10 failures, does take effect.)
		Expect(run.measured("client: attempts == 6")).To(Equal(4.0))

		// The promise as a chaos policy, in virtual time:
		expectVerdicts(promisedRun("api-profile"), map[string]bool{"production: attempts == 6": true})
	})

	It("serves the cached answer, but only after its whole retry schedule", func() {
		run := check("api-fallback", apiFleet("--fallback --one-host-per-client"), GinkgoT().TempDir())
		// The client exited 0 (no "client" case): every call returned data.
		Expect(run.output).To(ContainSubstring("api_fleet.py: 4/4 calls returned data"))
		Expect(run.output).To(ContainSubstring("Using cached data"))
		expectVerdicts(run, map[string]bool{"client: completion_ms.max <= 1000": false})
		// The failed call's 4 attempts are 1, 2 and 4 s x (0.5 + U/2) apart:
		// 3.5 to 7 s from its first attempt to its last.
		Expect(run.measured("client: completion_ms.max <= 1000")).To(BeNumerically(">=", 3500))
		Expect(run.measured("client: completion_ms.max <= 1000")).To(BeNumerically("<=", 7500))

		// The design as a chaos policy, in virtual time: chaos's own
		// fallback, served after the same retries, takes as long.
		expectVerdicts(promisedRun("api-fallback"), map[string]bool{"promised: completion_ms.max <= 1000": false})
	})
})

var _ = Describe("the Prefect-style tasks of 'Retry Strategies for Marketing Automation'", func() {
	It("retries the 404 smart_api_call says it does not retry", func() {
		run := check("prefect-selective-retry",
			prefectFleet("smart_api_call --retries 3 --retry-delay-seconds 0.1 --one-host-per-client"), GinkgoT().TempDir())
		expectVerdicts(run, map[string]bool{"client: attempts == 2": false})
		// a task retries whatever it raises: 2 clients x (1 + 3).
		Expect(run.measured("client: attempts == 2")).To(Equal(8.0))

		// The promise as a chaos policy, in virtual time:
		expectVerdicts(promisedRun("prefect-selective-retry"), map[string]bool{"promised: attempts == 2": true})
	})

	It("waits the same before every retry, where its docstring promises doubling", func() {
		run := check("prefect-backoff", prefectFleet(
			"api_call_with_backoff --retries 5 --retry-delay-seconds 0.2 --retry-jitter-factor 0.5 --one-host-per-client"),
			GinkgoT().TempDir())
		expectVerdicts(run, map[string]bool{
			"client: retry_delays.2.delay_ms.p50 >= 300": false,
			"client: success_rate == 1":                  true,
		})
		// retry_delay_seconds=0.2 is the wait before every retry; jittered,
		// it falls in [0.63 x 200, 1.5 x 200] = [126, 300] ms.
		Expect(run.measured("client: retry_delays.2.delay_ms.p50 >= 300")).To(BeNumerically(">=", 120))
		Expect(run.measured("client: retry_delays.2.delay_ms.p50 >= 300")).To(BeNumerically("<", 300))

		// The promise as a chaos policy, in virtual time:
		expectVerdicts(promisedRun("prefect-backoff"), map[string]bool{
			"promised: retry_delays.2.delay_ms.p50 >= 300": true,
			"promised: success_rate == 1":                  true,
		})
	})

	It("spreads retries with retry_jitter_factor, and not without", func() {
		jittered := check("prefect-jitter-spread", prefectFleet(
			"api_call_with_backoff --retries 3 --retry-delay-seconds 0.5 --retry-jitter-factor 0.5 --one-host-per-client"),
			GinkgoT().TempDir())
		expectVerdicts(jittered, map[string]bool{
			"client: retry_spread.1.offset_sd_ms >= 60": true,
			"client: success_rate == 1":                 true,
		})
		// the first 8 draws of clamped_poisson_interval(0.5, 0.5) from random
		// seeded 1, on [315, 750] ms: sample sd 109.5 ms.
		Expect(jittered.measured("client: retry_spread.1.offset_sd_ms >= 60")).To(BeNumerically("~", 110, 30))

		fixed := check("prefect-jitter-spread", prefectFleet(
			"api_call_with_backoff --retries 3 --retry-delay-seconds 0.5 --one-host-per-client"), GinkgoT().TempDir())
		// the seed's "DON'T": every retry 500 ms after its first attempt,
		// spread only by when the threads ran (a few ms, 25 on a busy
		// machine; noise only adds spread, so the jittered case holds too).
		expectVerdicts(fixed, map[string]bool{
			"client: retry_spread.1.offset_sd_ms >= 60": false,
			"client: success_rate == 1":                 true,
		})
	})

	It("reads Retry-After and retries before it", func() {
		run := check("prefect-retry-after", prefectFleet(
			"facebook_ads_api_call --retries 5 --retry-delay-seconds 0.2 --retry-jitter-factor 0.5 --one-host-per-client"),
			GinkgoT().TempDir())
		expectVerdicts(run, map[string]bool{
			"client: retry_after_violations == 0": false,
			"client: success_rate == 1":           true,
		})
		// each retry comes at most 1.5 x 200 ms after a Retry-After: 1.
		Expect(run.measured("client: retry_after_violations == 0")).To(Equal(2.0))

		// The promise as a chaos policy, in virtual time:
		expectVerdicts(promisedRun("prefect-retry-after"), map[string]bool{
			"promised: retry_after_violations == 0": true,
			"promised: success_rate == 1":           true,
		})
	})
})
