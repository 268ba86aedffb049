package resilience_test

import (
	"context"
	"math/rand/v2"
	"net/http"
	"testing"
	"time"

	"github.com/chaos-harness/chaos/resilience"
)

func benchPolicy(b *testing.B, cfg resilience.Config) *resilience.Policy {
	p, err := resilience.New(cfg, resilience.WithRand(rand.New(rand.NewPCG(1, 2))))
	if err != nil {
		b.Fatal(err)
	}
	return p
}

func succeed(context.Context) (int, error) { return 1, nil }

func benchDo(b *testing.B, p *resilience.Policy) {
	ctx := context.Background()
	b.ReportAllocs()
	for b.Loop() {
		if _, err := resilience.Do(ctx, p, succeed); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkDoRetry is the executor's overhead on a call that succeeds the
// first time, with a retry policy alone.
func BenchmarkDoRetry(b *testing.B) {
	benchDo(b, benchPolicy(b, resilience.Config{Retry: &resilience.RetryConfig{}}))
}

// BenchmarkDoRetryBreakerFallback adds a breaker and a static fallback.
func BenchmarkDoRetryBreakerFallback(b *testing.B) {
	benchDo(b, benchPolicy(b, resilience.Config{
		Retry:    &resilience.RetryConfig{},
		Breaker:  &resilience.BreakerConfig{},
		Fallback: &resilience.FallbackConfig{Static: &resilience.StaticResponse{}},
	}))
}

// BenchmarkStepDriver is the simulator's path: one successful call driven in
// explicit time, with every policy configured.
func BenchmarkStepDriver(b *testing.B) {
	p := benchPolicy(b, resilience.Config{
		Retry:     &resilience.RetryConfig{},
		Breaker:   &resilience.BreakerConfig{},
		RateLimit: &resilience.RateLimitConfig{Rate: 1e12, Burst: 1 << 30},
		Budget:    &resilience.BudgetConfig{},
		Timeout:   &resilience.TimeoutConfig{Attempt: time.Second},
	})
	now := epoch
	b.ReportAllocs()
	for b.Loop() {
		call := p.Begin(now, resilience.RequestMeta{Method: "GET"})
		call.Next(now)
		call.Report(now, resilience.AttemptOutcome{Status: 200})
		if call.Next(now).Action != resilience.ActionSucceed {
			b.Fatal("not a success")
		}
		now = now.Add(time.Microsecond)
	}
}

// BenchmarkRetryDelay is one retry delay of each jitter.
func BenchmarkRetryDelay(b *testing.B) {
	for _, j := range resilience.Jitters {
		b.Run(string(j), func(b *testing.B) {
			backoff, err := (&resilience.RetryConfig{Jitter: j}).BuildBackoff()
			if err != nil {
				b.Fatal(err)
			}
			rng := rand.New(rand.NewPCG(1, 2))
			prev := time.Duration(0)
			b.ReportAllocs()
			for b.Loop() {
				prev = backoff.Delay(3, prev, rng)
			}
		})
	}
}

// okTripper answers every request with an empty 200 and allocates nothing
// itself, so BenchmarkTransport measures the Transport alone.
type okTripper struct{ resp http.Response }

func (t *okTripper) RoundTrip(*http.Request) (*http.Response, error) {
	r := t.resp
	return &r, nil
}

// BenchmarkTransport is the RoundTripper's overhead on a GET that succeeds
// the first time, with retry and a per-attempt timeout.
func BenchmarkTransport(b *testing.B) {
	retries := 3
	p := benchPolicy(b, resilience.Config{Retry: &resilience.RetryConfig{MaxRetries: retries},
		Timeout: &resilience.TimeoutConfig{Attempt: time.Second}})
	t := &resilience.Transport{Policy: p, Base: &okTripper{resp: http.Response{StatusCode: 200, Body: http.NoBody, Header: http.Header{}}}}
	req, err := http.NewRequest(http.MethodGet, "http://127.0.0.1/api/orders", nil)
	if err != nil {
		b.Fatal(err)
	}
	b.ReportAllocs()
	for b.Loop() {
		resp, err := t.RoundTrip(req)
		if err != nil {
			b.Fatal(err)
		}
		_ = resp.Body.Close()
	}
}
