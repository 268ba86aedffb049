package analysis

import (
	"fmt"
	"math"
	"slices"
	"strings"

	"gonum.org/v1/gonum/stat"
	"gonum.org/v1/gonum/stat/distuv"
)

// Repeat says that a result summarises a repeated run (chaos run --repeat):
// the seeds FirstSeed .. FirstSeed+Runs-1, one whole run each. The figures
// of each policy are those of the first seed; its over_seeds summarise them
// all.
type Repeat struct {
	FirstSeed uint64 `json:"first_seed"`
	Runs      int    `json:"runs"`
}

// OverSeeds summarises one policy's figures across the seeds of a repeated
// run. Each figure is a SeedSummary, nil when no seed knew it.
type OverSeeds struct {
	// Runs is the number of seeds run.
	Runs                 int          `json:"runs"`
	SuccessRate          *SeedSummary `json:"success_rate"`
	Attempts             *SeedSummary `json:"attempts"`
	Amplification        *SeedSummary `json:"amplification"`
	MakespanMs           *SeedSummary `json:"makespan_ms"`
	ClientMakespanMs     *SeedSummary `json:"client_makespan_ms"`
	CompletionP50Ms      *SeedSummary `json:"completion_p50_ms"`
	CompletionP99Ms      *SeedSummary `json:"completion_p99_ms"`
	RetryMaxWindow       *SeedSummary `json:"retry_max_window"`
	RetryAfterViolations *SeedSummary `json:"retry_after_violations"`
	PeakToMean           *SeedSummary `json:"peak_to_mean"`
	TimeToRecoverMs      *SeedSummary `json:"time_to_recover_ms"`
	Unsent               *SeedSummary `json:"unsent"`
}

// SeedSummary is one figure across seeds: its mean, sample standard
// deviation and the 95 % Student-t interval of the mean,
//
//	mean ± t(0.975; n−1) · sd/√n,  sd = √(Σ(x−mean)²/(n−1)),
//
// over the N seeds in which the figure was known (a figure null in a seed is
// left out, and the notes say so). Sd and CI are nil with fewer than two.
// The interval is the formula's, not clipped to the figure's range.
type SeedSummary struct {
	N    int         `json:"n"`
	Mean float64     `json:"mean"`
	Sd   *float64    `json:"sd"`
	CI   *[2]float64 `json:"ci"`
}

// seedFigure is one figure of over_seeds: its result.json name, where it
// sits in OverSeeds and how to read it from a policy's result (false when
// the policy's result has it null).
type seedFigure struct {
	name  string
	field func(*OverSeeds) **SeedSummary
	value func(*PolicyResult) (float64, bool)
}

func known(x float64) (float64, bool) { return x, true }

func knownPtr[T int | float64](p *T) (float64, bool) {
	if p == nil {
		return 0, false
	}
	return float64(*p), true
}

// seedFigures are the figures over_seeds summarises, in result.json order.
var seedFigures = []seedFigure{
	{"success_rate", func(o *OverSeeds) **SeedSummary { return &o.SuccessRate }, func(p *PolicyResult) (float64, bool) { return known(p.SuccessRate) }},
	{"attempts", func(o *OverSeeds) **SeedSummary { return &o.Attempts }, func(p *PolicyResult) (float64, bool) { return known(float64(p.Attempts)) }},
	{"amplification", func(o *OverSeeds) **SeedSummary { return &o.Amplification }, func(p *PolicyResult) (float64, bool) { return knownPtr(p.Amplification) }},
	{"makespan_ms", func(o *OverSeeds) **SeedSummary { return &o.MakespanMs }, func(p *PolicyResult) (float64, bool) { return known(p.MakespanMs) }},
	{"client_makespan_ms", func(o *OverSeeds) **SeedSummary { return &o.ClientMakespanMs }, func(p *PolicyResult) (float64, bool) { return knownPtr(p.ClientMakespanMs) }},
	{"completion_p50_ms", func(o *OverSeeds) **SeedSummary { return &o.CompletionP50Ms }, func(p *PolicyResult) (float64, bool) { return known(p.CompletionMs.P50) }},
	{"completion_p99_ms", func(o *OverSeeds) **SeedSummary { return &o.CompletionP99Ms }, func(p *PolicyResult) (float64, bool) { return known(p.CompletionMs.P99) }},
	{"retry_max_window", func(o *OverSeeds) **SeedSummary { return &o.RetryMaxWindow }, func(p *PolicyResult) (float64, bool) { return knownPtr(p.RetryMaxWindow) }},
	{"retry_after_violations", func(o *OverSeeds) **SeedSummary { return &o.RetryAfterViolations }, func(p *PolicyResult) (float64, bool) { return knownPtr(p.RetryAfterViolations) }},
	{"peak_to_mean", func(o *OverSeeds) **SeedSummary { return &o.PeakToMean }, func(p *PolicyResult) (float64, bool) { return known(p.PeakToMean) }},
	{"time_to_recover_ms", func(o *OverSeeds) **SeedSummary { return &o.TimeToRecoverMs }, func(p *PolicyResult) (float64, bool) { return knownPtr(p.TimeToRecoverMs) }},
	{"unsent", func(o *OverSeeds) **SeedSummary { return &o.Unsent }, func(p *PolicyResult) (float64, bool) { return known(float64(p.Unsent)) }},
}

