package main

import (
	"context"
	"fmt"
	"runtime"
	"slices"
	"strconv"
	"strings"
	"sync"
	"text/tabwriter"

	"github.com/spf13/cobra"

	"github.com/chaos-harness/chaos/analysis"
	"github.com/chaos-harness/chaos/faultserver"
	"github.com/chaos-harness/chaos/reports"
	"github.com/chaos-harness/chaos/resilience"
	"github.com/chaos-harness/chaos/scenarios"
)

func init() { subcommands = append(subcommands, newTuneCmd) }

// maxGridPoints bounds a tuning grid: each point is a whole simulated run.
const maxGridPoints = 500

// objectives are the scores `chaos tune --objective` ranks by; higher is better.
var objectives = map[string]analysis.Score{
	"default":       analysis.DefaultScore,
	"success":       func(p analysis.PolicyResult) float64 { return p.SuccessRate },
	"amplification": func(p analysis.PolicyResult) float64 { return -p.Amplification },
	"p99":           func(p analysis.PolicyResult) float64 { return -p.CompletionMs.P99 },
}

type tuneFlags struct {
	vary      []string
	policy    string
	objective string
	seed      uint64
	workers   int
	out       string
	limits    limitFlags
	retry     retryWindowFlag
}

func newTuneCmd(s streams) *cobra.Command {
	var f tuneFlags
	cmd := &cobra.Command{
		Use:   "tune NAME|FILE --vary KEY=V1,V2,... [--vary ...] [--out DIR]",
		Short: "Sweep a grid of policy settings in simulation and rank them, marking the Pareto frontier",
		Long: `tune runs a scenario (a built-in NAME or a scenario FILE) in the sim engine once
per point of a grid of policy settings, all with the same seed, across all
cores, and ranks the points by an objective. The Pareto frontier of success
rate (higher), amplification (lower) and p99 completion time (lower) is marked
in the table and in the frontier plot.

Each --vary names a knob of the base policy (--policy; default the scenario's
first policy) and the values to try; the grid is every combination. Keys are
full paths (retry.max_retries, retry.base, retry.cap, retry.multiplier,
retry.jitter, breaker.failures, breaker.open, budget.tokens.max, ...) or a
unique last part (max_retries, base, jitter). Durations are Go durations.

  chaos tune outage-recovery --vary max_retries=2,4,8 --vary base=50ms,100ms,200ms

Objectives (--objective): default (success rate, less a point per unit of
amplification above 1 and per second of p99), success, amplification, p99.

It writes result.json, report.md, report.html and the plots into --out.`,
		Args: cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error { return tuneGrid(cmd, s, args[0], &f) },
	}
	fl := cmd.Flags()
	fl.StringArrayVar(&f.vary, "vary", nil, "KEY=V1,V2,... a knob of the base policy and the values to try (repeat for more knobs)")
	fl.StringVar(&f.policy, "policy", "", "the scenario's policy to vary (default: its first policy)")
	fl.StringVar(&f.objective, "objective", "default", "what to rank by: default, success, amplification or p99")
	fl.Uint64Var(&f.seed, "seed", 0, "seed of every random stream (default: the scenario's seed)")
	fl.IntVar(&f.workers, "workers", runtime.GOMAXPROCS(0), "simulations run at once (default: the number of cores)")
	fl.StringVar(&f.out, "out", "chaos-out", "directory to write result.json, the reports and plots into (created if missing)")
	f.retry.register(fl)
	f.limits.register(fl)
	return cmd
}

// knob is one --vary: a resolved key and the values to try.
type knob struct {
	key    string
	values []string
}

