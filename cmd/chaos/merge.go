package main

import (
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"slices"
	"strings"

	"github.com/spf13/cobra"

	"github.com/chaos-harness/chaos/analysis"
	"github.com/chaos-harness/chaos/internal/logfile"
)

func init() { subcommands = append(subcommands, newMergeCmd) }

// outPlaceholder stands for --out in the command a partial carries: the
// shards each write their own directory, and merge puts its own --out in.
const outPlaceholder = "{merge-out}"

type mergeFlags struct {
	out    string
	format outputFormat

	// log is the server's arrival log of a live fleet (fleet.go).
	log string
}

func newMergeCmd(s streams) *cobra.Command {
	var f mergeFlags
	cmd := &cobra.Command{
		Use:   "merge DIR... [--out DIR]",
		Short: "Join the partial results of the shards of a repeated run or a sweep into its result and report",
		Long: `merge reads partial.json from each DIR, the --out of one shard of
'chaos run --repeat N --shard I/K' or 'chaos tune ... --shard I/K', and
writes into --out the result.json, report.md, report.html and plots that the
command without --shard would have written: the same in every number, only
created and command may differ. For a repeated run it also copies the first
seed's arrivals.jsonl from shard 0's directory. For a sweep it reads each
shard's points.jsonl, the Records of its grid points, so the analysis is the
one tune makes.

Every shard 0 .. K-1 must be given once, and all of one run: the same
scenario (and its text), engine, seed, number of seeds or grid points, shard
count and command. A partial that differs, a shard missing or given twice
is refused (exit 2) with the files named.

  chaos run outage-recovery --repeat 100 --shard 0/2 --out s0
  chaos run outage-recovery --repeat 100 --shard 1/2 --out s1
  chaos merge s0 s1 --out merged

For the shards of a live fleet across hosts ('chaos run --engine live
--server URL --clients I/N'), --log names the arrival log of the server they
ran against (chaos serve --fleet-shards N --log FILE): merge joins it with
the shards' partials into the result, report and arrivals.jsonl of the
single-host live run, equal in every count.`,
		Args: cobra.MinimumNArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error { return mergePartials(s, args, &f) },
	}
	cmd.Flags().StringVar(&f.out, "out", "chaos-out", "directory to write result.json, the reports and plots into (created if missing)")
	f.format.register(cmd, "result.json as written into --out")
	cmd.Flags().StringVar(&f.log, "log", "", "with the shards of a live fleet (run --clients I/N): the arrival log of the chaos serve --fleet-shards N they ran against")
	return cmd
}

func mergePartials(s streams, dirs []string, f *mergeFlags) error {
	if err := f.format.check(); err != nil {
		return err
	}
	parts, ordered, err := readShards(dirs)
	if err != nil {
		return err
	}
	if err := mkdirOut(f.out); err != nil {
		return err
	}
	if parts[0].Kind == partialFleet {
		return mergeFleet(s, parts, f.log, f.out, f.format.json())
	}
	if f.log != "" {
		return errors.New("--log is for the shards of a live fleet (run --clients I/N); these are of " + parts[0].Kind)
	}
	if parts[0].Kind == partialTune {
		return mergeTune(s, parts, ordered, f.out, f.format.json())
	}
	head := parts[0]
	results := make([]analysis.Result, head.Items)
	for _, p := range parts {
		for _, sr := range p.Seeds {
			results[sr.Index] = sr.Result
		}
	}
	res, err := analysis.SummarizeSeeds(results, head.FirstSeed)
	if err != nil {
		return err
	}
	res.Command = mergedCommand(head.Command, f.out)
	arrivals, err := copyArrivals(ordered[0], f.out)
	if err != nil {
		return failed(err)
	}
	return writeRepeated(s, f.out, res, arrivals, f.format.json())
}

// readShards reads the partial of each directory and checks that they are
// the K shards of one run, each once, each holding its share of the items.
// It returns them, and their directories, in shard order.
func readShards(dirs []string) ([]*partial, []string, error) {
	var parts []*partial
	for _, d := range dirs {
		p, err := readPartial(d)
		if err != nil {
			return nil, nil, err
		}
		parts = append(parts, p)
	}
	file := func(i int) string { return filepath.Join(dirs[i], partialFile) }
	for i := 1; i < len(parts); i++ {
		if diff := parts[0].sameRun(parts[i]); diff != "" {
			return nil, nil, fmt.Errorf("%s and %s are not shards of one run: %s", file(0), file(i), diff)
		}
	}
	k := parts[0].Shards
	byShard := make([]int, k)
	for i := range byShard {
		byShard[i] = -1
	}
	for i, p := range parts {
		if prev := byShard[p.Shard]; prev >= 0 {
			return nil, nil, fmt.Errorf("%s and %s are both shard %d/%d", file(prev), file(i), p.Shard, k)
		}
		byShard[p.Shard] = i
		var have []int
		for _, sr := range p.Seeds {
			have = append(have, sr.Index)
		}
		for _, pt := range p.Points {
			have = append(have, pt.Index)
		}
		if want := shardItems(p.Items, p.Shard, k); !slices.Equal(have, want) {
			return nil, nil, fmt.Errorf("%s: shard %d/%d of %d items holds items %v, not %v", file(i), p.Shard, k, p.Items, have, want)
		}
	}
	var missing, given []string
	for shard, i := range byShard {
		if i < 0 {
			missing = append(missing, fmt.Sprintf("%d/%d", shard, k))
		} else {
			given = append(given, fmt.Sprintf("%s (shard %d/%d)", file(i), shard, k))
		}
	}
	if len(missing) > 0 {
		return nil, nil, fmt.Errorf("shard %s missing: given only %s", strings.Join(missing, ", "), strings.Join(given, ", "))
	}
	ordered, orderedDirs := make([]*partial, k), make([]string, k)
	for shard, i := range byShard {
		ordered[shard], orderedDirs[shard] = parts[i], dirs[i]
	}
	return ordered, orderedDirs, nil
}

// mergedCommand is the unsharded command a partial carries, with out for
// its --out.
func mergedCommand(command, out string) string {
	return strings.ReplaceAll(command, outPlaceholder, out)
}

// copyArrivals copies the first seed's arrivals.jsonl (or .zst) from shard
// 0's directory into out and returns its path there; "" when the shard
// wrote none.
func copyArrivals(dir, out string) (string, error) {
	for _, name := range []string{"arrivals.jsonl", "arrivals.jsonl" + logfile.Ext} {
		src := filepath.Join(dir, name)
		in, err := os.Open(src)
		if errors.Is(err, fs.ErrNotExist) {
			continue
		}
		if err != nil {
			return "", err
		}
		defer in.Close()
		dst := filepath.Join(out, name)
		if same, err := sameFile(src, dst); err != nil || same {
			return dst, err
		}
		w, err := os.Create(dst)
		if err != nil {
			return "", fmt.Errorf("--out: %w", err)
		}
		if _, err := io.Copy(w, in); err != nil {
			w.Close()
			return "", fmt.Errorf("copying %s: %w", src, err)
		}
		return dst, w.Close()
	}
	return "", nil
}

// sameFile reports whether a and b are one file (merge --out shard 0's own
// directory); false when b does not exist.
func sameFile(a, b string) (bool, error) {
	sa, err := os.Stat(a)
	if err != nil {
		return false, err
	}
	sb, err := os.Stat(b)
	if errors.Is(err, fs.ErrNotExist) {
		return false, nil
	}
	if err != nil {
		return false, err
	}
	return os.SameFile(sa, sb), nil
}
