package main

import (
	"fmt"
	"runtime"
	"strconv"
	"text/tabwriter"

	"github.com/spf13/cobra"
	"github.com/spf13/pflag"

	"github.com/chaos-harness/chaos/analysis"
	"github.com/chaos-harness/chaos/reports"
	"github.com/chaos-harness/chaos/scenarios"
)

// runRepeatHelp is what run's --help says of --repeat and --shard.
const runRepeatHelp = `

--repeat N runs the whole scenario N times, with seeds SEED .. SEED+N-1 (SEED
is --seed or the scenario's), each run whole and alone: its clients are
coupled through the server's capacity, queue and row. result.json and the
report carry the first seed's figures, and for each policy over_seeds: the
mean, the sd (n-1) and the 95% Student-t interval of each figure across the
seeds; arrivals.jsonl is the first seed's. Sim runs go --workers at a time,
live runs one at a time. The limits hold for each run.

--shard I/K (0-based I, as Kubernetes' JOB_COMPLETION_INDEX) does only the
seeds SEED+j with j mod K = I and writes partial.json (each seed's whole
result; the shard with the first seed also writes its arrivals.jsonl) into
--out instead of the result; 'chaos merge DIR...' of the K directories writes
what the run without --shard writes, the same in every number.`

func (f *runFlags) registerRepeat(fl *pflag.FlagSet) {
	fl.IntVar(&f.repeat, "repeat", 1, "run the scenario this many times, seeds SEED .. SEED+N-1, and summarise each policy across them (over_seeds)")
	f.shard.register(fl, "seeds of --repeat")
	fl.IntVar(&f.workers, "workers", runtime.GOMAXPROCS(0), "with --repeat, sim runs at once (default: the number of cores); live runs go one at a time")
}

// repeated reports whether the flags ask for a repeated or sharded run.
func (f *runFlags) repeated() bool { return f.repeat != 1 || f.shard.set }

// runRepeated runs the seeds of --repeat (this shard's share with --shard)
// and writes the result and report, or partial.json with --shard.
// command reproduces the run; partialCommand is the same with --out left
// to merge (outPlaceholder).
func runRepeated(cmd *cobra.Command, s streams, sc *scenarios.Scenario, opts scenarios.Options, f *runFlags, command, partialCommand string) error {
	o := &f.output
	if err := o.format.check(); err != nil {
		return err
	}
	if f.repeat < 1 {
		return fmt.Errorf("--repeat %d: must be at least 1", f.repeat)
	}
	if f.workers < 1 {
		return fmt.Errorf("--workers %d: must be at least 1", f.workers)
	}
	est, err := sc.Estimate(opts)
	if err != nil {
		return err
	}
	if o.dryRun {
		fmt.Fprintf(s.err, "run: the estimate is of one run; --repeat makes %d\n", f.repeat)
		return printEstimate(s, o, sc, est, opts)
	}
	if err := est.Check(opts); err != nil {
		return err
	}
	if err := mkdirOut(f.out); err != nil {
		return err
	}
	first := sc.SeedOf(opts)
	items := shardItems(f.repeat, f.shard.index, max(f.shard.of, 1))
	results, arrivalsPath, err := runSeeds(cmd, s, sc, opts, f, command, first, items)
	if err != nil {
		return err
	}
	if f.shard.set {
		p := &partial{Version: partialVersion, Kind: partialRun, Scenario: sc.Name, ScenarioFile: sc.File, ScenarioText: string(sc.Source),
			Engine: opts.Engine, FirstSeed: first, Items: f.repeat, Shards: f.shard.of, Command: partialCommand, Shard: f.shard.index}
		for i, j := range items {
			p.Seeds = append(p.Seeds, seedResult{Index: j, Seed: first + uint64(j), Result: results[i]})
		}
		path, err := writePartial(f.out, p)
		if err != nil {
			return err
		}
		if o.format.json() {
			return copyFile(s.out, path)
		}
		fmt.Fprintf(s.out, "shard %s: %d of %d seeds of scenario %s\nwrote %s", f.shard.String(), len(items), f.repeat, sc.Name, path)
		if arrivalsPath != "" {
			fmt.Fprintf(s.out, ", %s", arrivalsPath)
		}
		fmt.Fprintln(s.out)
		return nil
	}
	res, err := analysis.SummarizeSeeds(results, first)
	if err != nil {
		return failed(err)
	}
	return writeRepeated(s, f.out, res, arrivalsPath, o.format.json())
}

