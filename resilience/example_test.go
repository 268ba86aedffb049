package resilience_test

import (
	"context"
	"fmt"
	"math/rand/v2"
	"net/http"
	"net/http/httptest"
	"sync/atomic"
	"time"

	"github.com/chaos-harness/chaos/resilience"
)

// Wrap an http.Client: a server that answers 503 twice, then 200, is retried
// until it succeeds.
func ExampleTransport() {
	var calls atomic.Int32
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if calls.Add(1) <= 2 {
			w.WriteHeader(http.StatusServiceUnavailable)
			return
		}
		fmt.Fprint(w, "ok")
	}))
	defer srv.Close()

	p, err := resilience.New(resilience.Config{
		Name:    "orders",
		Retry:   &resilience.RetryConfig{MaxRetries: 4, Base: time.Millisecond, Cap: 10 * time.Millisecond},
		Breaker: &resilience.BreakerConfig{Failures: 5, Open: 2 * time.Second},
		Timeout: &resilience.TimeoutConfig{Attempt: time.Second},
	}, resilience.WithRand(rand.New(rand.NewPCG(1, 2))))
	if err != nil {
		panic(err)
	}
	client := &http.Client{Transport: &resilience.Transport{Policy: p}}
	resp, err := client.Get(srv.URL + "/orders")
	if err != nil {
		panic(err)
	}
	resp.Body.Close()
	c := p.Counters()
	fmt.Println(resp.StatusCode, "after", c.Attempts, "attempts,", c.Retries, "retries")
	// Output: 200 after 3 attempts, 2 retries
}

// Call any function through a policy: its error is retried when the retry
// section's `on` list names it (here a 503, as a *StatusError).
func ExampleDo() {
	p, err := resilience.New(resilience.Config{
		Name:  "quote",
		Retry: &resilience.RetryConfig{MaxRetries: 2, Base: time.Millisecond, Jitter: resilience.JitterNone},
	}, resilience.WithRand(rand.New(rand.NewPCG(1, 2))))
	if err != nil {
		panic(err)
	}
	tries := 0
	price, err := resilience.Do(context.Background(), p, func(context.Context) (int, error) {
		tries++
		if tries < 3 {
			return 0, &resilience.StatusError{Code: http.StatusServiceUnavailable}
		}
		return 42, nil
	})
	fmt.Println(price, err, "after", tries, "tries")

	// With NoRetries the first failure is final.
	once, _ := resilience.New(resilience.Config{Name: "once", Retry: &resilience.RetryConfig{MaxRetries: resilience.NoRetries}})
	_, err = resilience.Do(context.Background(), once, func(context.Context) (int, error) {
		return 0, &resilience.StatusError{Code: http.StatusServiceUnavailable}
	})
	fmt.Println(err)
	// Output:
	// 42 <nil> after 3 tries
	// gave up after 1 attempt (retries exhausted): status 503 Service Unavailable
}
