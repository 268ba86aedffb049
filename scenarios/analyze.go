package scenarios

import (
	"context"
	"errors"
	"fmt"

	"github.com/chaos-harness/chaos/analysis"
	"github.com/chaos-harness/chaos/record"
)

// AnalysisOptions are the analysis options a run implies: its scenario,
// engine and seed, its retry window and the server's capacity, and per policy the phase timeline, the breaker-open spans,
// the exact retry-delay laws and the logical requests that left no Record
// (refused before any attempt) or that a fallback answered. command is the
// command line that reproduces the run, for reports.
func (r *Run) AnalysisOptions(command string) analysis.Options {
	f := r.FinishOptions()
	o := baseAnalysisOptions(r.Scenario, r.Engine, r.Seed, command)
	o.Run, o.ScenarioText = r.Info, r.Text
	o.RetryWindow, o.Capacity = r.RetryWindow, r.Capacity
	o.Phases, o.BreakerOpen, o.ExpectedDelay = f.Phases, f.BreakerOpen, f.ExpectedDelay
	o.Unsent, o.Unreached, o.FallbackServed = f.Unsent, f.Unreached, f.FallbackServed
	o.Hedges = f.Hedges
	o.Replacements = f.Replacements
	return o
}

// baseAnalysisOptions are the options known before a run starts.
func baseAnalysisOptions(scenario, engine string, seed uint64, command string) analysis.Options {
	return analysis.Options{Scenario: scenario, Engine: engine, Seed: &seed, Command: command}
}

// AnalysisCapacity is the scenario's server.capacity as the analysis takes
// it, for peak_to_capacity; nil when the server has none.
func (s *Scenario) AnalysisCapacity() *analysis.Capacity {
	c := s.Server.Capacity
	if c == nil {
		return nil
	}
	return &analysis.Capacity{Concurrency: c.Concurrency, Rate: c.Rate, Burst: c.Burst}
}

// FinishOptions are what the run learnt of each policy besides its Records,
// for analysis.Accumulator.FinishWith.
func (r *Run) FinishOptions() analysis.FinishOptions {
	f := analysis.FinishOptions{
		Phases:         []analysis.Phase{},
		ExpectedDelay:  map[string]analysis.DelayCDF{},
		BreakerOpen:    map[string][]analysis.Interval{},
		Unsent:         map[string]int{},
		Unreached:      map[string]int{},
		FallbackServed: map[string]int{},
		Hedges:         map[string]analysis.Hedges{},
		Replacements:   map[string]int{},
	}
	for _, p := range r.Policies {
		f.Phases = append(f.Phases, p.Phases...)
		if p.ExpectedDelay != nil {
			f.ExpectedDelay[p.Name] = p.ExpectedDelay
		}
		if p.BreakerOpen != nil {
			f.BreakerOpen[p.Name] = p.BreakerOpen
		}
		f.Unsent[p.Name] = int(p.Unsent)
		f.Unreached[p.Name] = int(p.Unreached)
		f.FallbackServed[p.Name] = int(p.Fallbacks)
		if p.Hedges != nil {
			f.Hedges[p.Name] = *p.Hedges
		}
		if p.Replacements != nil {
			f.Replacements[p.Name] = *p.Replacements
		}
	}
	return f
}

// AnalyzeRecords turns a run's Records into its Result. feed calls add with
// every Record (from memory, or read back from arrivals.jsonl).
func (r *Run) AnalyzeRecords(command string, feed func(add func(record.Record) error) error) (analysis.Result, error) {
	acc, err := analysis.New(r.AnalysisOptions(command))
	if err != nil {
		return analysis.Result{}, err
	}
	if err := feed(acc.Add); err != nil {
		return analysis.Result{}, err
	}
	return acc.Finish()
}

// AnalyzedRun is a run with the analysis of its Records, and the Records
// themselves when Options.KeepRecords asked for them.
type AnalyzedRun struct {
	Run    *Run
	Result analysis.Result
	// Records are every Record of the run, in the order the sink saw them;
	// nil unless Options.KeepRecords.
	Records []record.Record
}

// RunAnalyzed runs the scenario as Run does and analyses its Records as
// they are made, so they are neither read back nor, unless opts.KeepRecords,
// kept; opts.Sink, if set, still sees every Record first (to write
// arrivals.jsonl, say). The sink and the analysis run beside the engine
// (recordPipe), each seeing the Records in the engine's order; a sink's error stops the run (and is the error returned, before
// any of the analysis). The phases, breaker spans, unsent and unreached
// requests and fallbacks join the analysis when the run ends. command is the
// command line that reproduces the run, for reports.
func (s *Scenario) RunAnalyzed(ctx context.Context, opts Options, command string) (*AnalyzedRun, error) {
	engine := opts.Engine
	if engine == "" {
		engine = EngineSim
	}
	o := baseAnalysisOptions(s.Name, engine, s.SeedOf(opts), command)
	o.RetryWindow, o.Capacity = opts.RetryWindow, s.AnalysisCapacity()
	policies, _ := s.selectPolicies(opts.Policies) // Run reports a bad name
	o.Run, o.ScenarioText = s.Describe(policies), string(s.Source)
	acc, err := analysis.New(o)
	if err != nil {
		return nil, err
	}
	out := &AnalyzedRun{}
	n := 0
	analyse := func(r *record.Record) error {
		if opts.KeepRecords {
			out.Records = append(out.Records, *r)
		}
		n++
		// AddRecord takes the Record in place, which the sink reads at the
		// same time; it changes only a Record with no keys (the identity
		// inference fills them in), which an engine never makes, so such a
		// Record is handed over as a copy.
		if r.Request == "" {
			rc := *r
			r = &rc
		}
		if err := acc.AddRecord(r); err != nil {
			return fmt.Errorf("record %d: %w", n, err)
		}
		return nil
	}
	// The sink (arrivals.jsonl's encoder, say) and the analysis run beside
	// the engine: on a goroutine each when there are cores for them, else
	// taking turns on one (newRecordPipe).
	stages := []pipeStage{{consume: analyse, warm: acc.Warm}}
	if opts.Sink != nil {
		stages = []pipeStage{{consume: opts.Sink}, stages[0]}
	}
	pipe := newRecordPipe(stages...)
	opts.Sink = pipe.add
	out.Run, err = s.Run(ctx, opts)
	// The Records the engine made before it stopped are consumed whatever
	// stopped it; a consumer's failure is the cause of an engine stopped by
	// errPipeFailed.
	if pipeErr := pipe.close(); pipeErr != nil && (err == nil || errors.Is(err, errPipeFailed)) {
		err = pipeErr
	}
	if err != nil {
		return nil, err
	}
	if out.Result, err = acc.FinishWith(out.Run.FinishOptions()); err != nil {
		return nil, err
	}
	return out, nil
}
