package main

import (
	"cmp"
	"context"
	"fmt"
	"runtime"
	"slices"
	"strconv"
	"strings"
	"text/tabwriter"

	"github.com/spf13/cobra"

	"github.com/chaos-harness/chaos/analysis"
	"github.com/chaos-harness/chaos/record"
	"github.com/chaos-harness/chaos/scenarios"
)

func init() { subcommands = append(subcommands, newTuneCmd) }

// maxGridPoints bounds a tuning grid: each point is a whole simulated run.
const maxGridPoints = 500

type tuneFlags struct {
	vary       []string
	policy     string
	minSuccess float64
	seed       uint64
	workers    int
	out        string
	limits     limitFlags
	retry      retryWindowFlag
	format     outputFormat
	shard      shardFlag // a share of the grid points (tune_shard.go)
}

func newTuneCmd(s streams) *cobra.Command {
	var f tuneFlags
	cmd := &cobra.Command{
		Use:   "tune NAME|FILE --vary KEY=V1,V2,... [--vary ...] [--out DIR]",
		Short: "Sweep a grid of policy settings (and of the offered load) in simulation and rank them, marking the Pareto frontier",
		Long: `tune runs a scenario (a built-in NAME or a scenario FILE) in the sim engine once
per point of a grid of policy settings, all with the same seed, across all
cores, and ranks the points by the ranking rule that compare and the reports
use too:

  ` + analysis.RankingRule() + `

The Pareto frontier is drawn on amplification and p99 completion time (both
lower is better) among the settings whose success rate is at least
--min-success; settings below that floor are never on it (a setting that fails
half its requests fast would otherwise look optimal). The table and the
frontier plot mark both.

Each --vary names a knob of the base policy (--policy; default the scenario's
first policy that retries, that is with retry.max_retries above 0) and the
values to try; the grid is every combination. Keys are full paths
(retry.max_retries, retry.base, retry.cap, retry.multiplier, retry.jitter,
breaker.failures, breaker.open, budget.tokens.max, ...) or a unique last part
(max_retries, base, jitter). Durations are Go durations. A key the policy
does not use is refused: one in a section the policy lacks (breaker.* without
a breaker), or one its settings ignore at every point of the grid (retry.base
under backoff list, retry.multiplier under a decorrelated jitter, any retry
knob but max_retries when no retry is made).

  chaos tune outage-recovery --vary max_retries=2,4,8 --vary base=50ms,100ms,200ms

Two keys vary the scenario instead of the policy:

  load=F1,F2,...   multiplies the offered load: every step of an open-loop
                   rate schedule (clients.open.rate, its surges too), or a
                   closed-loop fleet's clients.count (and clients.spike's),
                   rounded to the nearest client; 1 is the load as written
  trigger=on,off   off holds an open-loop schedule at its first rate and drops
                   clients.spike: the load without the surge that may tip the
                   server over

A grid that varies the load adds a load sweep to the result and the report:
per setting of the other knobs, each load's verdict, stable (healthy without
the trigger, that is a success rate of at least --min-success, and recovered
after it: a time to recover), bistable (healthy without it, never recovered
after it: a metastable failure) or overloaded (below --min-success without
it), and the bistable band, the range of the bistable loads:

  chaos tune brooker-collapse --policy no-backoff --vary load=0.5,0.75,1,1.25,1.5 --vary trigger=on,off

It writes result.json, report.md, report.html and the plots into --out, and
prints the ranking; --format json prints result.json instead. Progress (the
settings done, their rate, the time left) goes to standard error for a grid
that takes longer than a second; --quiet silences it.

--shard I/K (0-based I, as Kubernetes' JOB_COMPLETION_INDEX) runs only the
grid points j (in grid order, the last --vary fastest) with j mod K = I and
writes partial.json and points.jsonl (their runs and Records) into --out
instead of the result; 'chaos merge DIR...' of the K directories writes what
tune without --shard writes, the same in every number. Each point is one
whole run, never split.`,
		Args: cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error { return tuneGrid(cmd, s, args[0], &f) },
	}
	fl := cmd.Flags()
	fl.StringArrayVar(&f.vary, "vary", nil, "KEY=V1,V2,... a knob of the base policy, or load or trigger, and the values to try (repeat for more knobs)")
	fl.StringVar(&f.policy, "policy", "", "the scenario's policy to vary (default: its first policy that retries)")
	fl.Float64Var(&f.minSuccess, "min-success", analysis.DefaultMinSuccess, "success floor in [0, 1]: settings below it are never on the Pareto frontier")
	fl.Uint64Var(&f.seed, "seed", 0, "seed of every random stream (default: the scenario's seed)")
	fl.IntVar(&f.workers, "workers", runtime.GOMAXPROCS(0), "simulations run at once (default: the number of cores)")
	fl.StringVar(&f.out, "out", "chaos-out", "directory to write result.json, the reports and plots into (created if missing)")
	f.retry.register(fl)
	f.limits.register(fl)
	f.format.register(cmd, "result.json as written into --out, with the ranking")
	f.shard.register(fl, "grid points")
	return cmd
}

