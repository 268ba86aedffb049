package bench

import (
	"context"
	"fmt"

	"github.com/cenkalti/backoff/v5"
	"github.com/failsafe-go/failsafe-go"
	"github.com/failsafe-go/failsafe-go/circuitbreaker"
	"github.com/failsafe-go/failsafe-go/retrypolicy"
	"github.com/sony/gobreaker/v2"

	"github.com/chaos-harness/chaos/resilience"
)

// funcPeers build, for a script, the call a user of each library writes to
// run an operation under retry (and a breaker, when withBreaker is set).
var funcPeers = []peer{
	{"chaos", chaosFunc},
	{"failsafe-go", failsafeFunc},
	{"backoff+gobreaker", backoffFunc},
}

func chaosFunc(s *script, withBreaker bool) (func() error, error) {
	p, err := chaosPolicy(withBreaker)
	if err != nil {
		return nil, err
	}
	ctx := context.Background()
	return func() error { return wantOne(resilience.Do(ctx, p, s.callCtx)) }, nil
}

func failsafeFunc(s *script, withBreaker bool) (func() error, error) {
	policies := []failsafe.Policy[int]{retrypolicy.NewBuilder[int]().WithMaxRetries(maxRetries).Build()}
	if withBreaker {
		policies = append(policies, circuitbreaker.NewBuilder[int]().
			WithFailureThreshold(breakerFailures).WithDelay(breakerOpenDelay).Build())
	}
	exec := failsafe.With(policies...) // Retry(Breaker(call))
	return func() error { return wantOne(exec.Get(s.call)) }, nil
}

func backoffFunc(s *script, withBreaker bool) (func() error, error) {
	ctx := context.Background()
	opts := []backoff.RetryOption{backoff.WithBackOff(&backoff.ZeroBackOff{}), backoff.WithMaxTries(maxRetries + 1)}
	op := s.call
	if withBreaker {
		cb := gobreaker.NewCircuitBreaker[int](gobreaker.Settings{Timeout: breakerOpenDelay,
			ReadyToTrip: func(c gobreaker.Counts) bool { return c.ConsecutiveFailures >= breakerFailures }})
		op = func() (int, error) { return cb.Execute(s.call) }
	}
	return func() error { return wantOne(backoff.Retry(ctx, op, opts...)) }, nil
}

// wantOne checks the result of a function-level call.
func wantOne(v int, err error) error {
	if err == nil && v != 1 {
		return fmt.Errorf("got %d", v)
	}
	return err
}
