package scenarios_test

import (
	. "github.com/onsi/ginkgo/v2"
	. "github.com/onsi/gomega"

	"github.com/chaos-harness/chaos/scenarios"
)

var _ = Describe("the SDKs' and Brooker's policies on the sim engine", func() {
	It("runs the AWS quota and Brooker's retry breaker to their exact retry counts against a server that always fails", func() {
		// 1 client, 200 calls, 3 retries each, every attempt 503: the quota's
		// 500 tokens at 5 a retry give exactly 100 retries.
		s := parse(`name: sdk
server: {phases: [{name: down, fault: {status: 503}}]}
clients: {count: 1, requests: 200, think: 10ms}
policies:
  - {name: aws, retry: {max_retries: 3, backoff: constant, base: 1ms, jitter: none}, budget: {quota: {}}}
  - {name: brooker, retry: {max_retries: 3, backoff: constant, base: 1ms, jitter: none}, budget: {failure_ratio: {threshold: 1}}}
`)
		out := simulate(s, scenarios.Options{})
		aws, _ := out.Result.Policy("aws")
		Expect(aws.Attempts).To(Equal(200 + 100))
		// failure_ratio 1: call 1 retries once (failures 1 <= 1 first try),
		// then failures (2) exceed first tries for good: 1 retry in all.
		brooker, _ := out.Result.Policy("brooker")
		Expect(brooker.Attempts).To(Equal(200 + 1))
	})

	It("backs the adaptive limiter off a rate-limited server, and so retries less", func() {
		s := parse(`name: adaptive
server: {capacity: {rate: 50, status: 429}}
clients: {count: 10, requests: 30, think: 10ms}
policies:
  - {name: plain, retry: {max_retries: 3, base: 10ms}}
  - {name: adaptive, retry: {max_retries: 3, base: 10ms}, rate_limit: {mode: adaptive}}
`)
		out := simulate(s, scenarios.Options{})
		plain, _ := out.Result.Policy("plain")
		adaptive, _ := out.Result.Policy("adaptive")
		Expect(*adaptive.Amplification).To(BeNumerically("<", *plain.Amplification))
		Expect(adaptive.SuccessRate).To(BeNumerically(">", plain.SuccessRate))
	})
})
