package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/spf13/cobra"

	"github.com/chaos-harness/chaos/analysis"
	"github.com/chaos-harness/chaos/scenarios"
)

func init() { subcommands = append(subcommands, newCheckCmd) }

// checkFlags are the flags of `chaos check`.
type checkFlags struct {
	junit         string
	engine        string
	seed          uint64
	seedSet       bool
	client        string
	clientTimeout time.Duration
	retry         retryWindowFlag
	format        outputFormat
}

func newCheckCmd(s streams) *cobra.Command {
	var f checkFlags
	cmd := &cobra.Command{
		Use:   "check NAME|FILE... [--junit FILE] [--engine sim|live] [--seed N] [--client 'CMD']",
		Short: "Run scenarios and gate a build on their assert: blocks (exit 1 when one fails)",
		Long: `check runs each scenario (a built-in NAME or a scenario FILE) and evaluates
its assert: block on the result: every assertion for all policies is checked
for each policy, one that names a policy for that policy alone. It prints a
table of expected against measured values per scenario, policy and assertion.

With --client 'CMD' the client under test is yours, in any language: check
starts the scenario's fault server on 127.0.0.1 at a free port, runs CMD with
'sh -c' and these variables in its environment, waits for it (at most
--client-timeout), and evaluates the assertions on the server's arrival log:

  CHAOS_URL         the server's base URL, such as http://127.0.0.1:40123
  CHAOS_CLIENTS     clients.count           CHAOS_REQUESTS  clients.requests
  CHAOS_PATH        clients.path            CHAOS_METHOD    clients.method
  CHAOS_TIMEOUT_MS  clients.timeout (ms; unset when the scenario has none)
  CHAOS_THINK_MS    clients.think (ms)      CHAOS_SEED      the seed

The client is the only policy then: assertions for all policies are checked
against it and those naming one of the scenario's policies are skipped. A
client that sends X-Chaos-Client, X-Chaos-Request and X-Chaos-Attempt is
analysed exactly; for one that sends neither X-Chaos-Request nor
X-Chaos-Attempt the attempts are grouped as chaos analyze groups them (per
connection for a keep-alive client, else per remote address and User-Agent; an
arrival after a failed attempt is its retry), and the output says so. Where one
key carried two requests at once, amplification and the Retry-After counts are
unknown and an assertion on them fails. A client that exits non-zero
or outlives --client-timeout fails the check.

--junit FILE writes JUnit XML with one test suite per scenario and one test
case per policy and assertion (GitHub Actions, GitLab and Jenkins read it); a
failure's message carries the measured value, an inconclusive one's message
starts "inconclusive: ".

An assertion on a metric the run cannot tell (a figure that is null in
result.json, a retry number the run did not reach) is INCONCLUSIVE, with the
reason, and fails. Metrics are named by path, as in assert: blocks:
success_rate, completion_ms.p99, retry_spread.2.sd_ms, faults.status. A
scenario that evaluated no assertion fails too, as when every assertion names
a policy and --client makes your program the only one.

--format json prints one JSON document on standard output instead of the
tables: {"passed", "assertions", "failures", "scenarios": [{"scenario", "file",
"engine", "seed", "verdicts": [{"policy", "metric", "expected", "line",
"measured", "result", "problem"}], ...}]}, measured null where the run cannot
tell it. As a GitHub Actions step (GITHUB_ACTIONS=true) each failure is also an
::error annotation at the assertion's line of the scenario file, on standard
output (standard error with --format json).

Exit status: 0 every assertion holds; 1 one failed, was inconclusive or could
not be checked, or a scenario evaluated no assertion; 2 bad input: an unknown
flag, an unreadable or invalid scenario (an unknown metric path among them),
a scenario without an assert: block.`,
		Args: cobra.MinimumNArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			f.seedSet = cmd.Flags().Changed("seed")
			if f.client != "" && cmd.Flags().Changed("engine") {
				return errors.New("--engine and --client exclude each other: with --client your program is the client")
			}
			if _, err := f.retry.value(); err != nil {
				return err
			}
			if err := f.format.check(); err != nil {
				return err
			}
			return runCheck(cmd.Context(), s, args, &f)
		},
	}
	fl := cmd.Flags()
	fl.StringVar(&f.junit, "junit", "", "write JUnit XML to FILE")
	fl.StringVar(&f.engine, "engine", scenarios.EngineSim, "engine: sim (virtual time) or live (real HTTP on loopback)")
	fl.Uint64Var(&f.seed, "seed", 0, "seed of every random stream (default: each scenario's seed)")
	fl.StringVar(&f.client, "client", "", "run this command (through sh -c) as the client under test")
	fl.DurationVar(&f.clientTimeout, "client-timeout", 2*time.Minute, "time limit of the --client command per scenario")
	f.retry.register(fl)
	f.format.register(cmd, `{"passed", "assertions", "failures", "scenarios": [{..., "verdicts": [...]}]}`)
	return cmd
}