// runSeeds runs the seeds first+j for each j of items, workers at a time
// (one at a time live), and returns their results in the order of items.
// The run of the first seed (j = 0) writes arrivals.jsonl into f.out; its
// path is returned, "" when items lacks it.
func runSeeds(cmd *cobra.Command, s streams, sc *scenarios.Scenario, opts scenarios.Options, f *runFlags, command string, first uint64, items []int) ([]analysis.Result, string, error) {
	workers := f.workers
	if opts.Engine == scenarios.EngineLive {
		workers = 1 // live runs share the machine's real time
	}
	results := make([]analysis.Result, len(items))
	errs := make([]error, len(items))
	var arrivalsPath string
	bar := s.newProgress("seeds")
	err := runPool(cmd.Context(), len(items), workers, bar, func(i int) {
		o := opts
		seed := first + uint64(items[i])
		o.Seed = &seed
		var analyzed *scenarios.AnalyzedRun
		var err error
		if items[i] == 0 {
			analyzed, arrivalsPath, err = runLogged(cmd, sc, o, f.out, command, &f.output)
		} else {
			analyzed, err = sc.RunAnalyzed(cmd.Context(), o, command)
		}
		if err != nil {
			errs[i] = fmt.Errorf("seed %d: %w", seed, err)
		} else {
			results[i] = analyzed.Result
		}
	})
	bar.finish()
	if err != nil {
		return nil, "", err
	}
	for _, err := range errs {
		if err != nil {
			return nil, "", err
		}
	}
	return results, arrivalsPath, nil
}

// writeRepeated writes a repeated run's result and report into out and
// prints its summary (or, with asJSON, result.json).
func writeRepeated(s streams, out string, res analysis.Result, arrivalsPath string, asJSON bool) error {
	return writeResult(s, out, res, asJSON, func(written []string) {
		printOverSeeds(s, &res)
		fmt.Fprintln(s.out)
		printHeadline(s.out, res)
		if arrivalsPath == "" {
			arrivalsPath = "no arrivals.jsonl"
		}
		printWritten(s, arrivalsPath, written)
	})
}

// writeResult writes res's result.json, report and plots into out, then
// prints result.json (asJSON) or what summary prints of it for a person,
// given the paths written.
func writeResult(s streams, out string, res analysis.Result, asJSON bool, summary func(written []string)) error {
	written, err := reports.Write(out, res)
	if err != nil {
		return failed(err)
	}
	if asJSON {
		return copyFile(s.out, resultPath(out))
	}
	summary(written)
	return nil
}

// printOverSeeds prints one line per policy: its figures across the seeds,
// each the mean with its 95% interval.
func printOverSeeds(s streams, res *analysis.Result) {
	r := res.Repeat
	fmt.Fprintf(s.out, "scenario %s, engine %s, seeds %d to %d (%d runs): mean (95%% interval) across seeds\n\n",
		res.Scenario, res.Engine, r.FirstSeed, r.FirstSeed+uint64(r.Runs)-1, r.Runs)
	tw := tabwriter.NewWriter(s.out, 0, 4, 2, ' ', tabwriter.AlignRight)
	fmt.Fprintf(tw, "policy\tsuccess\tattempts\tamplification\tp99 ms\tmakespan ms\t\n")
	f4 := func(x float64) string { return strconv.FormatFloat(x, 'f', 4, 64) }
	f3 := func(x float64) string { return strconv.FormatFloat(x, 'f', 3, 64) }
	f0 := func(x float64) string { return strconv.FormatFloat(x, 'f', 0, 64) }
	for i := range res.Policies {
		p := &res.Policies[i]
		o := p.OverSeeds
		fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s\t%s\t\n", p.Name, o.SuccessRate.Text(f4), o.Attempts.Text(f0),
			o.Amplification.Text(f3), o.CompletionP99Ms.Text(f0), o.MakespanMs.Text(f0))
	}
	_ = tw.Flush()
}
