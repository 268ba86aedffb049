package resilience

import (
	"context"
	"time"
)

// answerOf is one attempt's answer in a hedging executor.
type answerOf[T any] struct {
	attempt int
	v       T
	err     error
	kind    AttemptClass
}

// doHedged is DoRequest for a policy that hedges: each attempt runs on its
// own goroutine with its own context, and when a round is settled the
// losers' contexts are cancelled.
func doHedged[T any](ctx context.Context, p *Policy, call *Call, now time.Time, keep bool,
	fn func(context.Context) (T, error), fallback func(context.Context, error) (T, error)) (T, error) {
	var zero, result T
	clock := p.clock
	hedges := p.hedge.max
	if p.retry.maxRetries > 0 {
		hedges = (p.retry.maxRetries + 1) * (p.hedge.max + 1)
	}
	// Buffered for every attempt the call can send, so a loser that answers
	// after the call ended never blocks.
	answers := make(chan answerOf[T], hedges+1)
	cancels := map[int]context.CancelFunc{}
	defer func() {
		for _, cancel := range cancels {
			cancel()
		}
	}()
	for {
		step := call.Next(now)
		switch step.Action {
		case ActionSend:
			actx, cancel := context.WithCancel(ctx)
			cancels[step.Attempt] = cancel
			go func(attempt int, timeout time.Duration) {
				v, err, kind := runAttempt(actx, clock, timeout, fn)
				answers <- answerOf[T]{attempt: attempt, v: v, err: err, kind: kind}
			}(step.Attempt, step.Timeout)
			now = clock.Now()
		case ActionAwait:
			wake, stop := wakeAfter(clock, step.Wait)
			select {
			case a := <-answers:
				stop()
				cancel, inFlight := cancels[a.attempt]
				if !inFlight {
					continue // a loser the call no longer waits for
				}
				cancel()
				delete(cancels, a.attempt)
				kind := a.kind
				if kind == ClassCanceled && ctx.Err() == nil {
					kind = ClassUnset // not the caller's cancellation: a loser, ignored by the call
				}
				o := AttemptOutcome{Err: a.err, Kind: kind}
				if a.err == nil {
					result = a.v
					if keep {
						o.Value = a.v
					}
				}
				now = clock.Now()
				call.ReportAttempt(now, a.attempt, o)
				if call.InFlight() == 0 {
					for n, cancel := range cancels { // the round's losers
						cancel()
						delete(cancels, n)
					}
				}
			case <-wake:
				now = clock.Now()
			case <-ctx.Done():
				stop()
				return zero, call.Abort(clock.Now(), ctx.Err()).Err
			}
		case ActionWait:
			if err := clock.Sleep(ctx, step.Wait); err != nil {
				return zero, call.Abort(clock.Now(), err).Err
			}
			now = clock.Now()
		default:
			return finalStep(ctx, step, result, fallback)
		}
	}
}

// wakeAfter returns a channel that is closed once d has passed on clock,
// and a function that stops it; d <= 0 is never.
func wakeAfter(clock Clock, d time.Duration) (<-chan struct{}, func()) {
	if d <= 0 {
		return nil, func() {}
	}
	ch := make(chan struct{})
	fire := func() { close(ch) }
	if tc, ok := clock.(timerClock); ok {
		stop := tc.AfterFunc(d, fire)
		return ch, func() { stop() }
	}
	ctx, cancel := context.WithCancel(context.Background())
	go func() {
		if clock.Sleep(ctx, d) == nil {
			fire()
		}
	}()
	return ch, cancel
}
