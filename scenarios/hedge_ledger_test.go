package scenarios_test

import (
	"encoding/json"
	"time"

	. "github.com/onsi/ginkgo/v2"
	. "github.com/onsi/gomega"

	"github.com/chaos-harness/chaos/analysis"
	"github.com/chaos-harness/chaos/record"
	"github.com/chaos-harness/chaos/resilience"
	"github.com/chaos-harness/chaos/scenarios"
)

var _ = Describe("the run ledger's hedges", func() {
	const src = `name: h
server: {}
clients: {count: 2}
policies:
  - {name: hedged, hedge: {delay: 50ms}}
  - {name: plain}
`
	It("counts hedges sent, won and wasted from the policy's events into PolicyRun and result.json", func() {
		s, err := scenarios.Parse("h.yaml", []byte(src))
		Expect(err).NotTo(HaveOccurred())
		l := scenarios.NewLedger(s, "hedged", 2)
		// c0: a hedge at 50ms wins at 60ms (the original is wasted); c1: a
		// hedge at 50ms loses to the original at 70ms (the hedge is wasted).
		ms := time.Millisecond
		for _, e := range []struct {
			client int
			event  resilience.Event
		}{
			{0, callEvent(resilience.EventHedge, 50*ms, 2)},
			{1, callEvent(resilience.EventHedge, 50*ms, 2)},
			{0, callEvent(resilience.EventHedgeWasted, 60*ms, 1)},
			{0, callEvent(resilience.EventHedgeWon, 60*ms, 2)},
			{0, callEvent(resilience.EventSuccess, 60*ms, 2)},
			{1, callEvent(resilience.EventHedgeWasted, 70*ms, 2)},
			{1, callEvent(resilience.EventSuccess, 70*ms, 2)},
		} {
			l.Event(e.client, e.event)
		}
		run := l.PolicyRun()
		Expect(run.Hedges).To(Equal(&analysis.Hedges{Sent: 2, Won: 1, Wasted: 2}))
		Expect(scenarios.NewLedger(s, "plain", 1).PolicyRun().Hedges).To(BeNil(), "no hedges for a policy that does not hedge")

		r := &scenarios.Run{Scenario: "h", Engine: scenarios.EngineLive, Policies: []scenarios.PolicyRun{run}}
		acc, err := analysis.New(r.AnalysisOptions("chaos run h.yaml"))
		Expect(err).NotTo(HaveOccurred())
		for i, client := range []string{"c1", "c2"} {
			rec := record.Record{TMs: float64(10 * i), Client: client, Request: client + "/1", Attempt: 1, Method: "GET",
				Path: "/", Fault: record.FaultNone, Status: 200, Policy: "hedged"}
			Expect(acc.Add(rec)).To(Succeed())
		}
		res, err := acc.Finish()
		Expect(err).NotTo(HaveOccurred())
		b, err := json.Marshal(res.Policies[0])
		Expect(err).NotTo(HaveOccurred())
		Expect(string(b)).To(ContainSubstring(`"hedges":{"sent":2,"won":1,"wasted":2}`))
	})
})
