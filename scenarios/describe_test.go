package scenarios_test

import (
	. "github.com/onsi/ginkgo/v2"
	. "github.com/onsi/gomega"

	"github.com/chaos-harness/chaos/analysis"
	"github.com/chaos-harness/chaos/scenarios"
)

// describeYAML sets a few knobs of every section and leaves the rest to
// their defaults, so the description must fill them in.
const describeYAML = `name: described
description: a brief outage behind a rate limit
server:
  capacity: {rate: 200, concurrency: 8}
  phases:
    - {name: warm, duration: 2s}
    - {name: down, duration: 3s, requests: 50, fault: {status: 503, retry_after: 1s}}
    - name: flaky
      requests: 100
      mix: [{weight: 3}, {weight: 1, fault: {reset: true}}]
    - {name: up}
  routes:
    - {path: /api/pay, methods: [POST], phases: [{fault: {status: 500}, requests: 2}, {}]}
clients:
  count: 40
  start: {spread: 2s}
  requests: 3
  think: 250ms
  timeout: 1500ms
  path: /api/orders
policies:
  - name: careful
    retry: {max_retries: 2, base: 50ms, jitter: equal}
    breaker: {failures: 4}
    fallback: {stale: 30s}
    rate_limit: {rate: 20}
    budget: {}
    timeout: {overall: 10s}
  - name: bare
`

var _ = Describe("Scenario.Describe", func() {
	var info *analysis.RunInfo
	BeforeEach(func() {
		s, err := scenarios.Parse("described.yaml", []byte(describeYAML))
		Expect(err).NotTo(HaveOccurred())
		info = s.Describe(s.Policies)
	})

	It("gives the description and where the scenario came from", func() {
		Expect(info.Description).To(Equal("a brief outage behind a rate limit"))
		Expect(info.Source).To(Equal("described.yaml"))
	})

	It("lists the fleet with its defaults filled in", func() {
		Expect(info.Fleet).To(Equal([]analysis.Setting{
			{Key: "count", Value: "40"},
			{Key: "start", Value: "{spread: 2s}"},
			{Key: "requests", Value: "3 per client"},
			{Key: "think", Value: "250ms"},
			{Key: "timeout", Value: "1.5s per attempt"},
			{Key: "path", Value: "GET /api/orders"}, // method: GET by default
			{Key: "network", Value: "none per hop (sim engine)"},
			{Key: "time_scale", Value: "1 (live engine)"},
		}))
	})

	It("gives every policy's full settings, as resilience resolves them", func() {
		Expect(info.Policies).To(HaveLen(2))
		careful := info.Policies[0]
		Expect(careful.Name).To(Equal("careful"))
		// Defaults from resilience/config.go: backoff exponential, cap 30s
		// (max of DefaultCap and base), multiplier 2, on DefaultRetryOn,
		// retry_after honor up to 60s; breaker open 30s, one probe; rate
		// limit burst 1, mode wait; `budget: {}` is the recent-ratio budget
		// with ratio 0.2 over 10s and 10 per second.
		Expect(careful.Settings).To(Equal([]analysis.Setting{
			{Key: "retry", Value: "max_retries: 2, backoff: exponential, base: 50ms, cap: 30s, multiplier: 2, jitter: equal, on: [408, 429, 500, 502, 503, 504, network], retry_after: honor, retry_after_max: 60s, retry_after_jitter: 0s, non_idempotent: false"},
			{Key: "breaker", Value: "failures: 4, open: 30s, open_multiplier: 1, half_open_probes: 1, half_open_successes: 1, trip_on: [408, 5xx, network]"},
			{Key: "fallback", Value: "stale: 30s, static: none"},
			{Key: "rate_limit", Value: "rate: 20/s, burst: 1, mode: wait, max_wait: no bound"},
			{Key: "budget", Value: "recent: {ratio: 0.2, window: 10s, min_per_second: 10}"},
			{Key: "timeout", Value: "attempt: none, overall: 10s"},
			{Key: "order", Value: "fallback → retry → breaker → rate_limit"},
		}))
		bare := info.Policies[1]
		Expect(bare.Settings[0]).To(Equal(analysis.Setting{Key: "retry", Value: "none"}))
		Expect(bare.Settings[5]).To(Equal(analysis.Setting{Key: "timeout", Value: "none"}))
	})

	It("gives the server script: response, capacity, phases and routes", func() {
		srv := info.Server
		Expect(srv.Response).To(Equal("200 OK"))
		Expect(srv.Per).To(Equal("global"))
		// burst 0 is one second's worth of rate; status 0 is 503.
		Expect(srv.Capacity.Settings).To(Equal("{concurrency: 8, rate: 200, burst: 200, status: 503}"))
		Expect(*srv.Capacity.RatePerS).To(Equal(200.0))
		Expect(srv.Phases).To(Equal([]analysis.ScriptPhase{
			{Name: "warm", Ends: "after 2s", Fault: "response"},
			{Name: "down", Ends: "after 3s or after 50 requests", Fault: "{status: 503, retry_after: 1s}"},
			{Name: "flaky", Ends: "after 100 requests", Fault: "mix: 75% response; 25% {reset: true}"}, // weights 3:1
			{Name: "up", Ends: "never (open-ended)", Fault: "response"},
		}))
		Expect(srv.Routes).To(Equal([]analysis.ScriptRoute{{Name: "/api/pay", Match: "POST /api/pay", Phases: []analysis.ScriptPhase{
			{Name: "phase1", Ends: "after 2 requests", Fault: "{status: 500}"},
			{Name: "phase2", Ends: "never (open-ended)", Fault: "response"},
		}}}))
	})

	It("has no admitted rate when only concurrency bounds the server", func() {
		s, err := scenarios.Parse("c.yaml", []byte("server: {capacity: {concurrency: 4}, phases: [{}]}\npolicies: [{name: p}]\n"))
		Expect(err).NotTo(HaveOccurred())
		c := s.Describe(s.Policies).Server.Capacity
		Expect(c.Settings).To(Equal("{concurrency: 4, status: 503}"))
		Expect(c.RatePerS).To(BeNil())
	})
})
