package scenarios

import (
	"context"
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
	f := r.Facts()
	o := baseAnalysisOptions(r.Scenario, r.Engine, r.Seed, command)
	o.Run, o.ScenarioText = r.Info, r.Text
	o.RetryWindow, o.Capacity = r.RetryWindow, r.Capacity
	o.Phases, o.BreakerOpen, o.ExpectedDelay = f.Phases, f.BreakerOpen, f.ExpectedDelay
	o.Unsent, o.Unreached, o.FallbackServed = f.Unsent, f.Unreached, f.FallbackServed
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

// Facts are what the run learnt of each policy besides its Records, for
// analysis.Accumulator.FinishWith.
func (r *Run) Facts() analysis.RunFacts {
	f := analysis.RunFacts{
		Phases:         []analysis.Phase{},
		ExpectedDelay:  map[string]analysis.DelayCDF{},
		BreakerOpen:    map[string][]analysis.Interval{},
		Unsent:         map[string]int{},
		Unreached:      map[string]int{},
		FallbackServed: map[string]int{},
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

// ExecuteAndAnalyze runs the scenario and analyses its Records as they are
// made, so they are neither kept nor read back; opts.Sink, if set, still sees
// every Record first (to write arrivals.jsonl, say). The phases, breaker
// spans and unsent requests join the analysis when the run ends.
func ExecuteAndAnalyze(ctx context.Context, s *Scenario, opts Options, command string) (*Run, analysis.Result, error) {
	engine := opts.Engine
	if engine == "" {
		engine = EngineSim
	}
	o := baseAnalysisOptions(s.Name, engine, s.SeedOf(opts), command)
	o.RetryWindow, o.Capacity = opts.RetryWindow, s.AnalysisCapacity()
	policies, _ := s.selectPolicies(opts.Policies) // Execute reports a bad name
	o.Run, o.ScenarioText = s.Describe(policies), string(s.Source)
	acc, err := analysis.New(o)
	if err != nil {
		return nil, analysis.Result{}, err
	}
	sink, n := opts.Sink, 0
	opts.Sink = func(r *record.Record) error {
		if sink != nil {
			if err := sink(r); err != nil {
				return err
			}
		}
		n++
		if err := acc.Add(*r); err != nil {
			return fmt.Errorf("record %d: %w", n, err)
		}
		return nil
	}
	run, err := Execute(ctx, s, opts)
	if err != nil {
		return nil, analysis.Result{}, err
	}
	res, err := acc.FinishWith(run.Facts())
	if err != nil {
		return nil, analysis.Result{}, err
	}
	return run, res, nil
}

// Outcome is a run with its Records and their analysis, for callers that keep
// everything in memory (tests, `chaos check`).
type Outcome struct {
	Run     *Run
	Records []record.Record
	Result  analysis.Result
}

// RunAndAnalyze runs the scenario, keeping its Records in memory, and
// analyses them. opts.Sink, if set, still sees every Record.
func RunAndAnalyze(ctx context.Context, s *Scenario, opts Options, command string) (*Outcome, error) {
	var records []record.Record
	sink := opts.Sink
	opts.Sink = func(r *record.Record) error {
		records = append(records, *r)
		if sink != nil {
			return sink(r)
		}
		return nil
	}
	run, res, err := ExecuteAndAnalyze(ctx, s, opts, command)
	if err != nil {
		return nil, err
	}
	return &Outcome{Run: run, Records: records, Result: res}, nil
}