// scenarioCheck is what checking one scenario found.
type scenarioCheck struct {
	sc      *scenarios.Scenario
	engine  string
	seed    uint64
	elapsed time.Duration
	// verdicts of the assertions that were checked.
	verdicts []scenarios.Verdict
	// skipped assertions, with the reason.
	skipped []skippedAssertion
	// runErr is why the scenario could not be run or analysed at all.
	runErr error
	// clientFailure says how a --client command failed ("" when it did not).
	clientFailure string
	// notes say where the check had to approximate.
	notes []string
}

// nothingChecked says why a scenario that ran evaluated no assertion at all,
// which fails the check: a gate that judged nothing must not pass. It is ""
// when an assertion was evaluated or the scenario could not run.
func (c *scenarioCheck) nothingChecked() string {
	if c.runErr != nil || len(c.verdicts) > 0 {
		return ""
	}
	if len(c.skipped) > 0 {
		return fmt.Sprintf("no assertion was evaluated: all %s of the assert: block name a policy, and with --client your program is the only client; "+
			"put assertions for it at the top level of assert:", count(len(c.skipped), "assertion"))
	}
	return "no assertion was evaluated: the result has no policy to check the assertions against"
}

type skippedAssertion struct {
	assertion scenarios.Assertion
	reason    string
}

// failures counts the verdicts that do not hold (inconclusive ones
// included) and the other failures: a run that failed, a client that failed,
// a check that evaluated nothing.
func (c *scenarioCheck) failures() int {
	n := len(scenarios.Failed(c.verdicts))
	if c.runErr != nil {
		n++
	}
	if c.nothingChecked() != "" {
		n++
	}
	if c.clientFailure != "" {
		n++
	}
	return n
}

func runCheck(ctx context.Context, s streams, args []string, f *checkFlags) error {
	if f.client == "" && !slices.Contains(scenarios.Engines, f.engine) {
		return fmt.Errorf("--engine %q: use sim or live", f.engine)
	}
	if f.clientTimeout <= 0 {
		return fmt.Errorf("--client-timeout %s: want a positive duration", f.clientTimeout)
	}
	// Every scenario is loaded before any runs, so bad input costs no time.
	var list []*scenarios.Scenario
	for _, arg := range args {
		sc, err := scenarios.Load(arg)
		if err != nil {
			return reportProblems(s, err)
		}
		if len(sc.Assert) == 0 {
			return fmt.Errorf("%s: scenario %s has no assert: block, so there is nothing to check", sc.File, sc.Name)
		}
		list = append(list, sc)
	}
	var junit *os.File
	if f.junit != "" {
		var err error
		if junit, err = os.Create(f.junit); err != nil {
			return fmt.Errorf("--junit: %w", err)
		}
		defer junit.Close()
	}

	var checks []*scenarioCheck
	for _, sc := range list {
		c := checkScenario(ctx, s, sc, f)
		if !f.format.json() {
			printCheck(s, c)
		}
		checks = append(checks, c)
	}
	if inGitHubActions() {
		annotations := s.out
		if f.format.json() {
			annotations = s.err
		}
		writeCheckAnnotations(annotations, checks)
	}
	if junit != nil {
		if err := writeCheckJUnit(junit, checks); err != nil {
			return failed(fmt.Errorf("--junit %s: %w", f.junit, err))
		}
	}
	if f.format.json() {
		if err := writeJSON(s.out, newCheckRecord(checks)); err != nil {
			return err
		}
		s.out = io.Discard // the summary line's error still reaches standard error
	}
	return checkSummary(s, checks)
}

