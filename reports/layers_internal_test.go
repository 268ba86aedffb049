package reports

import (
	. "github.com/onsi/ginkgo/v2"
	g "github.com/onsi/gomega"

	"github.com/chaos-harness/chaos/analysis"
)

var _ = Describe("the layers table", func() {
	It("has a row per strategy and layer, and is left out without layers", func() {
		three, nine := 3.0, 9.0
		res := analysis.Result{Policies: []analysis.PolicyResult{
			{Name: "r2", Layers: []analysis.LayerFigures{
				{Layer: 0, Attempts: 90, Amplification: &three, Succeeded: 0},
				{Layer: 1, Attempts: 270, Amplification: &nine, Succeeded: 0}}},
			{Name: "flat"},
		}}
		t := layersTable(res)
		g.Expect(t.Rows).To(g.Equal([][]string{{"r2", "0", "90", num(3), "0"}, {"r2", "1", "270", num(9), "0"}}))
		var ids []string
		for _, st := range summaryTables(res) {
			ids = append(ids, st.ID)
		}
		g.Expect(ids).To(g.ContainElement("layers"))
		res.Policies = res.Policies[1:]
		ids = nil
		for _, st := range summaryTables(res) {
			ids = append(ids, st.ID)
		}
		g.Expect(ids).NotTo(g.ContainElement("layers"))
	})
})
