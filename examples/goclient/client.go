// Package goclient is an example API client with a resilience policy, and its
// Ginkgo suite shows how a team checks that client against scripted faults
// with chaostest: it honours Retry-After, does not retry what it should not,
// spreads its retries, and opens its breaker in an outage.
package goclient

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"math/rand/v2"
	"net/http"
	"strings"
	"sync/atomic"
	"time"

	"github.com/chaos-harness/chaos/resilience"
)

// Order is what the orders API returns.
type Order struct {
	ID     string `json:"id"`
	Status string `json:"status"`
}

// StatusError is a failing answer of the API, after the policy gave up.
type StatusError struct {
	Code int
}

func (e *StatusError) Error() string {
	return fmt.Sprintf("orders API: %d %s", e.Code, http.StatusText(e.Code))
}

// Client calls the orders API through a resilience policy. Every request
// carries X-Chaos-Client and X-Chaos-Request, and the policy's Transport adds
// X-Chaos-Attempt, so a fault server can tell clients, requests and retries
// apart; any other server ignores them.
type Client struct {
	base   string
	name   string
	http   *http.Client
	policy *resilience.Policy
	seq    atomic.Int64
}

// DefaultPolicy is the policy the example ships with: up to 4 retries with
// exponential backoff and full jitter (100ms, 200ms, ... capped at 2s),
// honouring Retry-After up to 10s, retrying 429, 5xx and network failures
// but no other 4xx; a breaker that opens for 2s after 5 consecutive failures;
// and a 1s timeout per attempt.
func DefaultPolicy() resilience.Config {
	return resilience.Config{
		Name: "orders",
		Retry: &resilience.RetryConfig{
			MaxRetries:    4,
			Base:          100 * time.Millisecond,
			Cap:           2 * time.Second,
			Jitter:        resilience.JitterFull,
			On:            []string{"429", "5xx", "network"},
			RetryAfter:    resilience.RetryAfterHonor,
			RetryAfterMax: 10 * time.Second,
		},
		Breaker: &resilience.BreakerConfig{Failures: 5, Open: 2 * time.Second},
		Timeout: &resilience.TimeoutConfig{Attempt: time.Second},
	}
}

// New returns a client of the API at baseURL that names itself name. seed
// seeds the policy's jitter, so a test run is reproducible.
func New(baseURL, name string, cfg resilience.Config, seed uint64) (*Client, error) {
	policy, err := resilience.New(cfg, resilience.WithRand(rand.New(rand.NewPCG(seed, 0x0c11e47))))
	if err != nil {
		return nil, fmt.Errorf("orders client policy: %w", err)
	}
	return &Client{
		base:   strings.TrimRight(baseURL, "/"),
		name:   name,
		http:   &http.Client{Transport: &resilience.Transport{Policy: policy, ReadBody: true}},
		policy: policy,
	}, nil
}

// Policy is the client's policy, for its counters and breaker.
func (c *Client) Policy() *resilience.Policy { return c.policy }

// Order fetches one order.
func (c *Client) Order(ctx context.Context, id string) (Order, error) {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, c.base+"/api/orders/"+id, nil)
	if err != nil {
		return Order{}, err
	}
	req.Header.Set("X-Chaos-Client", c.name)
	req.Header.Set("X-Chaos-Request", fmt.Sprintf("%s/%d", c.name, c.seq.Add(1)))
	resp, err := c.http.Do(req)
	if err != nil {
		return Order{}, err
	}
	defer resp.Body.Close()
	if resp.StatusCode >= 400 {
		_, _ = io.Copy(io.Discard, resp.Body)
		return Order{}, &StatusError{Code: resp.StatusCode}
	}
	var o Order
	if err := json.NewDecoder(resp.Body).Decode(&o); err != nil {
		return Order{}, fmt.Errorf("orders API: decode order %s: %w", id, err)
	}
	return o, nil
}
