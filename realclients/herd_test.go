package realclients_test

import (
	"time"

	"github.com/hashicorp/go-retryablehttp"
	. "github.com/onsi/ginkgo/v2"
	. "github.com/onsi/gomega"

	"github.com/chaos-harness/chaos/analysis"
	"github.com/chaos-harness/chaos/record"
)

// analysed is the one fleet's statistics over records, as `chaos analyze`
// computes them.
func analysed(records []record.Record) analysis.PolicyResult {
	acc, err := analysis.New(analysis.Options{})
	Expect(err).NotTo(HaveOccurred())
	for _, rec := range records {
		Expect(acc.Add(rec)).To(Succeed())
	}
	res, err := acc.Finish()
	Expect(err).NotTo(HaveOccurred())
	p, ok := res.Policy(analysis.DefaultPolicyName)
	Expect(ok).To(BeTrue())
	return *p
}

// firstBurst counts the first attempts: every client sends one at the
// barrier, so both fleets share it.
func firstBurst(records []record.Record) int {
	n := 0
	for _, r := range records {
		if r.Attempt == 1 {
			n++
		}
	}
	return n
}

var _ = Describe("herd figures on fleets that start together", func() {
	// Each case runs the same library twice against a 2 s outage: once with
	// a backoff that has no randomness, so the fleet's retries stay in step,
	// once jittered. The first burst is the same 50 requests; only the
	// retries differ. The old figures (peak_to_mean, max_window_arrivals) are
	// set by that shared burst and cannot tell the fleets apart; the retry
	// figures must, by a wide margin.
	DescribeTable("the synchronized fleet is the worse herd",
		func(synced, jittered fleet) {
			s, j := runFleet(outage, synced), runFleet(outage, jittered)
			Expect(firstBurst(s)).To(Equal(fleetSize))
			Expect(firstBurst(j)).To(Equal(fleetSize))
			ps, pj := analysed(s), analysed(j)
			Expect(ps.SuccessRate).To(Equal(1.0))
			Expect(pj.SuccessRate).To(Equal(1.0))
			// In step, a whole retry round of 50 lands within one window of
			// retry_window_ms (the default, 16 ms; seen: 41-50 idle, 32-41
			// with two -race runs at once); jittered uniformly over
			// 0.2-1.6 s, a window holds 50 × 16 / 1400 ≈ 0.6 of a round on
			// average and a few at most (seen: 3-5). A third of the fleet in
			// one window and a factor of 3 leave room for a loaded machine,
			// which can only smear the synchronized rounds; the old figures
			// fail both (peak_to_mean is higher for the jittered fleet, as
			// the verdicts issue found).
			GinkgoWriter.Printf("old figures: peak_to_mean synced %.1f jittered %.1f; max_window_arrivals %d vs %d\n",
				ps.PeakToMean, pj.PeakToMean, ps.MaxWindowArrivals, pj.MaxWindowArrivals)
			Expect(ps.RetryMaxWindow).NotTo(BeNil())
			Expect(pj.RetryMaxWindow).NotTo(BeNil())
			GinkgoWriter.Printf("retry_max_window synced %d jittered %d; retry_peak_rate %.0f/s vs %.0f/s\n",
				*ps.RetryMaxWindow, *pj.RetryMaxWindow, *ps.RetryPeakRate, *pj.RetryPeakRate)
			Expect(*ps.RetryMaxWindow).To(BeNumerically(">=", fleetSize/3))
			Expect(*ps.RetryMaxWindow).To(BeNumerically(">=", 3**pj.RetryMaxWindow))
			Expect(*ps.RetryPeakRate).To(BeNumerically(">=", 3**pj.RetryPeakRate))
		},
		Entry("go-retryablehttp: exponential vs linear jitter",
			retryable(retryablehttp.DefaultBackoff), retryable(retryablehttp.LinearJitterBackoff)),
		Entry("failsafe-go: exponential vs random delay",
			failsafe(func(b failsafeBuilder) failsafeBuilder {
				return b.WithBackoff(200*time.Millisecond, 1600*time.Millisecond)
			}),
			failsafe(func(b failsafeBuilder) failsafeBuilder {
				return b.WithRandomDelay(200*time.Millisecond, 1600*time.Millisecond)
			})),
	)
})
