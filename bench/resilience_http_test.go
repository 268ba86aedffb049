package bench

import (
	"fmt"
	"io"
	"net/http"
	"time"

	"github.com/cenkalti/backoff/v5"
	"github.com/failsafe-go/failsafe-go"
	"github.com/failsafe-go/failsafe-go/circuitbreaker"
	"github.com/failsafe-go/failsafe-go/failsafehttp"
	"github.com/hashicorp/go-retryablehttp"
	"github.com/sony/gobreaker/v2"

	"github.com/chaos-harness/chaos/resilience"
)

const benchURL = "http://127.0.0.1:1/api/orders" // never dialled: the script answers

// httpPeers build, for a script standing in for the network, the request a
// user of each library sends: its client's Do, as idiomatically as it allows.
var httpPeers = []peer{
	{"chaos", chaosHTTP},
	{"failsafe-go", failsafeHTTP},
	{"backoff+gobreaker", backoffHTTP},
	{"retryablehttp", retryableHTTP},
}

func newRequest() (*http.Request, error) { return http.NewRequest(http.MethodGet, benchURL, nil) }

// clientDo sends req through an http.Client over rt.
func clientDo(rt http.RoundTripper) (func() error, error) {
	req, err := newRequest()
	if err != nil {
		return nil, err
	}
	c := &http.Client{Transport: rt}
	return func() error { return wantOK(c.Do(req)) }, nil
}

func chaosHTTP(s *script, withBreaker bool) (func() error, error) {
	p, err := chaosPolicy(withBreaker)
	if err != nil {
		return nil, err
	}
	return clientDo(&resilience.Transport{Policy: p, Base: s})
}

func failsafeHTTP(s *script, withBreaker bool) (func() error, error) {
	policies := []failsafe.Policy[*http.Response]{failsafehttp.NewRetryPolicyBuilder().WithMaxRetries(maxRetries).Build()}
	if withBreaker {
		policies = append(policies, circuitbreaker.NewBuilder[*http.Response]().HandleIf(serverError).
			WithFailureThreshold(breakerFailures).WithDelay(breakerOpenDelay).Build())
	}
	return clientDo(failsafehttp.NewRoundTripper(s, policies...))
}

func backoffHTTP(s *script, withBreaker bool) (func() error, error) {
	t := &backoffTransport{base: s, opts: []backoff.RetryOption{
		backoff.WithBackOff(&backoff.ZeroBackOff{}), backoff.WithMaxTries(maxRetries + 1)}}
	if withBreaker {
		t.base = newBreakerTransport(s)
	}
	return clientDo(t)
}

func retryableHTTP(s *script, withBreaker bool) (func() error, error) {
	c := retryablehttp.NewClient()
	c.Logger = nil // its default logs every request
	c.RetryMax = maxRetries
	c.Backoff = func(_, _ time.Duration, _ int, _ *http.Response) time.Duration { return 0 }
	c.HTTPClient = &http.Client{Transport: s}
	if withBreaker {
		c.HTTPClient.Transport = newBreakerTransport(s)
	}
	req, err := retryablehttp.NewRequest(http.MethodGet, benchURL, nil)
	if err != nil {
		return nil, err
	}
	return func() error { return wantOK(c.Do(req)) }, nil
}

// backoffTransport is the least glue that makes cenkalti/backoff an HTTP
// retrier: a 5xx becomes an error so Retry tries again.
type backoffTransport struct {
	base http.RoundTripper
	opts []backoff.RetryOption
}

func (t *backoffTransport) RoundTrip(req *http.Request) (*http.Response, error) {
	return backoff.Retry(req.Context(), func() (*http.Response, error) {
		resp, err := t.base.RoundTrip(req)
		if err == nil && resp.StatusCode >= 500 {
			drain(resp)
			return nil, errUnavailable
		}
		return resp, err
	}, t.opts...)
}

// breakerTransport puts a gobreaker breaker around each attempt, for the
// peers that have no breaker of their own. The two-step breaker counts a 5xx
// response as a failure (done with an error) and still returns the response.
type breakerTransport struct {
	base http.RoundTripper
	cb   *gobreaker.TwoStepCircuitBreaker[*http.Response]
}

func newBreakerTransport(base http.RoundTripper) *breakerTransport {
	return &breakerTransport{base: base, cb: gobreaker.NewTwoStepCircuitBreaker[*http.Response](gobreaker.Settings{
		Timeout:     breakerOpenDelay,
		ReadyToTrip: func(c gobreaker.Counts) bool { return c.ConsecutiveFailures >= breakerFailures },
	})}
}

func (t *breakerTransport) RoundTrip(req *http.Request) (*http.Response, error) {
	done, err := t.cb.Allow()
	if err != nil {
		return nil, err
	}
	resp, err := t.base.RoundTrip(req)
	if serverError(resp, err) {
		done(errUnavailable)
	} else {
		done(nil)
	}
	return resp, err
}

func drain(resp *http.Response) {
	_, _ = io.Copy(io.Discard, resp.Body)
	_ = resp.Body.Close()
}

// wantOK checks and drains the response of an HTTP-level call.
func wantOK(resp *http.Response, err error) error {
	if err != nil {
		return err
	}
	drain(resp)
	if resp.StatusCode != http.StatusOK {
		return fmt.Errorf("status %d", resp.StatusCode)
	}
	return nil
}
