package analysis

import (
	"cmp"
	"fmt"
	"math"
	"slices"
	"strconv"
	"strings"
)

// The ranking rule orders strategies for compare, tune, the headline,
// Result.Best, Result.Standings and Result.Ranking alike, so they never
// disagree:
//
//  1. Success first, in tiers: the first tier holds the strategies whose
//     success rate is not significantly below the highest (the 95% Newcombe
//     interval of the difference reaches zero), the next tier those not
//     significantly below the highest of the rest, and so on. Success is
//     what the callers see, but a higher rate by noise alone must not beat
//     a cheaper strategy.
//  2. Within a tier, the lowest cost first (RankCost: the sum of costTerms,
//     today the load a strategy adds and the tail latency it costs). One
//     attempt per logical request weighs as much as one second of p99
//     completion time, the weights of the old tune score, so that a
//     strategy that waits long to save a few retries (no jitter at p99 16 s
//     against decorrelated at 6.5 s) does not rank first on amplification
//     alone.
//  3. Ties go by name.
//
// The herd (retry_max_window) is not in the cost: where a lower-ranked
// strategy sends a smaller retry herd, the trade-offs say so. A herd term
// would be one more costTerm; the rule's sentence and the frontier's
// objectives follow the terms.

// costTerm is one part of the ranking cost: what it charges for, the
// result.json field it reads (lower is better) and its value for a policy.
type costTerm struct {
	what  string
	field string
	value func(PolicyResult) float64
}

// costTerms is the ranking cost, summed, and the objectives of tune's Pareto
// frontier. A herd term is one more entry whose value reads the herd figure
// of a PolicyResult (say retry_max_window per 100 logical requests).
var costTerms = []costTerm{
	{"each attempt per logical request above 1", "amplification", func(p PolicyResult) float64 { return p.AmplificationBound() - 1 }},
	{"each second of p99 completion time", "completion_ms.p99", func(p PolicyResult) float64 { return p.CompletionMs.P99 / 1000 }},
}

// RankCost is a strategy's cost under the ranking rule: one point per term
// of costTerms. Lower is better.
func RankCost(p PolicyResult) float64 {
	sum := 0.0
	for _, t := range costTerms {
		sum += t.value(p)
	}
	return sum
}

// RankingRule is the ranking rule in one sentence, as the reports print it.
func RankingRule() string {
	terms := make([]string, len(costTerms))
	for i, t := range costTerms {
		terms[i] = "one point for " + t.what
	}
	return "Ranking rule: success first, in tiers: the first tier holds the strategies whose success rate is not " +
		"significantly below the highest (the 95% Newcombe interval of the difference reaches zero), the next those " +
		"not significantly below the highest of the rest, and so on; within a tier the lowest cost ranks first, " +
		"where the cost is " + strings.Join(terms, " plus ") + "; ties go by name."
}

// ranking is the policies in the order of the ranking rule, best first,
// with each one's success tier (1 = within the noise of the highest).
type ranking struct {
	order []PolicyResult
	tier  map[string]int
}

func rankByRule(ps []PolicyResult) ranking {
	r := ranking{tier: map[string]int{}}
	rest := slices.Clone(ps)
	for t := 1; len(rest) > 0; t++ {
		top := slices.MaxFunc(rest, func(a, b PolicyResult) int { return cmp.Compare(a.SuccessRate, b.SuccessRate) })
		var tier, below []PolicyResult
		for _, p := range rest {
			if _, lo, _ := NewcombeDiff(top.Succeeded, top.LogicalRequests, p.Succeeded, p.LogicalRequests, Z95); lo <= 0 {
				tier = append(tier, p)
				r.tier[p.Name] = t
			} else {
				below = append(below, p)
			}
		}
		slices.SortStableFunc(tier, func(a, b PolicyResult) int {
			if c := cmp.Compare(RankCost(a), RankCost(b)); c != 0 {
				return c
			}
			return cmp.Compare(a.Name, b.Name)
		})
		r.order = append(r.order, tier...)
		rest = below
	}
	return r
}

func (r ranking) names() []string {
	out := make([]string, len(r.order))
	for i, p := range r.order {
		out[i] = p.Name
	}
	return out
}

// tradeoffMeasure is a figure the rule does not rank on first, on which a
// lower-ranked strategy can still beat the winner. Lower is better; value
// is false where the log cannot tell the figure (a null in result.json).
type tradeoffMeasure struct {
	what, unit string
	value      func(PolicyResult) (float64, bool)
}

// tradeoffMeasures are the tail latency and the herd: retry_max_window, the
// retries alone, since the first burst that a fleet started together sends
// whatever its jitter sets the peak of every figure over all arrivals.
var tradeoffMeasures = []tradeoffMeasure{
	{"lower p99 completion time", "ms", func(p PolicyResult) (float64, bool) { return p.CompletionMs.P99, true }},
	{"smaller retry herd (retry_max_window, the most retries in any window of retry_window_ms)", "retries", func(p PolicyResult) (float64, bool) {
		if p.RetryMaxWindow == nil {
			return 0, false
		}
		return float64(*p.RetryMaxWindow), true
	}},
}

