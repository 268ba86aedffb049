package scenarios_test

import (
	"context"
	"strconv"

	. "github.com/onsi/ginkgo/v2"
	. "github.com/onsi/gomega"

	"github.com/chaos-harness/chaos/record"
	"github.com/chaos-harness/chaos/scenarios"
)

var _ = Describe("layers in the live engine", func() {
	live := scenarios.Options{Engine: scenarios.EngineLive}

	It("runs each layer as a fault server of its own and multiplies the retries as the simulator does", func() {
		// The fleet retries R = 2 times, layer 0 calls layer 1 with R = 2,
		// layer 1 calls the bottom (layer 2, always 503) with R = 1: per
		// logical request 3 attempts at layer 0, 3 × 3 = 9 at layer 1 and
		// 9 × 2 = 18 at layer 2. 5 clients × 2 requests: 30, 90 and 180.
		s := parse(`
server:
  downstream:
    policy: ` + retry2 + `
    server:
      downstream:
        policy: {name: r1, retry: {max_retries: 1, base: 1ms, cap: 1ms, jitter: none}}
        server: {response: {status: 503}}
clients: {count: 5, requests: 2, timeout: 2s}
policies: [` + retry2 + `]
`)
		for _, engine := range []string{scenarios.EngineLive, scenarios.EngineSim} {
			out := simulate(s, scenarios.Options{Engine: engine})
			n, outcomes := byLayer(out.Records)
			Expect(n).To(Equal(map[int]int{0: 30, 1: 90, 2: 180}), engine)
			Expect(outcomes[0]).To(Equal(map[string]int{record.OutcomeStatus: 30}), engine)
			Expect(outcomes[1]).To(Equal(map[string]int{record.OutcomeStatus: 90}), engine)
			Expect(outcomes[2]).To(Equal(map[string]int{record.OutcomeStatus: 180}), engine)
			layers := layerFigures(out, "r2")
			Expect(layers).To(HaveLen(3), engine)
			for i, want := range []struct{ attempts, amp int }{{30, 3}, {90, 9}, {180, 18}} {
				Expect(layers[i].Attempts).To(Equal(want.attempts), engine)
				Expect(*layers[i].Amplification).To(BeNumerically("==", want.amp), engine)
				Expect(layers[i].Succeeded).To(BeZero(), engine)
			}
			p := out.Result.Policies[0]
			Expect(p.LogicalRequests).To(Equal(10), engine)
			Expect(p.Attempts).To(Equal(30), engine)
			// Each layer's Records name their caller, one request id per
			// call (a call of layer 0 per attempt of the fleet's), and
			// its attempts; every layer above the bottom answers 503.
			calls := map[int]map[string]int{1: {}, 2: {}}
			for _, r := range out.Records {
				if r.Layer == 0 {
					Expect(r.Status).To(Equal(503))
					Expect(r.UpstreamStatus).To(BeZero())
					continue
				}
				Expect(r.Client).To(Equal("layer"+strconv.Itoa(r.Layer-1)), engine)
				Expect(r.Policy).To(Equal("r2"))
				calls[r.Layer][r.Request]++
			}
			Expect(calls[1]).To(HaveLen(30), engine)
			Expect(calls[2]).To(HaveLen(90), engine)
			for _, c := range calls[1] {
				Expect(c).To(Equal(3))
			}
			for _, c := range calls[2] {
				Expect(c).To(Equal(2))
			}
		}
	})

	It("answers with the call below when it succeeded, fail_status when it gave up, under each fleet policy's layer policy", func() {
		// One client makes 6 requests one after another; layer 1 fails
		// its first 4 arrivals (a fresh server per fleet policy). Under
		// "retry-below" layer 0 retries once: requests 1 and 2 each make
		// 2 failing attempts below and are answered fail_status 502, the
		// other 4 one attempt each. Under "once-below" (policy_for) layer
		// 0 calls once: requests 1-4 fail, 5 and 6 succeed. The fleet
		// does not retry.
		s := parse(`
server:
  downstream:
    policy: {name: r1, retry: {max_retries: 1, base: 1ms, cap: 1ms, jitter: none}}
    policy_for:
      once-below: {name: once}
    fail_status: 502
    server:
      phases: [{name: down, requests: 4, fault: {status: 503}}, {name: up}]
clients: {count: 1, requests: 6, timeout: 2s}
policies:
  - {name: retry-below}
  - {name: once-below}
`)
		out := simulate(s, live)
		for _, c := range []struct {
			policy    string
			statuses  []int
			below     int
			succeeded int
		}{
			{"retry-below", []int{502, 502, 200, 200, 200, 200}, 8, 4},
			{"once-below", []int{502, 502, 502, 502, 200, 200}, 6, 2},
		} {
			var top []int
			below := 0
			for _, r := range recordsOf(out, c.policy) {
				if r.Layer == 0 {
					top = append(top, r.Status)
				} else {
					below++
				}
			}
			Expect(top).To(Equal(c.statuses), c.policy)
			Expect(below).To(Equal(c.below), c.policy)
			layers := layerFigures(out, c.policy)
			Expect(layers[0].Succeeded).To(Equal(c.succeeded), c.policy)
			Expect(layers[1].Attempts).To(Equal(c.below), c.policy)
		}
	})

	It("refuses layers where the live engine cannot run them: a gRPC server, a fleet across hosts", func() {
		s := parse(`
server:
  protocol: grpc
  downstream: {policy: {name: none}, server: {}}
clients: {path: /chaos.v1.Echo/Call}
policies: [{name: none}]
`)
		_, err := s.Run(context.Background(), live)
		Expect(err).To(MatchError(ContainSubstring("server.protocol grpc runs on the sim engine only")))
		h := parse("server: {downstream: {policy: {name: none}, server: {}}}\npolicies: [{name: none}]\n")
		_, err = h.RunFleetShard(context.Background(), scenarios.Options{}, scenarios.FleetShard{Of: 1, Server: "http://127.0.0.1:1"})
		Expect(err).To(MatchError(ContainSubstring("does not run server.downstream")))
	})
})
