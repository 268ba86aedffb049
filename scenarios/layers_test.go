package scenarios_test

import (
	"strings"

	. "github.com/onsi/ginkgo/v2"
	. "github.com/onsi/gomega"

	"github.com/chaos-harness/chaos/analysis"
	"github.com/chaos-harness/chaos/record"
	"github.com/chaos-harness/chaos/scenarios"
)

// byLayer counts Records by layer, and those of each layer by outcome.
func byLayer(rs []record.Record) (map[int]int, map[int]map[string]int) {
	n, out := map[int]int{}, map[int]map[string]int{}
	for _, r := range rs {
		n[r.Layer]++
		if out[r.Layer] == nil {
			out[r.Layer] = map[string]int{}
		}
		out[r.Layer][r.Outcome]++
	}
	return n, out
}

// layerFigures is the result's layers of the policy named.
func layerFigures(out *scenarios.AnalyzedRun, policy string) []analysis.LayerFigures {
	for _, p := range out.Result.Policies {
		if p.Name == policy {
			return p.Layers
		}
	}
	Fail("no policy " + policy)
	return nil
}

// retry2 retries twice, at once (a 1ms fixed backoff: the closed forms do
// not depend on the waits).
const retry2 = `{name: r2, retry: {max_retries: 2, base: 1ms, cap: 1ms, jitter: none}}`