// Tradeoffs are the sentences of Result.Tradeoffs for these policies.
func Tradeoffs(ps []PolicyResult) []string { return rankByRule(ps).tradeoffs() }

// tradeoffs name, one sentence per measure, the highest-ranked strategy
// below the winner that beats it on tail latency or herd (the alternative a
// reader would weigh first), and why the rule still put the winner first.
// A measure the log cannot tell for the winner names no trade-off, and a
// strategy whose value is unknown is passed over.
func (r ranking) tradeoffs() []string {
	out := []string{}
	if len(r.order) < 2 {
		return out
	}
	best := r.order[0]
	for _, m := range tradeoffMeasures {
		w, ok := m.value(best)
		if !ok {
			continue
		}
		var rival *PolicyResult
		var v float64
		for i := range r.order[1:] {
			p := &r.order[1+i]
			if x, ok := m.value(*p); ok && x < w {
				rival, v = p, x
				break
			}
		}
		if rival == nil {
			continue
		}
		why := fmt.Sprintf("its success rate is significantly lower (%s against %s)", pct(rival.SuccessRate), pct(best.SuccessRate))
		if r.tier[rival.Name] == r.tier[best.Name] {
			why = fmt.Sprintf("it costs more by the rule (%.3f against %.3f)", RankCost(*rival), RankCost(best))
			if RankCost(*rival) == RankCost(best) {
				why = "it ties on cost and comes later by name"
			}
		}
		out = append(out, fmt.Sprintf("Trade-off: %s ranks first, but %s has a %s: %s %s against %s %s; %s ranks below because %s.",
			best.Name, rival.Name, m.what, figure(v), m.unit, figure(w), m.unit, rival.Name, why))
	}
	return out
}

func pct(x float64) string { return fmt.Sprintf("%.2f%%", 100*x) }

// figure prints a measure to the nearest whole number from 100 up, else to
// 3 significant digits.
func figure(x float64) string {
	if math.Abs(x) >= 100 {
		return strconv.FormatFloat(math.Round(x), 'f', 0, 64)
	}
	return strconv.FormatFloat(x, 'g', 3, 64)
}

// DefaultMinSuccess is tune's success floor (--min-success) unless set.
const DefaultMinSuccess = 0.9

// ParetoFrontier marks the policies that reach the success floor minSuccess
// and that no other such policy dominates on the cost terms (amplification
// and p99 completion time, lower is better): a policy is dominated when
// another is at least as good on every term and better on one. Success is a
// floor, not an objective: as an objective, a setting that fails half its
// requests fast is "optimal" because failing fast lowers p99.
func ParetoFrontier(ps []PolicyResult, minSuccess float64) []bool {
	front := make([]bool, len(ps))
	for i, p := range ps {
		front[i] = p.SuccessRate >= minSuccess && !slices.ContainsFunc(ps, func(q PolicyResult) bool {
			return q.SuccessRate >= minSuccess && dominates(q, p)
		})
	}
	return front
}

func dominates(q, p PolicyResult) bool {
	better := false
	for _, t := range costTerms {
		qv, pv := t.value(q), t.value(p)
		if qv > pv {
			return false
		}
		better = better || qv < pv
	}
	return better
}

// FrontierObjectives are the result.json fields the frontier is drawn on,
// each lower is better.
func FrontierObjectives() []string {
	out := make([]string, len(costTerms))
	for i, t := range costTerms {
		out[i] = t.field
	}
	return out
}

// Rank fills res.Ranking by the ranking rule, so in the order of
// res.Standings, with each policy's cost, its success tier, whether it reached the
// success floor minSuccess, and the Pareto frontier above the floor; and
// res.Frontier with what the frontier is drawn on. `chaos tune` runs a grid
// of settings as policies of one Result and ranks it.
func Rank(res *Result, minSuccess float64) {
	r := rankByRule(res.Policies)
	front := ParetoFrontier(r.order, minSuccess)
	res.Ranking = make([]Ranked, len(r.order))
	for i, p := range r.order {
		res.Ranking[i] = Ranked{Name: p.Name, Rank: i + 1, Cost: RankCost(p), Tier: r.tier[p.Name],
			BelowMinSuccess: p.SuccessRate < minSuccess, Pareto: front[i]}
	}
	res.Frontier = &Frontier{Objectives: FrontierObjectives(), MinSuccess: minSuccess}
	if !slices.Contains(front, true) {
		res.Notes = append(res.Notes, fmt.Sprintf("No setting reached the success floor of %s, so the Pareto frontier is empty.", pct(minSuccess)))
	}
}