func tuneGrid(cmd *cobra.Command, s streams, arg string, f *tuneFlags) error {
	sc, err := scenarios.Load(arg)
	if err != nil {
		return reportProblems(s, err)
	}
	score, ok := objectives[f.objective]
	if !ok {
		return fmt.Errorf("--objective %q: use default, success, amplification or p99", f.objective)
	}
	if f.workers < 1 {
		return fmt.Errorf("--workers %d: must be at least 1", f.workers)
	}
	base := sc.Policies[0]
	if f.policy != "" {
		if base, err = sc.Policy(f.policy); err != nil {
			return fmt.Errorf("--policy: %w", err)
		}
	}
	knobs, err := parseKnobs(f.vary)
	if err != nil {
		return err
	}
	points, err := gridPolicies(base, knobs)
	if err != nil {
		return err
	}
	opts := scenarios.Options{Engine: scenarios.EngineSim}
	if cmd.Flags().Changed("seed") {
		opts.Seed = &f.seed
	}
	seed := sc.SeedOf(opts)
	opts.Seed = &seed
	if err := f.limits.apply(&opts); err != nil {
		return err
	}
	if opts.RetryWindow, err = f.retry.value(); err != nil {
		return err
	}
	// Every point runs the same fleet, so one estimate speaks for each run.
	one := *sc
	one.Policies = points[:1]
	est, err := one.Estimate(opts)
	if err != nil {
		return err
	}
	if err := est.Check(opts); err != nil {
		return err
	}
	fmt.Fprintf(s.err, "tune: %d settings of policy %q, %d at a time\n", len(points), base.Name, f.workers)

	run, records, err := runGrid(cmd.Context(), sc, opts, points, f.workers, s)
	if err != nil {
		return failed(err)
	}
	command := tuneCommand(arg, f, base.Name, seed)
	res, err := run.AnalyzeRecords(command, func(add func(faultserver.Record) error) error {
		for _, recs := range records {
			for i := range recs {
				if err := add(recs[i]); err != nil {
					return err
				}
			}
		}
		return nil
	})
	if err != nil {
		return failed(err)
	}
	analysis.Rank(&res, score)
	written, err := reports.Write(f.out, res)
	if err != nil {
		return failed(err)
	}
	printRanking(s, &res)
	fmt.Fprintf(s.out, "\nwrote")
	for i, path := range written {
		sep := ","
		if i == 0 {
			sep = ""
		}
		fmt.Fprintf(s.out, "%s %s", sep, path)
	}
	fmt.Fprintln(s.out)
	return nil
}

// parseKnobs reads the --vary flags, resolving each key to its full path.
func parseKnobs(vary []string) ([]knob, error) {
	if len(vary) == 0 {
		return nil, fmt.Errorf("--vary: name at least one knob, such as --vary max_retries=2,4,8")
	}
	var knobs []knob
	seen := map[string]bool{}
	for _, v := range vary {
		key, list, ok := strings.Cut(v, "=")
		if !ok || strings.TrimSpace(list) == "" {
			return nil, fmt.Errorf("--vary %q: write KEY=V1,V2,...", v)
		}
		full, err := resilience.ResolveKey(strings.TrimSpace(key))
		if err != nil {
			return nil, fmt.Errorf("--vary %q: %w", v, err)
		}
		if seen[full] {
			return nil, fmt.Errorf("--vary %q: %s is varied twice", v, full)
		}
		seen[full] = true
		var values []string
		for _, val := range strings.Split(list, ",") {
			if val = strings.TrimSpace(val); val == "" {
				return nil, fmt.Errorf("--vary %q: an empty value", v)
			}
			if slices.Contains(values, val) {
				return nil, fmt.Errorf("--vary %q: %s is listed twice", v, val)
			}
			values = append(values, val)
		}
		knobs = append(knobs, knob{key: full, values: values})
	}
	return knobs, nil
}

// gridPolicies makes one policy per combination of knob values, named after
// the values it sets ("max_retries=4 base=100ms").
func gridPolicies(base scenarios.Policy, knobs []knob) ([]scenarios.Policy, error) {
	size := 1
	for _, k := range knobs {
		size *= len(k.values)
		if size > maxGridPoints {
			return nil, fmt.Errorf("--vary: the grid has more than %d settings; vary fewer knobs or values", maxGridPoints)
		}
	}
	points := make([]scenarios.Policy, 0, size)
	idx := make([]int, len(knobs))
	for {
		cfg := base.Config.Clone()
		parts := make([]string, len(knobs))
		for i, k := range knobs {
			v := k.values[idx[i]]
			if err := cfg.Set(k.key, v); err != nil {
				return nil, fmt.Errorf("--vary %s=%s: %w", k.key, v, err)
			}
			parts[i] = shortKey(k.key) + "=" + v
		}
		if problems := cfg.Problems(); len(problems) > 0 {
			return nil, fmt.Errorf("--vary setting %q of policy %q: %s: %s", strings.Join(parts, " "), base.Name, problems[0].Path, problems[0].Msg)
		}
		cfg.Name = strings.Join(parts, " ")
		points = append(points, scenarios.Policy{Name: cfg.Name, Config: cfg})
		// Advance the odometer, last knob fastest.
		i := len(idx) - 1
		for ; i >= 0; i-- {
			if idx[i]++; idx[i] < len(knobs[i].values) {
				break
			}
			idx[i] = 0
		}
		if i < 0 {
			return points, nil
		}
	}
}