// OverSeedsFigures are the names of the figures of over_seeds, in order.
func OverSeedsFigures() []string {
	names := make([]string, len(seedFigures))
	for i, f := range seedFigures {
		names[i] = f.name
	}
	return names
}

// Figure is the summary of the named figure ("success_rate", ...), nil when
// no seed knew it or the name is not one of OverSeedsFigures.
func (o *OverSeeds) Figure(name string) *SeedSummary {
	for _, f := range seedFigures {
		if f.name == name {
			return *f.field(o)
		}
	}
	return nil
}

// SummarizeSeeds combines the results of one scenario run with seeds
// firstSeed, firstSeed+1, ... (results[i] is seed firstSeed+i) into the
// result of the repeated run: results[0] with Repeat set and each policy's
// OverSeeds, and a note for every figure that some seed left null. Every
// result must be of the same scenario, engine and policies, in one order.
// results[0] is copied, never changed.
func SummarizeSeeds(results []Result, firstSeed uint64) (Result, error) {
	if len(results) == 0 {
		return Result{}, fmt.Errorf("summarising seeds: no result")
	}
	first := results[0]
	names := policyNames(first)
	for i, r := range results {
		seed := firstSeed + uint64(i)
		if r.Seed == nil || *r.Seed != seed {
			return Result{}, fmt.Errorf("summarising seeds: result %d is not of seed %d", i, seed)
		}
		if r.Scenario != first.Scenario || r.Engine != first.Engine || !slices.Equal(policyNames(r), names) {
			return Result{}, fmt.Errorf("summarising seeds: seed %d ran scenario %q, engine %s, policies %v; seed %d ran %q, %s, %v",
				seed, r.Scenario, r.Engine, policyNames(r), firstSeed, first.Scenario, first.Engine, names)
		}
	}
	out := first
	out.Policies = slices.Clone(first.Policies)
	out.Notes = slices.Clone(first.Notes)
	out.Repeat = &Repeat{FirstSeed: firstSeed, Runs: len(results)}
	out.Notes = append(out.Notes, fmt.Sprintf("repeated run: seeds %d to %d; each policy's figures are those of seed %d, over_seeds summarises all %d (mean, sd with n−1, 95%% Student-t interval of the mean)",
		firstSeed, firstSeed+uint64(len(results))-1, firstSeed, len(results)))
	for pi := range out.Policies {
		o := &OverSeeds{Runs: len(results)}
		for _, f := range seedFigures {
			var xs []float64
			for i := range results {
				if x, ok := f.value(&results[i].Policies[pi]); ok {
					xs = append(xs, x)
				}
			}
			*f.field(o) = summarize(xs)
			switch missing := len(results) - len(xs); {
			case len(xs) == 0:
				out.Notes = append(out.Notes, fmt.Sprintf("policy %s: over_seeds.%s is null: %s was null in every seed", out.Policies[pi].Name, f.name, f.name))
			case missing > 0:
				out.Notes = append(out.Notes, fmt.Sprintf("policy %s: over_seeds.%s is over the %d of %d seeds in which %s was known (null in %d)",
					out.Policies[pi].Name, f.name, len(xs), len(results), f.name, missing))
			}
		}
		out.Policies[pi].OverSeeds = o
	}
	return out, nil
}

// summarize is the SeedSummary of xs; nil for none.
func summarize(xs []float64) *SeedSummary {
	if len(xs) == 0 {
		return nil
	}
	s := &SeedSummary{N: len(xs)}
	if len(xs) == 1 {
		s.Mean = xs[0]
		return s
	}
	mean, sd := stat.MeanStdDev(xs, nil) // sd with n−1
	s.Mean, s.Sd = mean, &sd
	t := distuv.StudentsT{Mu: 0, Sigma: 1, Nu: float64(len(xs) - 1)}.Quantile(0.975)
	half := t * sd / math.Sqrt(float64(len(xs)))
	s.CI = &[2]float64{mean - half, mean + half}
	return s
}

func policyNames(r Result) []string {
	names := make([]string, len(r.Policies))
	for i := range r.Policies {
		names[i] = r.Policies[i].Name
	}
	return names
}

// Text is the summary as a person reads it, "mean (lo – hi)" (the mean
// alone with fewer than two seeds, "unknown" for nil); format renders each
// number.
func (s *SeedSummary) Text(format func(float64) string) string {
	if s == nil {
		return "unknown"
	}
	var b strings.Builder
	b.WriteString(format(s.Mean))
	if s.CI != nil {
		fmt.Fprintf(&b, " (%s – %s)", format(s.CI[0]), format(s.CI[1]))
	}
	return b.String()
}
