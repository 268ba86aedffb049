package analysis_test

import (
	. "github.com/onsi/ginkgo/v2"
	. "github.com/onsi/gomega"

	"github.com/chaos-harness/chaos/analysis"
	"github.com/chaos-harness/chaos/record"
)

var _ = Describe("layers", func() {
	// Two logical requests of the fleet, at a server (layer 0) that calls
	// layer 1: c1/1 fails once at layer 0 (its call to layer 1 failed
	// twice) then succeeds (its call succeeded at once); c2/1 succeeds at
	// once, its call succeeding on a second try.
	at := func(t float64, client, req string, attempt, status int, outcome string, layer int) record.Record {
		return record.Record{TMs: t, Client: client, Request: req, Attempt: attempt, Method: "GET", Path: "/",
			Phase: "p", Fault: record.FaultNone, Status: status, LatencyMs: 1, Policy: "r", Outcome: outcome, Layer: layer}
	}
	log := []record.Record{
		at(0, "c1", "c1/1", 1, 503, record.OutcomeStatus, 0),
		at(0, "layer0", "layer0/1", 1, 503, record.OutcomeStatus, 1),
		at(1, "layer0", "layer0/1", 2, 503, record.OutcomeStatus, 1),
		at(2, "c2", "c2/1", 1, 200, record.OutcomeOK, 0),
		at(2, "layer0", "layer0/2", 1, 503, record.OutcomeStatus, 1),
		at(3, "layer0", "layer0/2", 2, 200, record.OutcomeOK, 1),
		at(5, "c1", "c1/1", 2, 200, record.OutcomeOK, 0),
		at(5, "layer0", "layer0/3", 1, 200, record.OutcomeOK, 1),
	}

	It("gives attempts, amplification and successes per layer, and the fleet's figures from layer 0 alone", func() {
		res := analyse(analysis.Options{}, log)
		Expect(res.Policies).To(HaveLen(1))
		p := res.Policies[0]
		// Layer 0: 3 attempts (c1/1 twice, c2/1 once) for 2 logical
		// requests, both succeeded: 3/2 = 1.5.
		Expect(p.LogicalRequests).To(Equal(2))
		Expect(p.Attempts).To(Equal(3))
		Expect(p.Succeeded).To(Equal(2))
		Expect(*p.Amplification).To(Equal(1.5))
		// Layer 1: 5 attempts, 2 ok (layer0/2's second, layer0/3's), over
		// the fleet's 2 logical requests: 5/2 = 2.5.
		Expect(p.Layers).To(HaveLen(2))
		Expect(p.Layers[0]).To(Equal(analysis.LayerFigures{Layer: 0, Attempts: 3, Amplification: ptr(1.5), Succeeded: 2}))
		Expect(p.Layers[1]).To(Equal(analysis.LayerFigures{Layer: 1, Attempts: 5, Amplification: ptr(2.5), Succeeded: 2}))
	})

	It("leaves layers out of a log with no layer below 0", func() {
		res := analyse(analysis.Options{}, []record.Record{log[0], log[3], log[6]})
		Expect(res.Policies[0].Layers).To(BeNil())
		Expect(res.Policies[0].Attempts).To(Equal(3))
	})

	It("refuses a negative layer, naming the field", func() {
		acc, err := analysis.New(analysis.Options{})
		Expect(err).NotTo(HaveOccurred())
		Expect(acc.Add(record.Record{Layer: -1})).To(MatchError(ContainSubstring("layer -1")))
	})
})
