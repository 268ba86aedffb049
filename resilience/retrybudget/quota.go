package retrybudget

// Quota is the AWS SDKs' standard retry quota (the "standard" retry mode;
// aws-sdk-go-v2 aws/retry's DefaultRetryRateTokens, DefaultRetryCost,
// DefaultRetryTimeoutCost, DefaultNoRetryIncrement): one bucket of Size
// tokens per client, starting full. A retry costs RetryCost tokens, or
// TimeoutCost when the failed attempt timed out, and is made only while the
// bucket holds at least its cost. A retry that succeeds gives its cost back;
// a call that succeeds without a retry adds NoRetryIncrement, up to Size.
// ThrottleCost is what a retry after a throttle costs (aws-sdk-go-v2 since
// v1.4x charges 5 there and 14 for any other retry, timeouts included).
type Quota struct {
	Size, RetryCost, TimeoutCost, NoRetryIncrement float64
	ThrottleCost                                   float64
}

// The AWS SDKs' defaults of the standard retry quota.
const (
	AWSQuotaSize             = 500
	AWSQuotaRetryCost        = 5
	AWSQuotaTimeoutCost      = 10
	AWSQuotaNoRetryIncrement = 1
)

type quotaBudget struct {
	Quota
	level float64
}

// allows returns the cost of a retry and whether the bucket holds it.
func (q *quotaBudget) allows(cause Cause) (float64, bool) {
	cost := q.RetryCost
	switch cause {
	case CauseTimeout:
		cost = q.TimeoutCost
	case CauseThrottle:
		cost = q.ThrottleCost
	}
	return cost, cost <= q.level
}

func (q *quotaBudget) succeeded(g Grant) {
	add := q.NoRetryIncrement
	if cost, ok := g.retried(); ok {
		add = cost
	}
	q.level = min(q.Size, q.level+add)
}

// Quota returns the AWS quota's level (0 when there is none).
func (b *Budget) Quota() float64 {
	b.mu.Lock()
	defer b.mu.Unlock()
	if b.quota == nil {
		return 0
	}
	return b.quota.level
}
