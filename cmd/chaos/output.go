package main

import (
	"fmt"
	"io"
	"os"
	"path/filepath"
	"text/tabwriter"
	"time"

	"github.com/spf13/cobra"

	"github.com/chaos-harness/chaos/record"
	"github.com/chaos-harness/chaos/scenarios"
)

// outputFlags are the flags of run and compare about what they print.
type outputFlags struct {
	format   outputFormat
	dryRun   bool
	compress bool
}

func (o *outputFlags) register(cmd *cobra.Command) {
	o.format.register(cmd, "result.json as written into --out; with --dry-run the estimate")
	cmd.Flags().BoolVar(&o.dryRun, "dry-run", false,
		"print the run's estimate (clients, logical requests, least real time, memory) against its limits, and run nothing: exit 0 when it fits them, 2 when they would refuse it")
	cmd.Flags().BoolVar(&o.compress, "compress", false,
		"write arrivals.jsonl.zst, compressed with zstd (about 11x smaller), instead of arrivals.jsonl; 'chaos analyze' reads either")
}

// estimateRecord is an Estimate as --format json writes it.
type estimateRecord struct {
	Engine          string  `json:"engine"`
	Policies        int     `json:"policies"`
	Clients         int     `json:"clients"`
	LogicalRequests int64   `json:"logical_requests_per_policy"`
	LastStartMs     float64 `json:"last_start_ms"`
	MinScenarioMs   float64 `json:"min_scenario_time_ms"`
	MinRealMs       float64 `json:"min_real_time_ms"`
	MemoryBytes     int64   `json:"memory_bytes"`
	MaxDurationMs   float64 `json:"max_duration_ms"` // 0: no limit
	MaxMemoryBytes  int64   `json:"max_memory_bytes"`
	Fits            bool    `json:"fits"`
	Refusal         string  `json:"refusal,omitempty"`
}

// printEstimate prints a dry run: the estimate and whether the limits admit
// it; the limits' refusal is the error (exit 2).
func printEstimate(s streams, o *outputFlags, sc *scenarios.Scenario, est scenarios.Estimate, opts scenarios.Options) error {
	refusal := est.Check(opts)
	if o.format.json() {
		rec := estimateRecord{
			Engine: est.Engine, Policies: est.Policies, Clients: est.Clients, LogicalRequests: est.Logical,
			LastStartMs: record.Millis(est.LastStart), MinScenarioMs: record.Millis(est.MinScenarioTime), MinRealMs: record.Millis(est.MinRealTime),
			MemoryBytes: est.Memory, MaxDurationMs: record.Millis(opts.MaxDuration), MaxMemoryBytes: opts.MaxMemory, Fits: refusal == nil,
		}
		if refusal != nil {
			rec.Refusal = refusal.Error()
		}
		if err := writeJSON(s.out, rec); err != nil {
			return err
		}
		return refusal
	}
	fmt.Fprintf(s.out, "scenario %s (%s), engine %s: a dry run, nothing was run\n\n", sc.Name, sc.File, est.Engine)
	tw := tabwriter.NewWriter(s.out, 0, 4, 2, ' ', 0)
	fmt.Fprintf(tw, "policies\t%d\n", est.Policies)
	fmt.Fprintf(tw, "clients\t%d\n", est.Clients)
	fmt.Fprintf(tw, "logical requests per policy\t%d\n", est.Logical)
	fmt.Fprintf(tw, "last client starts at\t%v (scenario time)\n", est.LastStart.Round(time.Millisecond))
	fmt.Fprintf(tw, "least scenario time per policy\t%v\n", est.MinScenarioTime.Round(time.Millisecond))
	fmt.Fprintf(tw, "least real time\t%v%s\n", est.MinRealTime.Round(time.Millisecond), limitText(opts.MaxDuration > 0, opts.MaxDuration.String()))
	fmt.Fprintf(tw, "memory\tabout %s%s\n", scenarios.FormatByteSize(est.Memory), limitText(opts.MaxMemory > 0, scenarios.FormatByteSize(opts.MaxMemory)))
	_ = tw.Flush()
	if refusal != nil {
		return refusal
	}
	fmt.Fprintln(s.out, "\nthe run fits its limits")
	return nil
}

func limitText(set bool, limit string) string {
	if !set {
		return " (no limit)"
	}
	return " (limit " + limit + ")"
}

// copyFile copies the file at path to w: the result.json of --format json,
// byte for byte what was written into --out.
func copyFile(w io.Writer, path string) error {
	f, err := os.Open(path)
	if err != nil {
		return err
	}
	defer f.Close()
	_, err = io.Copy(w, f)
	return err
}

// resultPath is where reports.Write puts result.json.
func resultPath(out string) string { return filepath.Join(out, "result.json") }

// mkdirOut creates --out, and its parents, if missing.
func mkdirOut(out string) error {
	if err := os.MkdirAll(out, 0o755); err != nil {
		return fmt.Errorf("--out: %w", err)
	}
	return nil
}