var _ = Describe("layers (server.downstream)", func() {
	It("multiplies the retries of each layer: (R+1)^(depth+1) attempts per logical request against a failing bottom", func() {
		// The fleet and each of two layers retry R = 2 times; the bottom
		// (layer 2) always fails. A logical request makes R+1 = 3
		// attempts at layer 0, each one call of 3 attempts at layer 1,
		// each one call of 3 attempts at layer 2: 3, 9 and 27 per logical
		// request. 10 clients x 3 requests = 30 logical requests: 90, 270
		// and 810 attempts.
		s := parse(`
server:
  downstream:
    policy: ` + retry2 + `
    server:
      downstream:
        policy: ` + retry2 + `
        server:
          phases: [{name: down, duration: 1h, fault: {status: 503}}]
clients: {count: 10, requests: 3}
policies: [` + retry2 + `]
`)
		out := simulate(s, scenarios.Options{})
		n, outcomes := byLayer(out.Records)
		Expect(n).To(Equal(map[int]int{0: 90, 1: 270, 2: 810}))
		// Every layer answers 503 once its call gave up.
		Expect(outcomes[0]).To(Equal(map[string]int{"status": 90}))
		Expect(outcomes[1]).To(Equal(map[string]int{"status": 270}))
		layers := layerFigures(out, "r2")
		Expect(layers).To(HaveLen(3))
		for i, want := range []struct{ attempts, amp int }{{90, 3}, {270, 9}, {810, 27}} {
			Expect(layers[i].Layer).To(Equal(i))
			Expect(layers[i].Attempts).To(Equal(want.attempts))
			Expect(*layers[i].Amplification).To(BeNumerically("==", want.amp))
			Expect(layers[i].Succeeded).To(BeZero())
		}
		// The fleet's own figures are layer 0's alone.
		p := out.Result.Policies[0]
		Expect(p.LogicalRequests).To(Equal(30))
		Expect(p.Attempts).To(Equal(90))
		Expect(*p.Amplification).To(BeNumerically("==", 3))
		// A layer's Records name their caller and its call.
		for _, r := range out.Records {
			if r.Layer == 2 {
				Expect(r.Client).To(Equal("layer1"))
				Expect(r.Request).To(HavePrefix("layer1/"))
			}
		}
	})

	It("matches the exact expectation of bottom attempts with a bottom failing independently with probability p", func() {
		// The bottom fails each attempt independently with p = 0.5; layer
		// 0 and the fleet retry R = 2 times. A call of layer 0 makes N
		// attempts at the bottom, N truncated geometric:
		//   E[N] = sum_{k=0..R} p^k = (1 - p^(R+1))/(1 - p) = 0.875/0.5 = 1.75,
		// and fails (all R+1 failed) with f = p^(R+1) = 0.125, when layer 0
		// answers 503. The fleet's attempts per logical request M have
		//   E[M] = (1 - f^(R+1))/(1 - f) = (1 - 0.125^3)/0.875 = 1.140625,
		// each one call, and M is a stopping time of those iid calls, so
		// by Wald's identity the bottom's attempts per logical request are
		//   E[M]·E[N] = 1.140625 × 1.75 = 1.99609375;
		// and the fleet's success rate is 1 - f^3 = 0.998046875.
		// 20,000 logical requests: the per-request count has a standard
		// deviation near 1.2, so the mean's is under 0.01; 0.03 is 3 of it.
		s := parse(`
seed: 11
server:
  downstream:
    policy: ` + retry2 + `
    server:
      phases:
        - name: flaky
          mix: [{weight: 50}, {weight: 50, fault: {status: 503}}]
clients: {count: 2000, requests: 10}
policies: [` + retry2 + `]
`)
		out := simulate(s, scenarios.Options{})
		layers := layerFigures(out, "r2")
		Expect(layers).To(HaveLen(2))
		Expect(*layers[1].Amplification).To(BeNumerically("~", 1.99609375, 0.03))
		Expect(*layers[0].Amplification).To(BeNumerically("~", 1.140625, 0.01))
		Expect(out.Result.Policies[0].SuccessRate).To(BeNumerically("~", 0.998046875, 0.002))
		// Each successful call of layer 0 ended on one successful bottom
		// attempt: layer 1's successes are layer 0's calls that succeeded.
		Expect(layers[1].Succeeded).To(BeNumerically(">", 0))
		okAt0 := 0
		for _, r := range out.Records {
			if r.Layer == 0 && r.Outcome == record.OutcomeOK {
				okAt0++
			}
		}
		Expect(layers[1].Succeeded).To(Equal(okAt0))
	})

	It("sends nothing down for a request the layer's own script faults, and answers fail_status when the call gave up", func() {
		s := parse(`
server:
  routes:
    - {name: broken, path: /broken, phases: [{name: down, duration: 1h, fault: {status: 500}}]}
  downstream:
    policy: {name: none}
    fail_status: 502
    server:
      phases: [{name: down, duration: 1h, fault: {status: 503}}]
clients: {count: 4, requests: 2}
policies: [{name: none}]
`)
		_, rs := execute(s, scenarios.Options{})
		n, _ := byLayer(rs)
		// 8 logical requests, no retry: 8 attempts at layer 0, each one
		// attempt at layer 1 (503), each answered 502 by layer 0.
		Expect(n).To(Equal(map[int]int{0: 8, 1: 8}))
		for _, r := range rs {
			if r.Layer == 0 {
				Expect(r.Status).To(Equal(502))
			}
		}
		faulted := strings.Replace(string(s.Source), "clients: {count: 4, requests: 2}", "clients: {count: 4, requests: 2, path: /broken}", 1)
		_, rs = execute(parse(faulted), scenarios.Options{})
		n, _ = byLayer(rs)
		Expect(n).To(Equal(map[int]int{0: 8})) // the 500s never reached layer 1
	})

	DescribeTable("service.abandoned decides whether a call goes on once the client above gave up",
		func(abandoned string, bottomAttempts int, lastOutcome string) {
			// One request, timeout 150ms, no fleet retry. Layer 0 calls the
			// bottom (always 503) retrying twice 100ms apart: attempts at
			// 0, 100 and 200ms. The client leaves at 150ms: with cancel,
			// layer 0 aborts the call in its wait, so the third attempt is
			// never sent; with finish the call runs to its end.
			s := parse(`
server:
  service: {base: 1ms, abandoned: ` + abandoned + `}
  downstream:
    policy: {name: r2, retry: {max_retries: 2, base: 100ms, cap: 100ms, jitter: none}}
    server:
      phases: [{name: down, duration: 1h, fault: {status: 503}}]
clients: {count: 1, requests: 1, timeout: 150ms}
policies: [{name: none}]
`)
			_, rs := execute(s, scenarios.Options{})
			n, outcomes := byLayer(rs)
			Expect(n).To(Equal(map[int]int{0: 1, 1: bottomAttempts}))
			Expect(outcomes[0]).To(Equal(map[string]int{"timeout": 1}))
			Expect(rs[len(rs)-1].Outcome).To(Equal(lastOutcome))
		},
		Entry("cancel aborts the call", "cancel", 2, "status"),
		Entry("finish keeps calling", "finish", 3, "status"),
	)

	DescribeTable("an attempt in flight when the caller cancels is logged as cancelled",
		func(abandoned, outcome string) {
			// The bottom answers after 300ms; the client leaves at 100ms.
			// With cancel, layer 0 cancels its call with the attempt in
			// flight, which its Record says (outcome error); with finish
			// the call waits for the answer, which is ok.
			s := parse(`
server:
  service: {base: 1ms, abandoned: ` + abandoned + `}
  downstream:
    policy: {name: none}
    server:
      phases: [{name: slow, duration: 1h, fault: {delay: 300ms}}]
clients: {count: 1, requests: 1, timeout: 100ms}
policies: [{name: none}]
`)
			_, rs := execute(s, scenarios.Options{})
			Expect(rs).To(HaveLen(2))
			Expect(rs[0].Layer).To(Equal(0))
			Expect(rs[0].Outcome).To(Equal(record.OutcomeTimeout))
			Expect(rs[1].Layer).To(Equal(1))
			Expect(rs[1].Outcome).To(Equal(outcome))
		},
		Entry("cancel", "cancel", record.OutcomeError),
		Entry("finish", "finish", record.OutcomeOK),
	)

	It("refuses bad downstream keys with their path", func() {
		_, err := scenarios.Parse("bad.yaml", []byte(`
server:
  downstream:
    policy: {name: x, retry: {max_retries: -1}}
    fail_status: 200
    extra: 1
    policy_for: {nosuch: {name: none}}
policies: [{name: none}]
`))
		Expect(err).To(MatchError(ContainSubstring("server.downstream.policy.retry.max_retries")))
		Expect(err).To(MatchError(ContainSubstring("server.downstream.fail_status: must be a failing status")))
		Expect(err).To(MatchError(ContainSubstring("server.downstream.extra")))
		Expect(err).To(MatchError(ContainSubstring("server.downstream.server: a downstream needs")))
		Expect(err).To(MatchError(ContainSubstring("server.downstream.policy_for.nosuch")))
	})

	It("layered-retries: retrying at every layer multiplies the bottom's load, retrying at the top only does not", func() {
		s, err := scenarios.LoadBuiltin("layered-retries")
		Expect(err).NotTo(HaveOccurred())
		out := simulate(s, scenarios.Options{})
		every, top := layerFigures(out, "retry-every-layer"), layerFigures(out, "retry-top-only")
		// A calling B once, B sees exactly A's attempts.
		Expect(top[1].Attempts).To(Equal(top[0].Attempts))
		// Bounds: at most (3+1)^2 = 16 and 3+1 = 4 attempts at B per
		// logical request; retrying at both layers costs B more than twice
		// what retrying at the top does.
		Expect(*every[1].Amplification).To(BeNumerically("<=", 16))
		Expect(*top[1].Amplification).To(BeNumerically("<=", 4))
		Expect(*every[1].Amplification).To(BeNumerically(">", 2**top[1].Amplification))
		// The report's server settings show the layer, with the policy
		// that replaces its own under retry-top-only.
		var layer string
		for _, o := range s.Describe(s.Policies).Server.Other {
			if o.Key == "downstream, layer 1" {
				layer = o.Value
			}
		}
		Expect(layer).To(ContainSubstring("max_retries: 3"))
		Expect(layer).To(ContainSubstring("under retry-top-only: none"))
		Expect(layer).To(ContainSubstring("fail_status 503"))
	})
})
