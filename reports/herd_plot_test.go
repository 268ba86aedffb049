package reports_test

import (
	"fmt"
	"html"

	. "github.com/onsi/ginkgo/v2"
	. "github.com/onsi/gomega"

	"github.com/chaos-harness/chaos/analysis"
	"github.com/chaos-harness/chaos/record"
	"github.com/chaos-harness/chaos/reports"
)

var _ = Describe("the herd plot", func() {
	// 50 clients fail together at t=0 and retry together at t=1000, against a
	// bucket of rate 1000/s and size 4: 4 + 16 = 20 admitted in the 16 ms
	// retry window, so 50 retries in one window are 2.5 times capacity.
	herdResult := func() analysis.Result {
		GinkgoHelper()
		acc, err := analysis.New(analysis.Options{Capacity: &analysis.Capacity{Rate: 1000, Burst: 4}})
		Expect(err).NotTo(HaveOccurred())
		for attempt, t := range []float64{0, 1000} {
			for k := range 50 {
				c := fmt.Sprintf("c%d", k)
				Expect(acc.Add(record.Record{TMs: t, Client: c, Request: c, Attempt: attempt + 1, Policy: "none", Fault: "none", Status: 200 + 303*(1-attempt)})).To(Succeed())
			}
		}
		res, err := acc.Finish()
		Expect(err).NotTo(HaveOccurred())
		return res
	}

	It("draws the retries over all attempts and names the herd figures", func() {
		figs, err := reports.Figures(herdResult())
		Expect(err).NotTo(HaveOccurred())
		var arrivals *reports.Figure
		for i := range figs {
			if figs[i].Name == "arrivals" {
				arrivals = &figs[i]
			}
		}
		Expect(arrivals).NotTo(BeNil())
		svg := html.UnescapeString(string(arrivals.SVG))
		Expect(svg).To(ContainSubstring("none: most retries in 16 ms: 50 (3125/s), 2.50× capacity"))
		Expect(svg).To(ContainSubstring("all attempts"))
		Expect(svg).To(ContainSubstring(">retries<"))
		Expect(arrivals.Caption).To(ContainSubstring("the most retries in any 16 ms window (retry_max_window"))
	})
})
