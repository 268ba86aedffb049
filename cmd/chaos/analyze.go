package main

import (
	"fmt"
	"path/filepath"
	"strings"
	"time"

	"github.com/spf13/cobra"
	"github.com/spf13/pflag"

	"github.com/chaos-harness/chaos/analysis"
	"github.com/chaos-harness/chaos/internal/logfile"
	"github.com/chaos-harness/chaos/record"
	"github.com/chaos-harness/chaos/reports"
)

func init() { subcommands = append(subcommands, newAnalyzeCmd) }

// analyzeFlags are the flags of `chaos analyze`.
type analyzeFlags struct {
	out      string
	scenario string
	seed     uint64
	bin      time.Duration
	window   time.Duration
	retry    retryWindowFlag
	capacity string
}

func newAnalyzeCmd(s streams) *cobra.Command {
	var f analyzeFlags
	cmd := &cobra.Command{
		Use:   "analyze LOG.jsonl... [--out DIR]",
		Short: "Analyse arrival logs, of chaos serve or of any run, into result.json and reports",
		Long: `analyze reads arrival logs (JSON lines of Records, as chaos serve --log, run and
compare write them), merges several by arrival time, and writes into --out:
  result.json    the statistics of each strategy (Records of chaos serve form one
                 strategy, "client")
  report.md      the report in Markdown
  report.html    the report as one self-contained page
  *.svg, *.png   its plots

A log compressed with zstd (arrivals.jsonl.zst, as run --compress and serve
--log FILE.zst write it) is read as it is. A line that is not a Record is an
error naming its file and line; a last line cut short (the writer crashed
mid-write), or a compressed log cut short, is skipped with a warning.

Records of a client that sends neither X-Chaos-Request nor X-Chaos-Attempt are
grouped by inference, and a note in result.json says how: those on a connection
that carried more than one request (a keep-alive client) are keyed per
connection, the others per remote address and User-Agent; per key, an arrival
after a failed attempt is its retry, any other a new logical request. The logs
are then read twice (the first pass counts the connections), so they must be
files, not pipes. Where several requests on one key were in flight at once,
amplification and the Retry-After counts are unknown: null in result.json.

Logs whose first line is a header (serve --log-header writes one: the wall-clock
epoch of t_ms 0, the server's name and its run id) are put on one clock: each
log's times are shifted by its epoch less the earliest, so logs of several
servers line up in time. Two logs of one server name with two run ids are two
runs: the later run's client and request keys are prefixed with its run id,
so the runs are not laid over each other. A note in result.json says what was
done; a log without a header keeps its times, as before.`,
		Args: cobra.MinimumNArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error { return analyze(cmd, s, args, &f) },
	}
	fl := cmd.Flags()
	fl.StringVar(&f.out, "out", "chaos-out", "directory to write the results and reports into")
	fl.StringVar(&f.scenario, "scenario", "", "name of the scenario the logs record (default: the first log's name)")
	fl.Uint64Var(&f.seed, "seed", 0, "seed the server ran with, to record in the report (default: unknown)")
	fl.DurationVar(&f.bin, "bin", 0, "width of the arrival-rate bins (default: chosen from the run)")
	fl.DurationVar(&f.window, "window", 0, "sliding window for the most arrivals and for recovery (default 1s)")
	f.retry.register(fl)
	fl.StringVar(&f.capacity, "capacity", "", "the server's capacity model, as in a scenario's server.capacity, for peak_to_capacity: concurrency=N,rate=R,burst=B (each optional; burst defaults to one second of rate). Default: none, and peak_to_capacity is null")
	return cmd
}

