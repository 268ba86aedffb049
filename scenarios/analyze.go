package scenarios

import (
	"context"
	"fmt"

	"github.com/chaos-harness/chaos/analysis"
	"github.com/chaos-harness/chaos/faultserver"
)

// AnalysisOptions are the analysis options a run implies: its scenario,
// engine and seed, and per policy the phase timeline, the breaker-open spans
// and the exact retry-delay laws. command is the command line that
// reproduces the run, for reports.
func (r *Run) AnalysisOptions(command string) analysis.Options {
	seed := r.Seed
	o := analysis.Options{
		Scenario:      r.Scenario,
		Engine:        r.Engine,
		Seed:          &seed,
		Command:       command,
		Phases:        []analysis.Phase{},
		ExpectedDelay: map[string]analysis.DelayCDF{},
		BreakerOpen:   map[string][]analysis.Interval{},
	}
	for _, p := range r.Policies {
		o.Phases = append(o.Phases, p.Phases...)
		if p.ExpectedDelay != nil {
			o.ExpectedDelay[p.Name] = p.ExpectedDelay
		}
		if p.BreakerOpen != nil {
			o.BreakerOpen[p.Name] = p.BreakerOpen
		}
	}
	return o
}

// AnalyzeRecords turns a run's Records into its Result. feed calls add with
// every Record (from memory, or read back from arrivals.jsonl).
func (r *Run) AnalyzeRecords(command string, feed func(add func(faultserver.Record) error) error) (analysis.Result, error) {
	acc, err := analysis.New(r.AnalysisOptions(command))
	if err != nil {
		return analysis.Result{}, err
	}
	if err := feed(acc.Add); err != nil {
		return analysis.Result{}, err
	}
	return acc.Finish()
}

// Outcome is a run with its Records and their analysis, for callers that keep
// everything in memory (tests, `chaos check`).
type Outcome struct {
	Run     *Run
	Records []faultserver.Record
	Result  analysis.Result
}

// RunAndAnalyze runs the scenario, keeping its Records in memory, and
// analyses them. opts.Sink, if set, still sees every Record.
func RunAndAnalyze(ctx context.Context, s *Scenario, opts Options, command string) (*Outcome, error) {
	var records []faultserver.Record
	sink := opts.Sink
	opts.Sink = func(r *faultserver.Record) error {
		records = append(records, *r)
		if sink != nil {
			return sink(r)
		}
		return nil
	}
	run, err := Execute(ctx, s, opts)
	if err != nil {
		return nil, err
	}
	res, err := run.AnalyzeRecords(command, func(add func(faultserver.Record) error) error {
		for i := range records {
			if err := add(records[i]); err != nil {
				return fmt.Errorf("record %d: %w", i+1, err)
			}
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	return &Outcome{Run: run, Records: records, Result: res}, nil
}
