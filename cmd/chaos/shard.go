package main

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"sync"

	"github.com/spf13/pflag"

	"github.com/chaos-harness/chaos/analysis"
	"github.com/chaos-harness/chaos/scenarios"
)

// partialFile is the name of a shard's partial result in its --out.
const partialFile = "partial.json"

// partialVersion is the layout of partial.json.
const partialVersion = 1

// Kinds of partial result.
const (
	partialRun  = "run"  // seeds of run --repeat
	partialTune = "tune" // grid points of tune
	// partialFleet is a shard of a live fleet across hosts (fleet.go).
	partialFleet = "fleet"
)

// shardFlag is --shard i/K: this process does item j (a seed of run --repeat,
// a grid point of tune) when j mod K = i. i is 0-based, as Kubernetes'
// JOB_COMPLETION_INDEX is, so an Indexed Job passes it through unchanged.
type shardFlag struct {
	set       bool
	index, of int
}

func (s *shardFlag) register(fl *pflag.FlagSet, items string) {
	fl.Var(s, "shard", "do only this share of the "+items+": I/K (0-based I, 0 <= I < K) does item j when j mod K = I, "+
		"and writes partial.json into --out instead of the result; 'chaos merge' joins the K partials")
}

func (s *shardFlag) String() string {
	if !s.set {
		return ""
	}
	return fmt.Sprintf("%d/%d", s.index, s.of)
}

func (s *shardFlag) Type() string { return "I/K" }

func (s *shardFlag) Set(v string) error {
	is, ks, ok := strings.Cut(v, "/")
	i, err1 := strconv.Atoi(strings.TrimSpace(is))
	k, err2 := strconv.Atoi(strings.TrimSpace(ks))
	if !ok || err1 != nil || err2 != nil {
		return fmt.Errorf("%q: write I/K, such as 0/4 (I is 0-based, as JOB_COMPLETION_INDEX)", v)
	}
	if k < 1 || i < 0 || i >= k {
		return fmt.Errorf("%q: need 0 <= I < K (I is 0-based, as JOB_COMPLETION_INDEX)", v)
	}
	s.set, s.index, s.of = true, i, k
	return nil
}

// mine reports whether item j is this shard's.
func (s *shardFlag) mine(j int) bool { return !s.set || j%s.of == s.index }

// partial is partial.json: a shard's share of a repeated run or a sweep,
// with everything `chaos merge` needs to write what the unsharded command
// would have written.
type partial struct {
	Version int    `json:"partial_version"`
	Kind    string `json:"kind"`
	// What was run: merge refuses partials that differ in any of these.
	Scenario     string `json:"scenario"`
	ScenarioFile string `json:"scenario_file"`
	ScenarioText string `json:"scenario_text"`
	Engine       string `json:"engine"`
	FirstSeed    uint64 `json:"first_seed"`
	Items        int    `json:"items"` // seeds or grid points in all
	Shards       int    `json:"shards"`
	// Command is the unsharded command line, for result.json.
	Command string `json:"command"`
	// Tune is what a sweep's merge needs to make its grid again.
	Tune *tunePlanFlags `json:"tune,omitempty"`
	// Shard is this partial's 0-based shard index.
	Shard int `json:"shard"`
	// Seeds are the shard's seeds of a repeated run, each with its result.
	Seeds []seedResult `json:"seeds,omitempty"`
	// Points are the shard's grid points of a sweep, each with its run; the
	// points' Records are in pointsFile, point after point.
	Points []pointRun `json:"points,omitempty"`

	// Live fleets across hosts (run --clients I/N; fleet.go): what the
	// shard's clients saw, and the server they ran against.
	Fleet              *scenarios.FleetPartial `json:"fleet,omitempty"`
	FleetServer        string                  `json:"fleet_server,omitempty"`
	FleetRetryWindowNs int64                   `json:"fleet_retry_window_ns,omitempty"`
}

// seedResult is one seed's whole result.
type seedResult struct {
	Index  int             `json:"index"`
	Seed   uint64          `json:"seed"`
	Result analysis.Result `json:"result"`
}

// pointRun is one grid point's run and how many Records it made.
type pointRun struct {
	Index   int                      `json:"index"`
	Run     scenarios.SavedPolicyRun `json:"run"`
	Records int                      `json:"records"`
}