func analyze(cmd *cobra.Command, s streams, logs []string, f *analyzeFlags) error {
	retryWindow, err := f.retry.value()
	if err != nil {
		return err
	}
	opts := analysis.Options{
		Scenario:    f.scenario,
		Engine:      "log",
		Command:     analyzeCommandLine(cmd, logs),
		BinWidth:    f.bin,
		Window:      f.window,
		RetryWindow: retryWindow,
		Run:         &analysis.RunInfo{Logs: logs},
	}
	if f.capacity != "" {
		if opts.Capacity, err = parseCapacity(f.capacity); err != nil {
			return err
		}
	}
	if opts.Scenario == "" {
		opts.Scenario = strings.TrimSuffix(filepath.Base(logs[0]), filepath.Ext(logs[0]))
	}
	if cmd.Flags().Changed("seed") {
		opts.Seed = &f.seed
	}
	files := make([]*logfile.Reader, 0, len(logs))
	for _, name := range logs {
		file, err := logfile.Open(name)
		if err != nil {
			return err // names the file
		}
		defer file.Close()
		files = append(files, file)
	}
	warn := func(msg string) { fmt.Fprintln(s.err, "chaos: warning:", msg) }
	acc, err := analyzeLogs(opts, files, warn)
	if err != nil {
		return err
	}
	for _, f := range files {
		if f.CutShort() {
			warn(f.Name() + ": the compressed log ends cut short (its writer stopped mid-block); analysed the Records before that")
		}
	}
	res, err := acc.Finish()
	if err != nil {
		return fmt.Errorf("%s: %w", strings.Join(logs, ", "), err)
	}
	written, err := reports.Write(f.out, res)
	if err != nil {
		return err
	}
	printHeadline(s.out, res)
	fmt.Fprintf(s.out, "analysed %d records into %s: %s\n", acc.Records(), f.out, baseNames(written))
	return nil
}

// analyzeLogs feeds the logs, merged by arrival time, into an Accumulator. It
// counts the connections of header-less Records (analysis.Connections) as it
// goes; if there are any, the Records added so far were numbered without
// those counts, so it reads the logs a second time into a new Accumulator
// that has them. Logs of clients that send the X-Chaos-* headers are read
// once.
func analyzeLogs(opts analysis.Options, files []*logfile.Reader, warn func(string)) (*analysis.Accumulator, error) {
	acc, err := analysis.New(opts)
	if err != nil {
		return nil, err
	}
	var clockNotes []string
	note := func(s string) { clockNotes = append(clockNotes, s) }
	conns := &analysis.Connections{}
	first := func(rec *record.Record) error {
		conns.Count(rec)
		if conns.Headerless() > 0 {
			return nil // the second pass adds them all
		}
		return acc.AddRecord(rec)
	}
	if err := analysis.MergeLogsWarm(logSources(files), first, acc.Warm, warn, note); err != nil {
		return nil, err
	}
	if conns.Headerless() == 0 {
		for _, s := range clockNotes {
			acc.Note(s)
		}
		return acc, nil
	}
	for _, f := range files {
		if err := f.Rewind(); err != nil {
			return nil, fmt.Errorf("%s: its clients sent no X-Chaos-* headers, so the log is read twice to count their connections, and it cannot be: %w", f.Name(), err)
		}
	}
	opts.Connections = conns
	if acc, err = analysis.New(opts); err != nil {
		return nil, err
	}
	for _, s := range clockNotes {
		acc.Note(s)
	}
	// The first pass warned and noted already.
	return acc, analysis.MergeLogsWarm(logSources(files), acc.AddRecord, acc.Warm, nil, nil)
}

func logSources(files []*logfile.Reader) []analysis.LogSource {
	sources := make([]analysis.LogSource, len(files))
	for i, f := range files {
		sources[i] = analysis.LogSource{Name: f.Name(), R: f}
	}
	return sources
}

// analyzeCommandLine is the command line that reproduces this analysis: the
// logs and every flag that was set.
func analyzeCommandLine(cmd *cobra.Command, logs []string) string {
	parts := []string{"chaos", "analyze"}
	for _, l := range logs {
		parts = append(parts, shellWord(l))
	}
	cmd.Flags().Visit(func(fl *pflag.Flag) {
		parts = append(parts, "--"+fl.Name, shellWord(fl.Value.String()))
	})
	return strings.Join(parts, " ")
}

// shellWord quotes s as one word for a POSIX shell, where it needs quoting.
func shellWord(s string) string {
	if s != "" && strings.Trim(s, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_./:=,@%+-") == "" {
		return s
	}
	return "'" + strings.ReplaceAll(s, "'", `'\''`) + "'"
}

func baseNames(paths []string) string {
	names := make([]string, len(paths))
	for i, p := range paths {
		names[i] = filepath.Base(p)
	}
	return strings.Join(names, ", ")
}
