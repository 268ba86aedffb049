package main

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/spf13/cobra"

	"github.com/chaos-harness/chaos/analysis"
	"github.com/chaos-harness/chaos/internal/logfile"
	"github.com/chaos-harness/chaos/record"
	"github.com/chaos-harness/chaos/scenarios"
)

func init() { subcommands = append(subcommands, newRunCmd) }

// runFlags are the flags of `chaos run`.
type runFlags struct {
	engine   string
	seed     uint64
	out      string
	policies []string
	limits   limitFlags
	retry    retryWindowFlag
	output   outputFlags

	// Repeated and sharded runs (run --repeat, --shard; repeat.go).
	repeat  int
	shard   shardFlag
	workers int

	// A shard of a live fleet across hosts (run --server, --clients; fleet.go).
	fleet fleetFlags
}

func newRunCmd(s streams) *cobra.Command {
	var f runFlags
	cmd := &cobra.Command{
		Use:   "run NAME|FILE [--engine sim|live] [--seed N] [--out DIR]",
		Short: "Run a scenario's fleet under each of its policies and write the arrivals and results",
		Long: `run runs a scenario (a built-in NAME, see 'chaos scenarios', or a scenario
FILE): for each of its policies in turn, the whole fleet of clients against a
fresh fault server compiled with the same seed. Every attempt becomes a Record.

Engines:
  sim   discrete events in virtual time: deterministic by seed, and fast
        (100,000 clients in seconds); network hops take the scenario's
        clients.network delay.
  live  the fault server in-process on 127.0.0.1, one goroutine per client,
        real HTTP through the resilience RoundTripper; clients.time_scale
        compresses every duration of the scenario.
        With --server and --clients I/N, this process runs one shard of
        the fleet against an external chaos serve (below).

It writes into --out (removing the plots of an earlier report there that this
one does not have):
  arrivals.jsonl  every Record, one JSON object per line
  result.json     the statistics of each policy
  report.md       the report, and report.html with its plots inline
  *.svg, *.png    the plots: arrivals over time, retry delays, completion

and prints a summary table. A run that takes longer than a second reports its
progress on standard error: a bar with the rate and the time left on a
terminal, a line every few seconds elsewhere (a pipe, a CI log); --quiet
silences it.

Limits keep a run from hanging or swamping CI. Before it starts, the run is
estimated: a live run that would take longer than --max-duration, or any run
that would need more than --max-memory, is refused (exit 2) with the estimate.
While it runs, it is stopped (exit 1) when it passes either limit, and when
the clients of a live run cannot reach the fault server. arrivals.jsonl then
holds the Records written so far, in whole lines. --dry-run prints the
estimate and its limits and runs nothing.

--format json prints result.json on standard output instead of the summary.` + runRepeatHelp + runFleetHelp,
		Args: cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error { return runScenario(cmd, s, args[0], &f) },
	}
	fl := cmd.Flags()
	fl.StringVar(&f.engine, "engine", scenarios.EngineSim, "engine: sim (virtual time) or live (real HTTP on loopback)")
	fl.Uint64Var(&f.seed, "seed", 0, "seed of every random stream of the run (default: the scenario's seed)")
	fl.StringVar(&f.out, "out", "chaos-out", "directory to write arrivals.jsonl, result.json, the reports and plots into (created if missing)")
	fl.StringSliceVar(&f.policies, "policy", nil, "run only these policies of the scenario, in this order (repeat or separate with commas)")
	f.limits.register(fl)
	f.retry.register(fl)
	f.output.register(cmd)
	f.registerRepeat(fl)
	f.fleet.register(fl)
	return cmd
}

func runScenario(cmd *cobra.Command, s streams, arg string, f *runFlags) error {
	sc, err := scenarios.Load(arg)
	if err != nil {
		return reportProblems(s, err)
	}
	if !slices.Contains(scenarios.Engines, f.engine) {
		return fmt.Errorf("--engine %q: use sim or live", f.engine)
	}
	for _, name := range f.policies {
		if _, err := sc.Policy(name); err != nil {
			return fmt.Errorf("--policy: %w", err)
		}
	}
	opts, err := f.options(cmd)
	if err != nil {
		return err
	}
	if err := f.fleet.check(f); err != nil {
		return err
	}
	if f.fleet.clients.set {
		return runFleetShard(cmd, s, sc, arg, opts, f)
	}
	if f.repeated() {
		unsharded := *f
		unsharded.out = outPlaceholder
		return runRepeated(cmd, s, sc, opts, f, reproduceCommand(arg, f, sc.SeedOf(opts)), reproduceCommand(arg, &unsharded, sc.SeedOf(opts)))
	}
	return executeAndReport(cmd, s, sc, opts, f.out, reproduceCommand(arg, f, sc.SeedOf(opts)), &f.output)
}

