package realclients_test

import (
	"context"
	"fmt"
	"os/exec"
	"path/filepath"
	"sync"
	"time"

	"github.com/hashicorp/go-retryablehttp"
	. "github.com/onsi/ginkgo/v2"
	. "github.com/onsi/gomega"

	"github.com/chaos-harness/chaos/analysis"
	"github.com/chaos-harness/chaos/chaostest"
)

// throttled answers each client's first request 429 with Retry-After: 2,
// then 200.
const throttled = `
per: client
phases:
  - {name: throttled, requests: 1, fault: {status: 429, retry_after: 2s}}
  - {name: open}
routes:
  - {path: /warm, phases: [{}]}
`

var _ = Describe("the Retry-After margin on fleets that start together", func() {
	It("is never negative for go-retryablehttp's DefaultBackoff, which waits the Retry-After", func() {
		p := analysed(runFleet(throttled, retryable(retryablehttp.DefaultBackoff)))
		m := p.RetryAfterMarginMs
		Expect(m).NotTo(BeNil())
		// The client sleeps 2 s from when it has the 429; the server allows
		// the retry 2 s from when it sent it: the margin is the return hop
		// and the client's scheduling, never below 0.
		Expect(m.Count).To(Equal(fleetSize))
		Expect(m.Early).To(BeZero())
		Expect(m.Min).To(BeNumerically(">=", 0))
		Expect(p.RetryAfterViolations).To(HaveValue(BeZero()))
	})

	It("counts every retry early by more than 100 ms for LinearJitterBackoff, which ignores it", func() {
		p := analysed(runFleet(throttled, retryable(retryablehttp.LinearJitterBackoff)))
		m := p.RetryAfterMarginMs
		Expect(m).NotTo(BeNil())
		// Its first wait is uniform on 200..1600 ms whatever the header says,
		// so each retry comes 400 to 1800 ms (less the return hop) before
		// the 2 s allowed: all early by more than 100 ms, the latest (p99 of
		// 50 is the largest) still at least 300 ms early.
		Expect(m.Count).To(Equal(fleetSize))
		Expect(m.EarlyOver100Ms).To(Equal(fleetSize))
		Expect(m.P99).To(BeNumerically("<=", -300))
		Expect(p.RetryAfterViolations).To(HaveValue(Equal(fleetSize)))
	})
})

var _ = Describe("curl, which sends no X-Chaos-* headers", func() {
	It("is grouped per connection and waits the Retry-After, ten processes started together", func() {
		if _, err := exec.LookPath("curl"); err != nil {
			Fail("curl is not installed; .ci/run installs it")
		}
		const n = 10
		// The first n requests (the first attempt of each curl) get 429 with
		// Retry-After: 1; curl --retry waits it and retries on the same
		// keep-alive connection, and gets 200.
		srv := chaostest.NewServer(GinkgoT(), `
phases:
  - {name: throttled, requests: 10, fault: {status: 429, retry_after: 1s}}
  - {name: open}
`)
		ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
		defer cancel()
		dir := GinkgoT().TempDir()
		start := make(chan struct{})
		var wg sync.WaitGroup
		outs := make([][]byte, n)
		errs := make([]error, n)
		for i := range n {
			wg.Add(1)
			go func() {
				defer wg.Done()
				// A file of its own, not /dev/null: curl truncates its output
				// before a retry, which /dev/null refuses (exit 23).
				body := filepath.Join(dir, fmt.Sprintf("body%d", i))
				cmd := exec.CommandContext(ctx, "curl", "-sS", "-o", body, "-w", "%{http_code}",
					"--retry", "2", "--max-time", "20", srv.URL+"/api/orders")
				<-start
				outs[i], errs[i] = cmd.Output()
			}()
		}
		close(start)
		wg.Wait()
		for i := range n {
			Expect(errs[i]).NotTo(HaveOccurred(), "curl %d", i)
			Expect(string(outs[i])).To(Equal("200"), "curl %d", i)
		}
		records := srv.Records()
		Expect(records).To(HaveLen(2 * n))
		for _, r := range records {
			Expect(r.Request).To(BeEmpty())
			Expect(r.Attempt).To(BeZero())
		}
		res, err := analysis.AnalyzeRecords(analysis.Options{}, records)
		Expect(err).NotTo(HaveOccurred())
		p, ok := res.Policy(analysis.DefaultPolicyName)
		Expect(ok).To(BeTrue())
		// Every curl shares one address and User-Agent, so only its
		// connection tells it apart: 10 logical requests of 2 attempts.
		Expect(p.LogicalRequests).To(Equal(n))
		Expect(p.Amplification).To(HaveValue(Equal(2.0)))
		Expect(p.RetryAfterRetries).To(HaveValue(Equal(n)))
		Expect(p.RetryAfterViolations).To(HaveValue(BeZero()))
		Expect(p.RetryAfterMarginMs).NotTo(BeNil())
		Expect(p.RetryAfterMarginMs.Early).To(BeZero())
		Expect(*p.RetryMaxWindow).To(BeNumerically("<=", n))
		Expect(p.SuccessRate).To(Equal(1.0))
	})
})
