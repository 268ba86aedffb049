package realclients_test

import (
	"context"
	"errors"
	"net/http"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/aws/ratelimit"
	"github.com/aws/aws-sdk-go-v2/aws/retry"
	"github.com/aws/aws-sdk-go-v2/service/sqs"
	. "github.com/onsi/ginkgo/v2"
	. "github.com/onsi/gomega"

	"github.com/chaos-harness/chaos/chaostest"
	"github.com/chaos-harness/chaos/resilience"
)

// down answers every request 503.
const down = `phases: [{name: down, fault: {status: 503}}]`

const quotaCalls = 200

// sdkAttempts sends quotaCalls calls one after another through
// aws-sdk-go-v2's own SQS client, retry middleware and standard retryer (3
// attempts, no backoff delay, opts applied) to a server that always says
// 503, and returns the attempts the server logged and the calls the SDK
// refused a retry for its quota.
func sdkAttempts(opts func(*retry.StandardOptions)) (attempts, refusals int) {
	srv := chaostest.NewServer(GinkgoT(), down)
	httpClient := &http.Client{}
	DeferCleanup(httpClient.CloseIdleConnections)
	client := sqs.New(sqs.Options{
		Region:       "us-east-1",
		BaseEndpoint: aws.String(srv.URL),
		Credentials:  aws.AnonymousCredentials{},
		HTTPClient:   httpClient,
		Retryer: retry.NewStandard(func(o *retry.StandardOptions) {
			o.MaxAttempts = 3
			o.Backoff = retry.BackoffDelayerFunc(func(int, error) (time.Duration, error) { return 0, nil })
			opts(o)
		}),
	})
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	for range quotaCalls {
		_, err := client.ListQueues(ctx, &sqs.ListQueuesInput{})
		Expect(err).To(HaveOccurred())
		var quota ratelimit.QuotaExceededError
		if errors.As(err, &quota) {
			refusals++
		}
	}
	return len(srv.Records()), refusals
}

// ourAttempts sends quotaCalls GETs through resilience's Transport with 2
// retries and the AWS quota q to a fresh server of the same script.
func ourAttempts(q *resilience.AWSQuotaConfig) (attempts int, refusals int64) {
	srv := chaostest.NewServer(GinkgoT(), down)
	p, err := resilience.New(resilience.Config{
		Retry:  &resilience.RetryConfig{MaxRetries: 2, Backoff: resilience.BackoffConstant, Base: time.Microsecond, Jitter: resilience.JitterNone},
		Budget: &resilience.BudgetConfig{Quota: q},
	})
	Expect(err).NotTo(HaveOccurred())
	base := &http.Transport{MaxIdleConnsPerHost: 4, DisableCompression: true}
	DeferCleanup(base.CloseIdleConnections)
	c := &http.Client{Transport: &resilience.Transport{Policy: p, Base: base}}
	for range quotaCalls {
		resp, err := c.Get(srv.URL + "/queues")
		Expect(err).NotTo(HaveOccurred())
		resp.Body.Close()
	}
	return len(srv.Records()), p.Counters().BudgetExhausted
}

var _ = Describe("the AWS SDKs' standard retry quota, aws-sdk-go-v2 against resilience", func() {
	It("makes the standard mode's 500/5 = 100 retries on both sides when every attempt fails", func() {
		// The standard mode's cost of 5 a retry, which is resilience's
		// default; aws-sdk-go-v2 v1.48 takes it when asked (RetryCost).
		// Calls 1..50 retry twice (100 retries, 500 tokens); every later
		// call is refused its first retry: 200 + 100 attempts.
		sdk, sdkRefused := sdkAttempts(func(o *retry.StandardOptions) { o.RetryCost = 5 })
		ours, ourRefused := ourAttempts(&resilience.AWSQuotaConfig{})
		Expect(sdk).To(Equal(quotaCalls+100), "aws-sdk-go-v2")
		Expect(ours).To(Equal(quotaCalls+100), "resilience")
		Expect(sdkRefused).To(Equal(quotaCalls - 50))
		Expect(ourRefused).To(Equal(int64(quotaCalls - 50)))
	})

	It("matches aws-sdk-go-v2 v1.48's own defaults (14 tokens a retry, timeouts included) with retry_cost and timeout_cost 14", func() {
		// 500/14: calls 1..17 retry twice (34 retries, 476 tokens), call 18
		// once (490); 10 tokens are left, less than 14, so call 18's second
		// retry and every later call's first are refused: 35 retries.
		sdk, sdkRefused := sdkAttempts(func(*retry.StandardOptions) {})
		ours, ourRefused := ourAttempts(&resilience.AWSQuotaConfig{RetryCost: 14, TimeoutCost: 14, ThrottleCost: 5})
		Expect(sdk).To(Equal(quotaCalls+35), "aws-sdk-go-v2")
		Expect(ours).To(Equal(quotaCalls+35), "resilience")
		Expect(sdkRefused).To(Equal(quotaCalls - 17))
		Expect(ourRefused).To(Equal(int64(quotaCalls - 17)))
	})
})
