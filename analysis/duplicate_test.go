package analysis_test

import (
	"encoding/json"
	"strings"

	. "github.com/onsi/ginkgo/v2"
	. "github.com/onsi/gomega"

	"github.com/chaos-harness/chaos/analysis"
	"github.com/chaos-harness/chaos/record"
)

// readLog reads a hand-made log of JSON lines.
func readLog(log string) []record.Record {
	var recs []record.Record
	ExpectWithOffset(1, record.Read(strings.NewReader(log), func(r record.Record) error {
		recs = append(recs, r)
		return nil
	})).To(Succeed())
	return recs
}

var _ = Describe("duplicate side effects (faults after the work)", func() {
	// A log of `chaos serve --upstream`, one policy. upstream_status marks an
	// attempt that reached the upstream:
	//   c1/1 POST, no key:  reset after the upstream (201), retry forwarded (201) -> 2 effects, unsafe
	//   c2/1 POST, keyed:   the same, both attempts with an Idempotency-Key    -> 2 effects, safe
	//   c3/1 PUT, no key:   503 after the upstream, retry forwarded            -> 2 effects, safe (idempotent)
	//   c4/1 POST, no key:  503 before the upstream (none), retry forwarded    -> 1 effect
	//   c5/1 GET:           forwarded once                                     -> 1 effect
	//   c6/1 PATCH, no key: hang after the upstream twice, then forwarded      -> 3 effects, unsafe
	//   c7/1 POST, keyed first only: reset after the upstream, retry with none -> 2 effects, unsafe
	// duplicate_effects = c1, c2, c3, c6, c7 = 5; unsafe_duplicate_effects = c1, c6, c7 = 3.
	log := `{"t_ms":0,"client":"c1","request":"c1/1","attempt":1,"method":"POST","fault":"reset","status":0,"upstream_status":201}
{"t_ms":50,"client":"c1","request":"c1/1","attempt":2,"method":"POST","fault":"none","status":201,"upstream_status":201}
{"t_ms":1,"client":"c2","request":"c2/1","attempt":1,"method":"POST","fault":"reset","status":0,"upstream_status":201,"idempotency_key":true}
{"t_ms":51,"client":"c2","request":"c2/1","attempt":2,"method":"POST","fault":"none","status":201,"upstream_status":201,"idempotency_key":true}
{"t_ms":2,"client":"c3","request":"c3/1","attempt":1,"method":"PUT","fault":"status","status":503,"upstream_status":200}
{"t_ms":52,"client":"c3","request":"c3/1","attempt":2,"method":"PUT","fault":"none","status":200,"upstream_status":200}
{"t_ms":3,"client":"c4","request":"c4/1","attempt":1,"method":"POST","fault":"status","status":503}
{"t_ms":53,"client":"c4","request":"c4/1","attempt":2,"method":"POST","fault":"none","status":201,"upstream_status":201}
{"t_ms":4,"client":"c5","request":"c5/1","attempt":1,"method":"GET","fault":"none","status":200,"upstream_status":200}
{"t_ms":5,"client":"c6","request":"c6/1","attempt":1,"method":"PATCH","fault":"hang","status":0,"upstream_status":200}
{"t_ms":55,"client":"c6","request":"c6/1","attempt":2,"method":"PATCH","fault":"hang","status":0,"upstream_status":200}
{"t_ms":105,"client":"c6","request":"c6/1","attempt":3,"method":"PATCH","fault":"none","status":200,"upstream_status":200}
{"t_ms":6,"client":"c7","request":"c7/1","attempt":1,"method":"POST","fault":"reset","status":0,"upstream_status":201,"idempotency_key":true}
{"t_ms":56,"client":"c7","request":"c7/1","attempt":2,"method":"POST","fault":"none","status":201,"upstream_status":201}
`

	It("counts the logical requests that reached the upstream more than once, and the unsafe ones", func() {
		p := analyse(analysis.Options{}, readLog(log)).Policies[0]
		Expect(p.LogicalRequests).To(Equal(7))
		Expect(p.DuplicateEffects).To(HaveValue(Equal(5)))
		Expect(p.UnsafeDuplicateEffects).To(HaveValue(Equal(3)))
	})

	It("leaves both out of result.json for a log in which nothing reached an upstream", func() {
		// The same requests without upstream_status: a server with no proxy.
		var plain []string
		for _, line := range strings.Split(strings.TrimSpace(log), "\n") {
			var m map[string]any
			Expect(json.Unmarshal([]byte(line), &m)).To(Succeed())
			delete(m, "upstream_status")
			b, err := json.Marshal(m)
			Expect(err).NotTo(HaveOccurred())
			plain = append(plain, string(b))
		}
		res := analyse(analysis.Options{}, readLog(strings.Join(plain, "\n")+"\n"))
		p := res.Policies[0]
		Expect(p.DuplicateEffects).To(BeNil())
		Expect(p.UnsafeDuplicateEffects).To(BeNil())
		out, err := json.Marshal(p)
		Expect(err).NotTo(HaveOccurred())
		Expect(string(out)).NotTo(ContainSubstring("duplicate_effects"))
	})

	It("is readable by an assertion's metric path", func() {
		res := analyse(analysis.Options{}, readLog(log))
		r, err := analysis.Lookup(&res.Policies[0], "unsafe_duplicate_effects")
		Expect(err).NotTo(HaveOccurred())
		Expect(r.Value).To(Equal(3.0))
	})
})

var _ = Describe("a stream cut short", func() {
	// Three logical requests of one attempt, as `chaos serve` logs them:
	//   a: a whole stream, 5 events                         -> success
	//   b: cut after 2 of 5 events (incomplete), status 200 -> failure
	//   c: a whole stream with a failing status (503)       -> failure
	// Succeeded = 1 of 3.
	log := `{"t_ms":0,"client":"a","request":"a/1","attempt":1,"fault":"stream","status":200,"latency_ms":400,"body_bytes":105,"stream_events":5}
{"t_ms":1,"client":"b","request":"b/1","attempt":1,"fault":"stream","status":200,"latency_ms":100,"body_bytes":42,"incomplete":true,"stream_events":2}
{"t_ms":2,"client":"c","request":"c/1","attempt":1,"fault":"stream","status":503,"latency_ms":400,"body_bytes":105,"stream_events":5}
`

	It("is a failure, and a whole stream with a status below 400 a success", func() {
		recs := readLog(log)
		Expect(recs[1].StreamEvents).To(Equal(2))
		Expect([]bool{analysis.Succeeded(recs[0]), analysis.Succeeded(recs[1]), analysis.Succeeded(recs[2])}).
			To(Equal([]bool{true, false, false}))
		p := analyse(analysis.Options{}, recs).Policies[0]
		Expect([]any{p.LogicalRequests, p.Succeeded, p.Faults[record.FaultStream]}).To(Equal([]any{3, 1, 3}))
	})
})