// executeAndReport runs a scenario with opts, writing arrivals.jsonl into out
// as it goes and analysing the Records as they are made, then writes the
// results and reports there and prints the summary. A run its limits refuse
// is bad input (exit 2) and leaves out untouched; a run that fails or is
// stopped is exit 1, its arrivals.jsonl holding the Records written so far.
// With --dry-run it prints the estimate and runs nothing; with --format json
// standard output carries result.json alone.
func executeAndReport(cmd *cobra.Command, s streams, sc *scenarios.Scenario, opts scenarios.Options, out, command string, o *outputFlags) error {
	if err := o.format.check(); err != nil {
		return err
	}
	est, err := sc.Estimate(opts)
	if err != nil {
		return err
	}
	if o.dryRun {
		return printEstimate(s, o, sc, est, opts)
	}
	if err := est.Check(opts); err != nil {
		return err
	}
	if err := mkdirOut(out); err != nil {
		return err
	}
	bar := s.newProgress("logical requests")
	opts.Progress = bar.update
	analyzed, arrivalsPath, err := runLogged(cmd, sc, opts, out, command, o)
	bar.finish()
	if err != nil {
		return err
	}
	run, res := analyzed.Run, analyzed.Result
	return writeResult(s, out, res, o.format.json(), runSummary(s, sc, run, &res, arrivalsPath))
}

// runSummary prints a run's summary, its headline and the files written
// (for writeResult).
func runSummary(s streams, sc *scenarios.Scenario, run *scenarios.Run, res *analysis.Result, arrivalsPath string) func(written []string) {
	return func(written []string) {
		printRunSummary(s, sc, run, res)
		fmt.Fprintln(s.out)
		printHeadline(s.out, *res)
		printWritten(s, arrivalsPath, written)
	}
}

// printWritten ends a run's output: the arrival log and the files of the
// report written beside it.
func printWritten(s streams, arrivalsPath string, written []string) {
	fmt.Fprintf(s.out, "\nwrote %s", arrivalsPath)
	for _, path := range written {
		fmt.Fprintf(s.out, ", %s", filepath.Base(path))
	}
	fmt.Fprintln(s.out)
}

// logSyncEvery is how often a run's arrival log is synced to storage while
// it is written.
const logSyncEvery = 250 * time.Millisecond

// runLogged runs a scenario with opts into the existing directory out,
// writing arrivals.jsonl (arrivals.jsonl.zst with --compress) as it goes and
// analysing the Records as they are made. It returns the run and the log's
// path; an error is runFailed's.
func runLogged(cmd *cobra.Command, sc *scenarios.Scenario, opts scenarios.Options, out, command string, o *outputFlags) (*scenarios.AnalyzedRun, string, error) {
	arrivalsPath, stale := filepath.Join(out, "arrivals.jsonl"), filepath.Join(out, "arrivals.jsonl"+logfile.Ext)
	if o.compress {
		arrivalsPath, stale = stale, arrivalsPath
	}
	if err := os.Remove(stale); err != nil && !errors.Is(err, fs.ErrNotExist) {
		return nil, "", fmt.Errorf("--out: removing an earlier run's log: %w", err)
	}
	file, err := logfile.Create(arrivalsPath)
	if err != nil {
		return nil, "", fmt.Errorf("--out: %w", err)
	}
	defer file.Close()
	// Synced as it grows, so that closing it has little left to commit to
	// storage: the herd's 190 MB log took 0.13 s to sync at its end, an
	// eighth of the whole run (docs/PERFORMANCE.md).
	records := record.NewWriter(file, record.WriterOptions{Buffer: 1 << 20, SyncEvery: logSyncEvery})
	defer records.Close() // whatever stops the run, the Records so far are kept
	sink := opts.Sink
	opts.Sink = func(r *record.Record) error {
		if sink != nil {
			if err := sink(r); err != nil {
				return err
			}
		}
		return records.Write(r)
	}
	analyzed, err := sc.RunAnalyzed(cmd.Context(), opts, command)
	if closeErr := errors.Join(records.Close(), file.Close()); err == nil && closeErr != nil {
		err = fmt.Errorf("writing %s: %w", arrivalsPath, closeErr)
	}
	if err != nil {
		return nil, arrivalsPath, runFailed(err, arrivalsPath, records.Lines())
	}
	return analyzed, arrivalsPath, nil
}