// checkScenario runs one scenario on the engine or with the client, and
// evaluates its assertions.
func checkScenario(ctx context.Context, s streams, sc *scenarios.Scenario, f *checkFlags) *scenarioCheck {
	seed := sc.Seed
	if f.seedSet {
		seed = f.seed
	}
	c := &scenarioCheck{sc: sc, engine: f.engine, seed: seed}
	start := time.Now()
	defer func() { c.elapsed = time.Since(start) }()
	if f.client != "" {
		c.engine = engineClient
		res, err := checkWithClient(ctx, s, sc, f, seed, c)
		if err != nil {
			c.runErr = err
			return c
		}
		c.verdicts, c.skipped = evaluateForClient(sc, &res)
		c.notes = append(c.notes, notesIfInconclusive(c.verdicts, &res)...)
		return c
	}
	bar := s.newProgress("logical requests of " + sc.Name)
	defer bar.finish()
	opts := scenarios.Options{Engine: f.engine, Seed: &seed, RetryWindow: f.retry.d, Progress: bar.update}
	out, err := sc.RunAnalyzed(ctx, opts, checkCommand(sc, f, seed))
	if err != nil {
		c.runErr = err
		return c
	}
	c.verdicts = sc.Evaluate(&out.Result)
	c.notes = append(c.notes, notesIfInconclusive(c.verdicts, &out.Result)...)
	return c
}

// notesIfInconclusive are the analysis's notes, which say where the log fell
// short, when a verdict was inconclusive; nothing otherwise.
func notesIfInconclusive(vs []scenarios.Verdict, res *analysis.Result) []string {
	for _, v := range vs {
		if v.Inconclusive {
			return res.Notes
		}
	}
	return nil
}

// evaluateForClient checks the assertions for all policies against the
// client's result, and skips those that name a policy of the scenario.
func evaluateForClient(sc *scenarios.Scenario, res *analysis.Result) ([]scenarios.Verdict, []skippedAssertion) {
	general := *sc
	general.Assert = nil
	var skipped []skippedAssertion
	for _, a := range sc.Assert {
		if a.Policy == "" {
			general.Assert = append(general.Assert, a)
			continue
		}
		skipped = append(skipped, skippedAssertion{a, fmt.Sprintf("names policy %s; with --client your program is the only client", a.Policy)})
	}
	return general.Evaluate(res), skipped
}

// checkCommand is the command line that reproduces a check of sc.
func checkCommand(sc *scenarios.Scenario, f *checkFlags, seed uint64) string {
	arg := sc.File
	if name, ok := strings.CutPrefix(sc.File, "builtin:"); ok {
		arg = name
	}
	parts := append([]string{"chaos", "check", arg, "--seed", strconv.FormatUint(seed, 10)}, f.retry.words()...)
	if f.client != "" {
		return strings.Join(append(parts, "--client", shellQuote(f.client)), " ")
	}
	return strings.Join(append(parts, "--engine", f.engine), " ")
}

// shellQuote quotes s for sh as one word.
func shellQuote(s string) string { return "'" + strings.ReplaceAll(s, "'", `'\''`) + "'" }

// checkSummary prints the last line and returns the exit status as an error.
func checkSummary(s streams, checks []*scenarioCheck) error {
	total, failedN, inconclusive := 0, 0, 0
	for _, c := range checks {
		total += len(c.verdicts)
		failedN += c.failures()
		for _, v := range c.verdicts {
			if v.Inconclusive {
				inconclusive++
			}
		}
	}
	if failedN == 0 {
		fmt.Fprintf(s.out, "\ncheck passed: %s hold in %s\n", count(total, "assertion"), count(len(checks), "scenario"))
		return nil
	}
	of := ""
	if inconclusive > 0 {
		of = fmt.Sprintf(" (%d inconclusive)", inconclusive)
	}
	return failed(fmt.Errorf("check failed: %s%s in %s (%s checked)",
		count(failedN, "failure"), of, count(len(checks), "scenario"), count(total, "assertion")))
}

// count writes n things, in the plural unless n is 1.
func count(n int, thing string) string {
	if n == 1 {
		return "1 " + thing
	}
	return strconv.Itoa(n) + " " + thing + "s"
}
