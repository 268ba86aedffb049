package analysis

import (
	"errors"
	"fmt"
)

// FinishOptions are the Options a runner knows only once its run has ended,
// for FinishWith: the phase timeline as it happened, the breaker-open spans,
// the exact retry-delay laws, and per policy the logical requests that left
// no Record (unsent, unreached) or that a fallback answered. A runner that
// streams its Records into an Accumulator as they happen, rather than
// reading them back from its log, hands these over at the end.
type FinishOptions struct {
	Phases         []Phase
	BreakerOpen    map[string][]Interval
	ExpectedDelay  map[string]DelayCDF
	Unsent         map[string]int
	Unreached      map[string]int
	FallbackServed map[string]int
	Hedges         map[string]Hedges
	Replacements   map[string]int
}

// FinishWith is Finish with the options known at the end: each non-nil
// field takes the place of the Options field of the same name, and is
// checked as New checks the Options.
func (a *Accumulator) FinishWith(f FinishOptions) (Result, error) {
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
	if f.Hedges != nil {
		o.Hedges = f.Hedges
	}
	if f.Replacements != nil {
		o.Replacements = f.Replacements
	}
	o, err := o.withDefaults()
	if err != nil {
		return Result{}, fmt.Errorf("finish options: %w", err)
	}
	a.opts = o
	return a.Finish()
}
