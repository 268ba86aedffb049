package resilience_test

import (
	"time"

	. "github.com/onsi/ginkgo/v2"
	. "github.com/onsi/gomega"

	"github.com/chaos-harness/chaos/internal/yamlfile"
	"github.com/chaos-harness/chaos/resilience"
)

// retriesOver drives n calls one after another, each answered by outcome at
// every attempt, and returns how many retries the policy made in all.
func retriesOver(p *resilience.Policy, n int, outcome resilience.AttemptOutcome) int64 {
	now := epoch
	for range n {
		t := drive(p, now, get, outcome)
		now = now.Add(t.end + time.Second)
	}
	return p.Counters().Retries
}

var _ = Describe("the SDKs' and Brooker's retry budgets, through the step driver", func() {
	timeout := resilience.AttemptOutcome{Err: resilience.ErrAttemptTimeout}

	It("decodes every budget part from a policy file", func() {
		src := []byte(`
name: b
budget: {quota: {size: 100, retry_cost: 2, timeout_cost: 4, no_retry_increment: 0},
         token_bucket: {size: 5, deposit: 0.5, cost: 1}, failure_ratio: {threshold: 0.3}}
`)
		var cfg resilience.Config
		_, err := yamlfile.Decode("policy.yaml", src, &cfg)
		Expect(err).NotTo(HaveOccurred())
		Expect(cfg.Problems()).To(BeEmpty())
		Expect(*cfg.Budget.Quota.NoRetryIncrement).To(Equal(0.0))
		Expect(cfg.Budget.TokenBucket.Deposit).To(Equal(0.5))
		Expect(cfg.Budget.FailureRatio.Threshold).To(Equal(0.3))
		Expect(cfg.Budget.Recent).To(BeNil(), "a named part is not joined by the default recent budget")
	})

	It("makes exactly 500/5 = 100 retries under the AWS quota when every attempt fails, 500/10 = 50 after timeouts", func() {
		// 3 retries a call: calls 1..33 take 99 retries (495 tokens), call
		// 34 one more (500), then the quota is empty and stays so: nothing
		// succeeds, so nothing is refunded or added.
		cfg := resilience.Config{Retry: constantRetry(3, time.Millisecond), Budget: &resilience.BudgetConfig{Quota: &resilience.AWSQuotaConfig{}}}
		Expect(retriesOver(mustPolicy(cfg), 200, fail503)).To(Equal(int64(100)))
		p := mustPolicy(cfg)
		Expect(retriesOver(p, 200, timeout)).To(Equal(int64(50)))
		Expect(p.Budget().Quota()).To(Equal(0.0))
		Expect(p.Counters().BudgetExhausted).To(Equal(int64(200-16)), "calls 1..16 retry 3 times (48), call 17 twice (50) before its third is refused; so is every later call's first")
	})

	It("charges a retry after a 429 throttle_cost (default: retry_cost)", func() {
		throttled := resilience.AttemptOutcome{Status: 429}
		// size 30, retry_cost 14, throttle_cost 5 (aws-sdk-go-v2 v1.48):
		// 6 throttled retries (30 tokens), against 2 after 503s (28).
		q := &resilience.AWSQuotaConfig{Size: 30, RetryCost: 14, TimeoutCost: 14, ThrottleCost: 5}
		cfg := resilience.Config{Retry: constantRetry(3, time.Millisecond), Budget: &resilience.BudgetConfig{Quota: q}}
		Expect(retriesOver(mustPolicy(cfg), 10, throttled)).To(Equal(int64(6)))
		Expect(retriesOver(mustPolicy(cfg), 10, fail503)).To(Equal(int64(2)))
		q.ThrottleCost = 0
		Expect(retriesOver(mustPolicy(cfg), 10, throttled)).To(Equal(int64(2)), "the default is retry_cost")
	})

	It("gives a successful retry's cost back and 1 token for a first-try success", func() {
		p := mustPolicy(resilience.Config{Retry: constantRetry(3, time.Millisecond), Budget: &resilience.BudgetConfig{Quota: &resilience.AWSQuotaConfig{Size: 20}}})
		drive(p, epoch, get, timeout, fail503, ok200) // -10, -5, then +5 back: 10
		Expect(p.Budget().Quota()).To(Equal(10.0))
		drive(p, epoch.Add(time.Minute), get, ok200) // +1
		Expect(p.Budget().Quota()).To(Equal(11.0))
	})

	It("runs Brooker's token bucket: a first try deposits, a retry needs more than cost", func() {
		// size 2, deposit 0.5, cost 1, everything fails, 3 retries a call:
		// call 1: 2 (full) -> retry (1) -> 1 > 1 false: 1 retry.
		// call 2: 1.5 -> retry (0.5): 1 retry. call 3: 1.0: none.
		// call 4: 1.5 -> retry (0.5): 1. So 1, 1, 0, 1, 0, 1, ...
		p := mustPolicy(resilience.Config{Retry: constantRetry(3, time.Millisecond),
			Budget: &resilience.BudgetConfig{TokenBucket: &resilience.TokenBucketConfig{Size: 2, Deposit: 0.5, Cost: 1}}})
		Expect(retriesOver(p, 6, fail503)).To(Equal(int64(1 + 1 + 0 + 1 + 0 + 1)))
	})

	It("runs Brooker's retry breaker: first tries always go, retries stop above the ratio", func() {
		// threshold 1, everything fails, 3 retries a call. Failed attempts F
		// over first tries N: call 1: N=1, F=1 -> 1 <= 1 retry, F=2 -> stop:
		// 1 retry, 2 attempts. call 2: N=2, F=3 -> stop: 0 retries. call 3:
		// N=3, F=4 -> stop. Every later call sends its first try only.
		p := mustPolicy(resilience.Config{Retry: constantRetry(3, time.Millisecond),
			Budget: &resilience.BudgetConfig{FailureRatio: &resilience.FailureRatioConfig{Threshold: 1}}})
		Expect(retriesOver(p, 5, fail503)).To(Equal(int64(1)))
		Expect(p.Counters().Attempts).To(Equal(int64(5 + 1)))
	})

	DescribeTable("Problems names the budget field of each mistake",
		func(b resilience.BudgetConfig, path, msg string) {
			ps := resilience.Config{Budget: &b}.Problems()
			Expect(ps).To(ContainElement(And(HaveField("Path", path), HaveField("Msg", ContainSubstring(msg)))), "%v", ps)
		},
		Entry(nil, resilience.BudgetConfig{Quota: &resilience.AWSQuotaConfig{Size: -1}}, "budget.quota.size", "more than 0"),
		Entry(nil, resilience.BudgetConfig{Quota: &resilience.AWSQuotaConfig{TimeoutCost: -10}}, "budget.quota.timeout_cost", "more than 0"),
		Entry(nil, resilience.BudgetConfig{TokenBucket: &resilience.TokenBucketConfig{Size: 1, Cost: 1}}, "budget.token_bucket.cost", "below size"),
		Entry(nil, resilience.BudgetConfig{TokenBucket: &resilience.TokenBucketConfig{Deposit: -1}}, "budget.token_bucket.deposit", "more than 0"),
		Entry(nil, resilience.BudgetConfig{FailureRatio: &resilience.FailureRatioConfig{Threshold: -0.1}}, "budget.failure_ratio.threshold", "more than 0"),
	)
})