// knob is one --vary: a resolved key and the values to try.
type knob struct {
	key    string
	values []string
}

func tuneGrid(cmd *cobra.Command, s streams, arg string, f *tuneFlags) error {
	if err := f.format.check(); err != nil {
		return err
	}
	sc, err := scenarios.Load(arg)
	if err != nil {
		return reportProblems(s, err)
	}
	if !(f.minSuccess >= 0 && f.minSuccess <= 1) {
		return fmt.Errorf("--min-success %v: must be a success rate between 0 and 1", f.minSuccess)
	}
	if f.workers < 1 {
		return fmt.Errorf("--workers %d: must be at least 1", f.workers)
	}
	base, err := tuneBase(sc, f.policy)
	if err != nil {
		return err
	}
	knobs, err := parseKnobs(f.vary)
	if err != nil {
		return err
	}
	for _, k := range knobs {
		if isScenarioKnob(k.key) {
			continue
		}
		if ok, why := hasSection(base.Config, k.key); !ok {
			return fmt.Errorf("--vary %s: policy %q does not use it: %s", k.key, base.Name, why)
		}
	}
	points, err := gridPoints(sc, base, knobs)
	if err != nil {
		return err
	}
	if err := checkKnobsUsed(base.Name, knobs, points); err != nil {
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
	// The points of one scenario run the same fleet, so one estimate speaks
	// for each of its runs.
	checked := map[*scenarios.Scenario]bool{}
	for _, p := range points {
		if checked[p.scenario] {
			continue
		}
		checked[p.scenario] = true
		one := *p.scenario
		one.Policies = []scenarios.Policy{p.policy}
		est, err := one.Estimate(opts)
		if err != nil {
			return err
		}
		if err := est.Check(opts); err != nil {
			return fmt.Errorf("setting %q: %w", p.policy.Name, err)
		}
	}
	items := shardItems(len(points), f.shard.index, max(f.shard.of, 1))
	mine := make([]gridPoint, len(items))
	for i, j := range items {
		mine[i] = points[j]
	}
	if !s.quiet() {
		fmt.Fprintf(s.err, "tune: %d settings of policy %q, %d at a time\n", len(mine), base.Name, f.workers)
	}
	bar := s.newProgress("settings")
	runs, records, err := runGrid(cmd.Context(), opts, mine, f.workers, bar)
	bar.finish()
	if err != nil {
		return failed(err)
	}
	command := tuneCommand(arg, f, base.Name, seed)
	if f.shard.set {
		return writeTunePartial(s, sc, f, tunePartialOf(sc, f, base.Name, seed, len(points), arg), items, runs, records)
	}
	res, err := tuneResult(gridRun(sc, opts, points, runs), command, f.minSuccess, loadPoints(knobs, points), func(add func(record.Record) error) error {
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
	return writeTune(s, f.out, res, f.format.json())
}

// tuneResult analyses a sweep's Records (feed gives them point after point,
// in grid order) and ranks its settings; with loads (a sweep over the load)
// it adds the load sweep.
func tuneResult(run *scenarios.Run, command string, minSuccess float64, loads []analysis.LoadPoint, feed func(add func(record.Record) error) error) (analysis.Result, error) {
	res, err := run.AnalyzeRecords(command, feed)
	if err != nil {
		return res, err
	}
	analysis.Rank(&res, minSuccess)
	if loads != nil {
		if res.LoadSweep, err = analysis.SweepLoad(&res, loads, minSuccess); err != nil {
			return res, err
		}
	}
	return res, nil
}

// writeTune writes a sweep's result and report into out and prints its
// ranking (or, with asJSON, result.json).
func writeTune(s streams, out string, res analysis.Result, asJSON bool) error {
	return writeResult(s, out, res, asJSON, func(written []string) {
		printRanking(s, &res)
		if res.LoadSweep != nil {
			printLoadSweep(s.out, res.LoadSweep)
		}
		fmt.Fprintln(s.out)
		printHeadline(s.out, res)
		fmt.Fprintf(s.out, "\nwrote")
		for i, path := range written {
			sep := ","
			if i == 0 {
				sep = ""
			}
			fmt.Fprintf(s.out, "%s %s", sep, path)
		}
		fmt.Fprintln(s.out)
	})
}

// tuneBase picks the policy to vary: --policy, else the scenario's first
// policy that retries (varying one that never retries changes nothing).
func tuneBase(sc *scenarios.Scenario, name string) (scenarios.Policy, error) {
	if name != "" {
		p, err := sc.Policy(name)
		if err != nil {
			return scenarios.Policy{}, fmt.Errorf("--policy: %w", err)
		}
		return p, nil
	}
	if p, ok := firstRetrying(sc); ok {
		return p, nil
	}
	return scenarios.Policy{}, fmt.Errorf("%s: no policy retries (retry.max_retries above 0), so tune has no default policy to vary; name one with --policy", sc.File)
}

// firstRetrying is the scenario's first policy that retries, if any.
func firstRetrying(sc *scenarios.Scenario) (scenarios.Policy, bool) {
	i := slices.IndexFunc(sc.Policies, func(p scenarios.Policy) bool { return retries(p.Config) })
	if i < 0 {
		return scenarios.Policy{}, false
	}
	return sc.Policies[i], true
}

// checkKnobsUsed refuses a knob that no point of the grid uses (see
// resilience.Config.Uses), naming the knob, the policy and why.
func checkKnobsUsed(policy string, knobs []knob, points []gridPoint) error {
	for _, k := range knobs {
		if isScenarioKnob(k.key) {
			continue
		}
		why := ""
		used := slices.ContainsFunc(points, func(p gridPoint) bool {
			ok, reason := usesKnob(p.policy.Config, k.key)
			why = cmp.Or(why, reason)
			return ok
		})
		if !used {
			return fmt.Errorf("--vary %s: policy %q does not use it at any point of the grid: %s", k.key, policy, why)
		}
	}
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
		full := strings.TrimSpace(key)
		if !isScenarioKnob(full) {
			var err error
			if full, err = resolveKey(full); err != nil {
				return nil, fmt.Errorf("--vary %q: %w", v, err)
			}
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
			if isScenarioKnob(full) {
				if err := checkScenarioKnob(full, val); err != nil {
					return nil, fmt.Errorf("--vary %q: %w", v, err)
				}
			}
			values = append(values, val)
		}
		knobs = append(knobs, knob{key: full, values: values})
	}
	return knobs, nil
}

// gridPoints makes one point per combination of knob values, its policy
// named after the values it sets ("max_retries=4 base=100ms", "load=1.5
// trigger=off"), and its scenario the base one with the scenario knobs'
// values applied.
func gridPoints(sc *scenarios.Scenario, base scenarios.Policy, knobs []knob) ([]gridPoint, error) {
	size := 1
	for _, k := range knobs {
		size *= len(k.values)
		if size > maxGridPoints {
			return nil, fmt.Errorf("--vary: the grid has more than %d settings; vary fewer knobs or values", maxGridPoints)
		}
	}
	vs := variants{base: sc, made: map[[2]string]*scenarios.Scenario{}}
	points := make([]gridPoint, 0, size)
	idx := make([]int, len(knobs))
	for {
		cfg := base.Config.Clone()
		parts := make([]string, len(knobs))
		var setting []string
		load, trigger := "", triggerOn
		for i, k := range knobs {
			v := k.values[idx[i]]
			parts[i] = shortKey(k.key) + "=" + v
			switch k.key {
			case loadKnob:
				load = v
				continue
			case triggerKnob:
				trigger = v
				continue
			}
			if err := setKnob(&cfg, k.key, v); err != nil {
				return nil, fmt.Errorf("--vary %s=%s of policy %q: %w", k.key, v, base.Name, err)
			}
			setting = append(setting, parts[i])
		}
		if problems := cfg.Problems(); len(problems) > 0 {
			return nil, fmt.Errorf("--vary setting %q of policy %q: %s: %s", strings.Join(parts, " "), base.Name, problems[0].Path, problems[0].Msg)
		}
		variant, err := vs.of(load, trigger)
		if err != nil {
			return nil, err
		}
		cfg.Name = strings.Join(parts, " ")
		p := gridPoint{policy: scenarios.Policy{Name: cfg.Name, Config: cfg}, scenario: variant, load: 1, trigger: trigger == triggerOn,
			setting: strings.Join(setting, " ")}
		if load != "" {
			p.load, _ = parseLoad(load) // parsed by vs.of
		}
		points = append(points, p)
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

// runGrid simulates every grid point, workers at a time, and returns each
// point's run and Records, in grid order.
func runGrid(ctx context.Context, opts scenarios.Options, points []gridPoint, workers int, bar *progress) ([]scenarios.PolicyRun, [][]record.Record, error) {
	runs := make([]*scenarios.Run, len(points))
	records := make([][]record.Record, len(points))
	errs := make([]error, len(points))
	err := runPool(ctx, len(points), workers, bar, func(i int) {
		one := *points[i].scenario
		one.Policies = []scenarios.Policy{points[i].policy}
		o := opts
		o.Sink = func(r *record.Record) error {
			records[i] = append(records[i], *r)
			return nil
		}
		runs[i], errs[i] = one.Run(ctx, o)
	})
	if err != nil {
		return nil, nil, err
	}
	var policies []scenarios.PolicyRun
	for i, r := range runs {
		if errs[i] != nil {
			return nil, nil, fmt.Errorf("setting %q: %w", points[i].policy.Name, errs[i])
		}
		policies = append(policies, r.Policies...)
	}
	return policies, records, nil
}

// gridRun is one Run whose policies are the grid's points, in grid order,
// with each point's run.
func gridRun(sc *scenarios.Scenario, opts scenarios.Options, points []gridPoint, runs []scenarios.PolicyRun) *scenarios.Run {
	policies := make([]scenarios.Policy, len(points))
	for i, p := range points {
		policies[i] = p.policy
	}
	return &scenarios.Run{Scenario: sc.Name, Engine: opts.Engine, Seed: *opts.Seed, Info: sc.Describe(policies), Text: string(sc.Source),
		RetryWindow: opts.RetryWindow, Capacity: sc.AnalysisCapacity(), Policies: runs}
}

// tuneCommand is the command line that reproduces a sweep.
func tuneCommand(arg string, f *tuneFlags, policy string, seed uint64) string {
	parts := []string{"chaos", "tune", arg}
	for _, v := range f.vary {
		parts = append(parts, "--vary", v)
	}
	parts = append(parts, "--policy", policy, "--min-success", strconv.FormatFloat(f.minSuccess, 'g', -1, 64),
		"--seed", strconv.FormatUint(seed, 10), "--out", f.out)
	parts = append(parts, f.retry.words()...)
	return strings.Join(parts, " ")
}

// printRanking prints the settings best first by the ranking rule, with
// their success tier, cost and where they stand against the frontier.
func printRanking(s streams, res *analysis.Result) {
	fmt.Fprintf(s.out, "scenario %s, engine %s, seed %d\n\n", res.Scenario, res.Engine, *res.Seed)
	tw := tabwriter.NewWriter(s.out, 0, 4, 2, ' ', 0)
	fmt.Fprintln(tw, "rank\tsetting\tsuccess\tamplification\tp99 ms\ttier\tcost\tfrontier")
	for _, r := range res.Ranking {
		p, _ := res.Policy(r.Name)
		front := ""
		switch {
		case r.Pareto:
			front = "*"
		case r.BelowMinSuccess:
			front = "below --min-success"
		}
		fmt.Fprintf(tw, "%d\t%s\t%.4f\t%s\t%.0f\t%d\t%.3f\t%s\n", r.Rank, r.Name, p.SuccessRate,
			amplificationCell(p), p.CompletionMs.P99, r.Tier, r.Cost, front)
	}
	_ = tw.Flush()
	fmt.Fprintf(s.out, "\nfrontier: %s (lower is better) among settings with success rate >= %g\n",
		strings.Join(res.Frontier.Objectives, " and "), res.Frontier.MinSuccess)
}
