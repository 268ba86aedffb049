package faultserver_test

import (
	"net/http"
	"sync"
	"time"

	. "github.com/onsi/ginkgo/v2"
	. "github.com/onsi/gomega"

	"github.com/chaos-harness/chaos/faultserver"
)

// sums are a Stats' totals by each of its breakdowns.
func sums(st faultserver.Stats) (faults, statuses, phases int64) {
	for _, n := range st.Faults {
		faults += n
	}
	for _, n := range st.Statuses {
		statuses += n
	}
	for _, p := range st.Phases {
		phases += p.Requests
		var byFault int64
		for _, n := range p.Faults {
			byFault += n
		}
		Expect(byFault).To(Equal(p.Requests), "phase %q: its faults sum to its requests", p.Phase)
	}
	return faults, statuses, phases
}

var _ = Describe("Stats", func() {
	It("is consistent while requests complete: every breakdown sums to Requests", func() {
		srv := startServer(`
phases:
  - {name: mixed, mix: [{weight: 1, fault: {status: 503}}, {weight: 1, fault: {status: 429}}, {weight: 2}]}
`, faultserver.Options{Seed: 3})
		tr := &http.Transport{MaxIdleConnsPerHost: 8}
		DeferCleanup(tr.CloseIdleConnections)
		c := &http.Client{Transport: tr, Timeout: 10 * time.Second}
		const workers, each = 8, 40
		var wg sync.WaitGroup
		for w := 0; w < workers; w++ {
			wg.Add(1)
			go func() {
				defer GinkgoRecover()
				defer wg.Done()
				statuses(c, srv.URL()+"/", "", each)
			}()
		}
		for i := 0; i < 200; i++ { // snapshots taken while the requests complete
			st := srv.Stats()
			f, s, p := sums(st)
			Expect([]int64{f, s, p}).To(Equal([]int64{st.Requests, st.Requests, st.Requests}))
		}
		wg.Wait()
		Eventually(srv.Stats).Should(HaveField("Requests", int64(workers*each)))
		st := srv.Stats()
		f, s, p := sums(st)
		Expect([]int64{f, s, p}).To(Equal([]int64{st.Requests, st.Requests, st.Requests}))
		Expect(st.Faults).To(HaveLen(2), "status and none")
		Expect(st.Statuses).To(HaveKey("503"))
		Expect(st.Statuses).To(HaveKey("429"))
	})
})