// pointsFile holds a tune partial's Records.
const pointsFile = "points.jsonl"

// tunePlanFlags are the tune flags that make its grid and its ranking.
type tunePlanFlags struct {
	Vary          []string `json:"vary"`
	Policy        string   `json:"policy"`
	MinSuccess    float64  `json:"min_success"`
	RetryWindowNs int64    `json:"retry_window_ns"`
}

// sameRun says how two partials differ in what was run; "" when they do not.
func (p *partial) sameRun(q *partial) string {
	switch {
	case p.Kind != q.Kind:
		return fmt.Sprintf("one is of %s, the other of %s", p.Kind, q.Kind)
	case p.Scenario != q.Scenario || p.ScenarioText != q.ScenarioText:
		return fmt.Sprintf("scenario %q against %q (or their texts differ)", p.Scenario, q.Scenario)
	case p.Engine != q.Engine:
		return fmt.Sprintf("engine %s against %s", p.Engine, q.Engine)
	case p.FirstSeed != q.FirstSeed || p.Items != q.Items:
		return fmt.Sprintf("seed %d with %d items against seed %d with %d items", p.FirstSeed, p.Items, q.FirstSeed, q.Items)
	case p.Shards != q.Shards:
		return fmt.Sprintf("%d shards against %d", p.Shards, q.Shards)
	case p.Command != q.Command:
		return fmt.Sprintf("the commands differ: %q against %q", p.Command, q.Command)
	}
	return ""
}

// writePartial writes p as partial.json into dir.
func writePartial(dir string, p *partial) (string, error) {
	b, err := json.MarshalIndent(p, "", "  ")
	if err != nil {
		return "", err
	}
	path := filepath.Join(dir, partialFile)
	if err := os.WriteFile(path, append(b, '\n'), 0o644); err != nil {
		return "", fmt.Errorf("--out: %w", err)
	}
	return path, nil
}

// readPartial reads dir's partial.json; bad input names the file.
func readPartial(dir string) (*partial, error) {
	path := filepath.Join(dir, partialFile)
	b, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("%s: %w (is %s the --out of a 'run --shard' or 'tune --shard'?)", path, err, dir)
	}
	var p partial
	dec := json.NewDecoder(bytes.NewReader(b))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&p); err != nil {
		return nil, fmt.Errorf("%s: not a partial result: %w", path, err)
	}
	if p.Version != partialVersion {
		return nil, fmt.Errorf("%s: partial_version %d; this chaos reads %d", path, p.Version, partialVersion)
	}
	if p.Kind != partialRun && p.Kind != partialTune && p.Kind != partialFleet {
		return nil, fmt.Errorf("%s: kind %q: not %s, %s or %s", path, p.Kind, partialRun, partialTune, partialFleet)
	}
	if p.Kind == partialFleet && p.Fleet == nil {
		return nil, fmt.Errorf("%s: a fleet partial without its fleet", path)
	}
	if p.Kind == partialTune && p.Tune == nil {
		return nil, fmt.Errorf("%s: a tune partial without its \"tune\" flags", path)
	}
	if p.Items < 0 || p.Shards < 1 || p.Shard < 0 || p.Shard >= p.Shards {
		return nil, fmt.Errorf("%s: shard %d of %d", path, p.Shard, p.Shards)
	}
	return &p, nil
}

// shardItems are the items 0 <= j < n that shard i of k does.
func shardItems(n, i, k int) []int {
	var js []int
	for j := i; j < n; j += k {
		js = append(js, j)
	}
	return js
}

// runPool calls fn(i) for i in 0..n-1, workers at a time, counting each on
// bar, and stops handing out work when ctx ends (its error is returned).
// Each fn keeps its own outcome by i.
func runPool(ctx context.Context, n, workers int, bar *progress, fn func(i int)) error {
	jobs := make(chan int)
	var wg sync.WaitGroup
	var mu sync.Mutex
	done := 0
	for range min(workers, n) {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := range jobs {
				fn(i)
				mu.Lock()
				done++
				bar.update(int64(done), int64(n))
				mu.Unlock()
			}
		}()
	}
	for i := range n {
		if ctx.Err() != nil {
			break
		}
		jobs <- i
	}
	close(jobs)
	wg.Wait()
	return ctx.Err()
}
