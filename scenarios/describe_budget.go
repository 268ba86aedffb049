package scenarios

import (
	"fmt"

	"github.com/chaos-harness/chaos/resilience"
	"github.com/chaos-harness/chaos/resilience/retrybudget"
)

// sdkBudgetSettings adds the AWS quota and Brooker's bucket and retry
// breaker of b, with their defaults filled in, to k.
func sdkBudgetSettings(b resilience.BudgetConfig, k *kvs) {
	if q := b.Quota; q != nil {
		inc := float64(retrybudget.AWSQuotaNoRetryIncrement)
		if q.NoRetryIncrement != nil {
			inc = *q.NoRetryIncrement
		}
		retryCost := orDefault(q.RetryCost, retrybudget.AWSQuotaRetryCost)
		k.add("quota", fmt.Sprintf("{size: %s, retry_cost: %s, timeout_cost: %s, throttle_cost: %s, no_retry_increment: %s}",
			floatText(orDefault(q.Size, retrybudget.AWSQuotaSize)), floatText(retryCost),
			floatText(orDefault(q.TimeoutCost, retrybudget.AWSQuotaTimeoutCost)), floatText(orDefault(q.ThrottleCost, retryCost)), floatText(inc)))
	}
	if t := b.TokenBucket; t != nil {
		k.add("token_bucket", fmt.Sprintf("{size: %s, deposit: %s, cost: %s}",
			floatText(orDefault(t.Size, resilience.DefaultTokenBucketSize)), floatText(orDefault(t.Deposit, resilience.DefaultTokenBucketDeposit)),
			floatText(orDefault(t.Cost, resilience.DefaultTokenBucketCost))))
	}
	if f := b.FailureRatio; f != nil {
		k.add("failure_ratio", fmt.Sprintf("{threshold: %s}", floatText(orDefault(f.Threshold, resilience.DefaultFailureRatioThreshold))))
	}
}
