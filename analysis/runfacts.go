package analysis

import (
	"errors"
	"fmt"
)

// RunFacts are what a runner knows of its run only once it has ended: the
// phase timeline, the breaker-open spans, the exact retry-delay laws and the
// logical requests that left no Record. A runner that streams its Records
// into an Accumulator as they happen, rather than reading them back from its
// log, hands these to FinishWith.
type RunFacts struct {
	Phases         []Phase
	BreakerOpen    map[string][]Interval
	ExpectedDelay  map[string]DelayCDF
	Unsent         map[string]int
	Unreached      map[string]int
	FallbackServed map[string]int
}

// FinishWith is Finish with the facts of the run: each non-nil field takes
// the place of the Options field of the same name, and is checked as New
// checks the Options.
func (a *Accumulator) FinishWith(f RunFacts) (Result, error) {
	if a.finished {
		return Result{}, errors.New("analysis: Finish called twice")
	}
	o := a.opts
	if f.Phases != nil {
		o.Phases = f.Phases
	}
	if f.BreakerOpen != nil {
		o.BreakerOpen = f.BreakerOpen
	}
	if f.ExpectedDelay != nil {
		o.ExpectedDelay = f.ExpectedDelay
	}
	if f.Unsent != nil {
		o.Unsent = f.Unsent
	}
	if f.Unreached != nil {
		o.Unreached = f.Unreached
	}
	if f.FallbackServed != nil {
		o.FallbackServed = f.FallbackServed
	}
	o, err := o.withDefaults()
	if err != nil {
		return Result{}, fmt.Errorf("run facts: %w", err)
	}
	a.opts = o
	return a.Finish()
}
