package analysis_test

import (
	"encoding/json"

	. "github.com/onsi/ginkgo/v2"
	. "github.com/onsi/gomega"

	"github.com/chaos-harness/chaos/analysis"
)

var _ = Describe("hedges, as the runner reports them", func() {
	It("are the policy's hedges in result.json, and absent for a policy that does not hedge", func() {
		res := analyse(analysis.Options{Hedges: map[string]analysis.Hedges{"client": {Sent: 4, Won: 3, Wasted: 4}}}, smallLog())
		Expect(res.Policies[0].Hedges).To(Equal(&analysis.Hedges{Sent: 4, Won: 3, Wasted: 4}))
		b, err := json.Marshal(res.Policies[0])
		Expect(err).NotTo(HaveOccurred())
		Expect(string(b)).To(ContainSubstring(`"hedges":{"sent":4,"won":3,"wasted":4}`))
		v, err := analysis.Lookup(&res.Policies[0], "hedges.won")
		Expect(err).NotTo(HaveOccurred())
		Expect(v.Value).To(Equal(3.0), "an assertion may name it")

		plain := analyse(analysis.Options{}, smallLog()).Policies[0]
		b, err = json.Marshal(plain)
		Expect(err).NotTo(HaveOccurred())
		Expect(string(b)).NotTo(ContainSubstring(`"hedges"`), "so a log without hedging reads as before")
	})

	It("are refused when they are not counts with won at most sent", func() {
		_, err := analysis.New(analysis.Options{Hedges: map[string]analysis.Hedges{"p": {Sent: 1, Won: 2}}})
		Expect(err).To(MatchError(ContainSubstring(`hedges of "p"`)))
	})
})