// shortKey is the last part of a knob's path, which names a grid point.
func shortKey(key string) string {
	return key[strings.LastIndex(key, ".")+1:]
}

// runGrid simulates every grid point, workers at a time, and returns one Run
// whose policies are the points, in grid order, with each point's Records.
func runGrid(ctx context.Context, sc *scenarios.Scenario, opts scenarios.Options, points []scenarios.Policy, workers int, s streams) (*scenarios.Run, [][]faultserver.Record, error) {
	runs := make([]*scenarios.Run, len(points))
	records := make([][]faultserver.Record, len(points))
	errs := make([]error, len(points))
	jobs := make(chan int)
	var wg sync.WaitGroup
	var mu sync.Mutex
	done := 0
	for range min(workers, len(points)) {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := range jobs {
				one := *sc
				one.Policies = points[i : i+1]
				o := opts
				o.Sink = func(r *faultserver.Record) error {
					records[i] = append(records[i], *r)
					return nil
				}
				runs[i], errs[i] = scenarios.Execute(ctx, &one, o)
				mu.Lock()
				done++
				fmt.Fprintf(s.err, "tune: %d/%d %s\n", done, len(points), points[i].Name)
				mu.Unlock()
			}
		}()
	}
	for i := range points {
		if ctx.Err() != nil {
			break
		}
		jobs <- i
	}
	close(jobs)
	wg.Wait()
	if err := ctx.Err(); err != nil {
		return nil, nil, err
	}
	merged := &scenarios.Run{Scenario: sc.Name, Engine: opts.Engine, Seed: *opts.Seed, RetryWindow: opts.RetryWindow, Capacity: sc.AnalysisCapacity()}
	for i, r := range runs {
		if errs[i] != nil {
			return nil, nil, fmt.Errorf("setting %q: %w", points[i].Name, errs[i])
		}
		merged.Policies = append(merged.Policies, r.Policies...)
	}
	return merged, records, nil
}

// tuneCommand is the command line that reproduces a sweep.
func tuneCommand(arg string, f *tuneFlags, policy string, seed uint64) string {
	parts := []string{"chaos", "tune", arg}
	for _, v := range f.vary {
		parts = append(parts, "--vary", v)
	}
	parts = append(parts, "--policy", policy, "--objective", f.objective,
		"--seed", strconv.FormatUint(seed, 10), "--out", f.out)
	parts = append(parts, f.retry.words()...)
	return strings.Join(parts, " ")
}

// printRanking prints the settings best first, the Pareto frontier starred.
func printRanking(s streams, res *analysis.Result) {
	fmt.Fprintf(s.out, "scenario %s, engine %s, seed %d\n\n", res.Scenario, res.Engine, *res.Seed)
	tw := tabwriter.NewWriter(s.out, 0, 4, 2, ' ', 0)
	fmt.Fprintln(tw, "rank\tsetting\tsuccess\tamplification\tp99 ms\tscore\tfrontier")
	for _, r := range res.Ranking {
		p, _ := res.Policy(r.Name)
		star := ""
		if r.Pareto {
			star = "*"
		}
		fmt.Fprintf(tw, "%d\t%s\t%.4f\t%.3f\t%.0f\t%.4f\t%s\n", r.Rank, r.Name, p.SuccessRate,
			p.Amplification, p.CompletionMs.P99, r.Score, star)
	}
	_ = tw.Flush()
}
