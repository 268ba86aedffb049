package main

import (
	"fmt"
	"slices"
	"strconv"
	"strings"

	"github.com/spf13/cobra"

	"github.com/chaos-harness/chaos/resilience"
	"github.com/chaos-harness/chaos/scenarios"
)

func init() { subcommands = append(subcommands, newCompareCmd) }

// defaultCompareScenario is what `chaos compare` runs with no argument.
const defaultCompareScenario = "outage-recovery"

// allJitters is every jitter the resilience core offers, in the order a
// comparison report lists them.
var allJitters = []string{
	string(resilience.JitterNone), string(resilience.JitterFull), string(resilience.JitterEqual),
	string(resilience.JitterDecorrelated), string(resilience.JitterDecorrelatedV2), string(resilience.JitterFactor),
}

type compareFlags struct {
	jitters []string
	policy  string
	engine  string
	seed    uint64
	out     string
	limits  limitFlags
	output  outputFlags
	retry   retryWindowFlag
}

func newCompareCmd(s streams) *cobra.Command {
	var f compareFlags
	cmd := &cobra.Command{
		Use:   "compare [NAME|FILE] [--jitter none,full,equal,decorrelated,...] [--engine sim|live] [--out DIR]",
		Short: "Run one scenario once per jitter strategy and write the jitter comparison report",
		Long: `compare runs a scenario (a built-in NAME, see 'chaos scenarios', or a scenario
FILE; default: ` + defaultCompareScenario + `) once per jitter strategy, with the same seed and
everything else the same, and writes one report that sets the strategies side
by side: success rate with its interval, attempts and amplification, the
thundering-herd spread of arrivals, completion times, retry delays against
the exact distribution, and which strategy did best and by how much.

The strategies are variants of one base policy of the scenario (--policy;
default: its first policy that retries) that differ only in retry.jitter.

It writes into --out: arrivals.jsonl, result.json, report.md, report.html and
the plots (SVG and PNG), removing the plots of an earlier report there that
this one does not have. --format json prints result.json on standard output
instead of the summary; --dry-run prints the estimate and runs nothing.`,
		Args: cobra.MaximumNArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			arg := defaultCompareScenario
			if len(args) == 1 {
				arg = args[0]
			}
			return compareJitters(cmd, s, arg, &f)
		},
	}
	fl := cmd.Flags()
	fl.StringSliceVar(&f.jitters, "jitter", allJitters, "jitter strategies to compare, comma-separated: "+strings.Join(allJitters, ", "))
	fl.StringVar(&f.policy, "policy", "", "the scenario's policy whose retry settings every strategy shares (default: its first policy that retries)")
	fl.StringVar(&f.engine, "engine", scenarios.EngineSim, "engine: sim (virtual time) or live (real HTTP on loopback)")
	fl.Uint64Var(&f.seed, "seed", 0, "seed of every random stream (default: the scenario's seed)")
	fl.StringVar(&f.out, "out", "chaos-out", "directory to write arrivals.jsonl, result.json, the reports and plots into (created if missing)")
	f.limits.register(fl)
	f.retry.register(fl)
	f.output.register(cmd)
	return cmd
}

func compareJitters(cmd *cobra.Command, s streams, arg string, f *compareFlags) error {
	sc, err := scenarios.Load(arg)
	if err != nil {
		return reportProblems(s, err)
	}
	if !slices.Contains(scenarios.Engines, f.engine) {
		return fmt.Errorf("--engine %q: use sim or live", f.engine)
	}
	base, err := comparisonBase(sc, f.policy)
	if err != nil {
		return err
	}
	variants, err := jitterVariants(base, f.jitters)
	if err != nil {
		return err
	}
	sc.Policies = variants
	opts := scenarios.Options{Engine: f.engine}
	if cmd.Flags().Changed("seed") {
		opts.Seed = &f.seed
	}
	if err := f.limits.apply(&opts); err != nil {
		return err
	}
	if opts.RetryWindow, err = f.retry.value(); err != nil {
		return err
	}
	command := strings.Join(append([]string{"chaos", "compare", arg, "--jitter", strings.Join(f.jitters, ","),
		"--policy", base.Name, "--engine", f.engine, "--seed", strconv.FormatUint(sc.SeedOf(opts), 10),
		"--out", f.out}, f.retry.words()...), " ")
	return executeAndReport(cmd, s, sc, opts, f.out, command, &f.output)
}

// comparisonBase picks the policy whose settings every jitter variant shares.
func comparisonBase(sc *scenarios.Scenario, name string) (scenarios.Policy, error) {
	if name != "" {
		p, err := sc.Policy(name)
		if err != nil {
			return scenarios.Policy{}, fmt.Errorf("--policy: %w", err)
		}
		if !retries(p.Config) {
			return scenarios.Policy{}, fmt.Errorf("--policy %q does not retry (retry.max_retries is 0), so its jitter changes nothing", name)
		}
		return p, nil
	}
	if p, ok := firstRetrying(sc); ok {
		return p, nil
	}
	return scenarios.Policy{}, fmt.Errorf("%s: no policy retries, so there is no jitter to compare; add a policy with a retry section", sc.File)
}

// retries reports whether a policy retries at all (the zero retry section is
// the documented default, which does).
func retries(c resilience.Config) bool {
	return c.Retry != nil && c.Retry.Retries() > 0
}

// jitterVariants makes one policy per jitter, named after it, each a copy of
// base with only retry.jitter changed.
func jitterVariants(base scenarios.Policy, jitters []string) ([]scenarios.Policy, error) {
	if len(jitters) == 0 {
		return nil, fmt.Errorf("--jitter: name at least one of %s", strings.Join(allJitters, ", "))
	}
	variants := make([]scenarios.Policy, 0, len(jitters))
	seen := map[string]bool{}
	for _, j := range jitters {
		j = strings.TrimSpace(j)
		if seen[j] {
			return nil, fmt.Errorf("--jitter: %q is listed twice", j)
		}
		seen[j] = true
		cfg := base.Config.Clone()
		if err := setKnob(&cfg, "retry.jitter", j); err != nil {
			return nil, fmt.Errorf("--jitter %q: %w", j, err)
		}
		if j == string(resilience.JitterDecorrelated) || j == string(resilience.JitterDecorrelatedV2) {
			// Decorrelated jitter grows from base towards cap by its own rule;
			// the exponential's multiplier means nothing to it.
			cfg.Retry.Multiplier = 0
		}
		if problems := cfg.Problems(); len(problems) > 0 {
			return nil, fmt.Errorf("--jitter %q on policy %q: %s: %s", j, base.Name, problems[0].Path, problems[0].Msg)
		}
		cfg.Name = j
		variants = append(variants, scenarios.Policy{Name: j, Config: cfg})
	}
	return variants, nil
}