// options are the scenario options the flags give.
func (f *runFlags) options(cmd *cobra.Command) (scenarios.Options, error) {
	opts := scenarios.Options{Engine: f.engine, Policies: f.policies}
	if cmd.Flags().Changed("seed") {
		opts.Seed = &f.seed
	}
	var err error
	if opts.RetryWindow, err = f.retry.value(); err != nil {
		return opts, err
	}
	return opts, f.limits.apply(&opts)
}

// runFailed is the error of a run that did not finish: bad input (exit 2)
// when a limit refused it before it started, else a failure (exit 1) that
// says what arrivals.jsonl kept.
func runFailed(err error, arrivalsPath string, lines int64) error {
	var limit *scenarios.LimitError
	if errors.As(err, &limit) && limit.Before {
		return err
	}
	return failed(fmt.Errorf("%w\n%s holds the %d Records written before it stopped", err, arrivalsPath, lines))
}

// reproduceCommand is the command line that reproduces a run exactly.
func reproduceCommand(arg string, f *runFlags, seed uint64) string {
	parts := []string{"chaos", "run", arg, "--engine", f.engine, "--seed", strconv.FormatUint(seed, 10), "--out", f.out}
	if len(f.policies) > 0 {
		parts = append(parts, "--policy", strings.Join(f.policies, ","))
	}
	parts = append(parts, f.retry.words()...)
	if f.repeat > 1 {
		parts = append(parts, "--repeat", strconv.Itoa(f.repeat))
	}
	return strings.Join(parts, " ")
}

// printRunSummary prints one line per policy: what a person checks first,
// the retry herd (retry_max_window) among it.
// Unsent requests were refused before any attempt; fallback ones failed and
// were answered by the fallback. Both count as failures in success.
func printRunSummary(s streams, sc *scenarios.Scenario, run *scenarios.Run, res *analysis.Result) {
	fmt.Fprintf(s.out, "scenario %s, engine %s, seed %d\n\n", sc.Name, run.Engine, run.Seed)
	tw := tabwriter.NewWriter(s.out, 0, 4, 2, ' ', tabwriter.AlignRight)
	fmt.Fprintf(tw, "policy\tlogical\tsuccess\tattempts\tamplification\tp99 ms\tmakespan ms\tretries/%s\tunsent\tfallback\t\n",
		strconv.FormatFloat(res.RetryWindowMs, 'f', -1, 64)+"ms")
	for i := range res.Policies {
		p := &res.Policies[i]
		fmt.Fprintf(tw, "%s\t%d\t%.4f\t%d\t%s\t%.0f\t%.0f\t%s\t%d\t%d\t\n", p.Name, p.LogicalRequests,
			p.SuccessRate, p.Attempts, amplificationCell(p), p.CompletionMs.P99, p.MakespanMs, herdCell(p), p.Unsent, p.FallbackServed)
	}
	_ = tw.Flush()
}

// herdCell is a policy's retry_max_window, the most retries in one retry
// window, or "unknown" where retries cannot be told from first attempts.
func herdCell(p *analysis.PolicyResult) string {
	if p.RetryMaxWindow == nil {
		return "unknown"
	}
	return strconv.Itoa(*p.RetryMaxWindow)
}

// amplificationCell is a policy's amplification to three decimals, or
// "unknown" where the Records cannot tell it.
func amplificationCell(p *analysis.PolicyResult) string {
	if p.Amplification == nil {
		return "unknown"
	}
	return strconv.FormatFloat(*p.Amplification, 'f', 3, 64)
}
