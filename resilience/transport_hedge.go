package resilience

import (
	"context"
	"net/http"
)

// hedgedAnswer is one attempt's answer in the hedging Transport.
type hedgedAnswer struct {
	attempt int
	resp    *http.Response
	o       AttemptOutcome
}

// roundTripHedged is RoundTrip for a policy that hedges: each attempt runs
// on its own goroutine with its own context (a later attempt re-reads the
// body through GetBody); when a round is settled the losers' contexts are
// cancelled and their responses drained and closed. The winner's context
// ends when its body is closed.
func (t *Transport) roundTripHedged(ctx context.Context, req *http.Request, call *Call, keep bool, bodyUsed *bool) (*http.Response, error) {
	p := t.Policy
	clock := p.clock
	n := p.hedge.max + 1
	if p.retry.maxRetries > 0 {
		n *= p.retry.maxRetries + 1
	}
	answers := make(chan hedgedAnswer, n)
	cancels := map[int]context.CancelFunc{} // attempts in flight
	sent, received := 0, 0
	var last *http.Response // the last answer's response, not yet drained
	defer func() {
		for _, cancel := range cancels {
			cancel()
		}
		if pending := sent - received; pending > 0 {
			go func() { // losers still running: close what they bring
				for range pending {
					discard((<-answers).resp)
				}
			}()
		}
	}()
	readBody := keep || t.ReadBody
	for {
		step := call.Next(clock.Now())
		switch step.Action {
		case ActionSend:
			actx, cancel := context.WithCancel(ctx)
			cancels[step.Attempt] = cancel
			used := step.Attempt > 1 // the first attempt sends req.Body; later ones GetBody
			*bodyUsed = true
			sent++
			go func(step Step) {
				resp, o := t.attempt(actx, req, step, &used, readBody)
				if keep && o.Kind == ClassUnset && resp != nil && resp.StatusCode < 400 {
					o.Value = snapshot(resp)
				}
				answers <- hedgedAnswer{attempt: step.Attempt, resp: resp, o: o}
			}(step)
		case ActionAwait:
			wake, stop := wakeAfter(clock, step.Wait)
			select {
			case a := <-answers:
				stop()
				received++
				cancel, inFlight := cancels[a.attempt]
				if !inFlight { // a loser the call no longer waits for
					discard(a.resp)
					continue
				}
				delete(cancels, a.attempt)
				if a.o.Kind == ClassCanceled && ctx.Err() == nil {
					a.o.Kind = ClassUnset // not the caller's cancellation
				}
				call.ReportAttempt(clock.Now(), a.attempt, a.o)
				discard(last)
				last = a.resp
				if last != nil {
					last.Body = &cancelOnClose{ReadCloser: last.Body, cancel: cancel}
				} else {
					cancel()
				}
				if call.InFlight() == 0 {
					for attempt, cancel := range cancels { // the round's losers
						cancel()
						delete(cancels, attempt)
					}
				}
			case <-wake:
			case <-ctx.Done():
				stop()
				discard(last)
				return nil, call.Abort(clock.Now(), ctx.Err()).Err
			}
		case ActionWait:
			if err := pause(ctx, clock, call, step, &last); err != nil {
				return nil, err
			}
		default:
			return t.final(req, step, last)
		}
	}
}
