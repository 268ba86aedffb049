package faultserver_test

import (
	"net/http"
	"sync"
	"time"

	. "github.com/onsi/ginkgo/v2"
	. "github.com/onsi/gomega"

	"github.com/chaos-harness/chaos/faultserver"
	"github.com/chaos-harness/chaos/record"
)

var _ = Describe("the queueing server on the wire", func() {
	// burstThenProbe sends four requests at once, each from a client that
	// waits 600 ms and says so (X-Chaos-Timeout), then, once all four gave
	// up, a probe that waits as long as it takes; it returns the probe's
	// Record.
	burstThenProbe := func(abandoned string) record.Record {
		srv := startServer("service: {base: 400ms, abandoned: "+abandoned+"}\nqueue: {workers: 1}\n", faultserver.Options{})
		impatient := freshClient(600 * time.Millisecond)
		var wg sync.WaitGroup
		for range 4 {
			wg.Add(1)
			go func() {
				defer GinkgoRecover()
				defer wg.Done()
				req, err := http.NewRequest(http.MethodGet, srv.URL()+"/", nil)
				Expect(err).NotTo(HaveOccurred())
				req.Header.Set(record.HeaderClient, "burst")
				req.Header.Set(record.HeaderTimeout, "600")
				if resp, err := impatient.Do(req); err == nil {
					resp.Body.Close()
				}
			}()
		}
		wg.Wait()
		resp, _, err := call(freshClient(0), http.MethodGet, srv.URL()+"/", "probe")
		Expect(err).NotTo(HaveOccurred())
		Expect(resp.StatusCode).To(Equal(http.StatusOK))
		for _, r := range waitRecords(srv, 5) {
			if r.Client == "probe" {
				return r
			}
		}
		Fail("no Record of the probe")
		return record.Record{}
	}

	It("under finish goes on with the work of clients that left; under cancel frees their places", func() {
		// The four arrive at about 0. Under finish the worker serves them
		// 0-400, 400-800, 800-1200 and 1200-1600 ms whatever their clients
		// do, so the probe, accepted at t ≥ 600 ms (every client waited 600
		// ms), is held max(0, 1600 − t) + 400 ms at least. Under cancel the
		// second is cancelled at 600 and the last two leave the queue then
		// without a worker: the probe is served at once, in 400 ms, far below
		// what finish would have held it (about 1350 ms). A sleep is never
		// early, so the bounds below hold on a loaded machine.
		finish := burstThenProbe(faultserver.AbandonedFinish)
		Expect(finish.TMs).To(BeNumerically(">=", 590))
		Expect(finish.LatencyMs).To(BeNumerically(">=", max(0, 1600-finish.TMs-10)+400))

		cancel := burstThenProbe(faultserver.AbandonedCancel)
		Expect(cancel.TMs).To(BeNumerically(">=", 590))
		Expect(cancel.LatencyMs).To(BeNumerically(">=", 400))
		Expect(cancel.LatencyMs).To(BeNumerically("<", max(0, 1600-cancel.TMs)+400-200))
	})
})
