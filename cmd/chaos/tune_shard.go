package main

import (
	"fmt"
	"os"
	"path/filepath"
	"time"

	"github.com/chaos-harness/chaos/internal/logfile"
	"github.com/chaos-harness/chaos/record"
	"github.com/chaos-harness/chaos/scenarios"
)

// tunePartialOf is the head of a tune shard's partial.json: what was swept,
// without the shard's points.
func tunePartialOf(sc *scenarios.Scenario, f *tuneFlags, policy string, seed uint64, points int, arg string) *partial {
	unsharded := *f
	unsharded.out = outPlaceholder
	return &partial{Version: partialVersion, Kind: partialTune, Scenario: sc.Name, ScenarioFile: sc.File, ScenarioText: string(sc.Source),
		Engine: scenarios.EngineSim, FirstSeed: seed, Items: points, Shards: f.shard.of, Shard: f.shard.index,
		Command: tuneCommand(arg, &unsharded, policy, seed),
		Tune:    &tunePlanFlags{Vary: f.vary, Policy: policy, MinSuccess: f.minSuccess, RetryWindowNs: int64(f.retry.d)}}
}

// writeTunePartial writes a tune shard's partial.json, with its points' runs,
// and points.jsonl, their Records point after point, into --out.
func writeTunePartial(s streams, sc *scenarios.Scenario, f *tuneFlags, p *partial, items []int, runs []scenarios.PolicyRun, records [][]record.Record) error {
	if err := mkdirOut(f.out); err != nil {
		return err
	}
	recordsPath := filepath.Join(f.out, pointsFile)
	file, err := os.Create(recordsPath)
	if err != nil {
		return fmt.Errorf("--out: %w", err)
	}
	defer file.Close()
	for i, j := range items {
		p.Points = append(p.Points, pointRun{Index: j, Run: runs[i].Save(), Records: len(records[i])})
		if err := record.WriteAll(file, records[i]); err != nil {
			return failed(fmt.Errorf("writing %s: %w", recordsPath, err))
		}
	}
	if err := file.Close(); err != nil {
		return failed(fmt.Errorf("writing %s: %w", recordsPath, err))
	}
	path, err := writePartial(f.out, p)
	if err != nil {
		return err
	}
	if f.format.json() {
		return copyFile(s.out, path)
	}
	fmt.Fprintf(s.out, "shard %s: %d of %d settings of scenario %s\nwrote %s, %s\n", f.shard.String(), len(items), p.Items, sc.Name, path, recordsPath)
	return nil
}

// mergeTune writes the sweep the tune partials (parts[i] is shard i, read
// from dirs[i]) are shards of: the grid made again from the flags they
// carry, each point's run restored and its Records read back from its
// shard's points.jsonl in grid order, analysed and ranked as tune does.
func mergeTune(s streams, parts []*partial, dirs []string, out string, asJSON bool) error {
	head := parts[0]
	sc, err := scenarios.Parse(head.ScenarioFile, []byte(head.ScenarioText))
	if err != nil {
		return fmt.Errorf("%s: the scenario it carries: %w", filepath.Join(dirs[0], partialFile), err)
	}
	base, err := sc.Policy(head.Tune.Policy)
	if err != nil {
		return err
	}
	knobs, err := parseKnobs(head.Tune.Vary)
	if err != nil {
		return err
	}
	points, err := gridPoints(sc, base, knobs)
	if err != nil {
		return err
	}
	if len(points) != head.Items {
		return fmt.Errorf("%s: %d grid points, but its --vary make %d", filepath.Join(dirs[0], partialFile), head.Items, len(points))
	}
	runs := make([]scenarios.PolicyRun, len(points))
	readers := make([]*record.Reader, len(parts))
	for i, p := range parts {
		path := filepath.Join(dirs[i], pointsFile)
		file, err := logfile.Open(path)
		if err != nil {
			return fmt.Errorf("%s: %w", path, err)
		}
		defer file.Close()
		readers[i] = record.NewReader(file, path)
		for _, pt := range p.Points {
			if pt.Run.Name != points[pt.Index].policy.Name {
				return fmt.Errorf("%s: point %d is %q, but the grid's is %q", filepath.Join(dirs[i], partialFile), pt.Index, pt.Run.Name, points[pt.Index].policy.Name)
			}
			runs[pt.Index] = pt.Run.Restore(points[pt.Index].policy)
		}
	}
	seed := head.FirstSeed
	opts := scenarios.Options{Engine: scenarios.EngineSim, Seed: &seed, RetryWindow: time.Duration(head.Tune.RetryWindowNs)}
	command := mergedCommand(head.Command, out)
	res, err := tuneResult(gridRun(sc, opts, points, runs), command, head.Tune.MinSuccess, loadPoints(knobs, points), func(add func(record.Record) error) error {
		for j := range points {
			k := j % len(parts)
			pt := parts[k].Points[j/len(parts)]
			for range pt.Records {
				ok, err := readers[k].Next()
				if err != nil {
					return err
				}
				if !ok {
					return fmt.Errorf("%s: ends before the %d Records of point %d", filepath.Join(dirs[k], pointsFile), pt.Records, j)
				}
				if err := add(*readers[k].Record()); err != nil {
					return err
				}
			}
		}
		return nil
	})
	if err != nil {
		return failed(err)
	}
	return writeTune(s, out, res, asJSON)
}
