package analysis

import (
	"cmp"
	"slices"
)

// Score rates a policy under an objective; higher is better.
type Score func(PolicyResult) float64

// DefaultScore is the success rate, less one percentage point per unit of
// amplification above 1 and one per second of p99 completion time: success
// first, then the load and the tail latency it cost.
func DefaultScore(p PolicyResult) float64 {
	return p.SuccessRate - 0.01*(p.AmplificationBound()-1) - 0.01*p.CompletionMs.P99/1000
}

// ParetoFrontier marks the policies that no other policy dominates on
// success rate (higher is better), amplification (AmplificationBound) and
// p99 completion time (lower is better): a policy is dominated when another is
// at least as good on all three and better on one.
func ParetoFrontier(ps []PolicyResult) []bool {
	front := make([]bool, len(ps))
	for i, p := range ps {
		front[i] = !slices.ContainsFunc(ps, func(q PolicyResult) bool { return dominates(q, p) })
	}
	return front
}

func dominates(q, p PolicyResult) bool {
	qa, pa := q.AmplificationBound(), p.AmplificationBound()
	noWorse := q.SuccessRate >= p.SuccessRate && qa <= pa && q.CompletionMs.P99 <= p.CompletionMs.P99
	better := q.SuccessRate > p.SuccessRate || qa < pa || q.CompletionMs.P99 < p.CompletionMs.P99
	return noWorse && better
}

// Rank orders the result's policies by score (ties by name) into
// res.Ranking, marking the Pareto frontier; nil score means DefaultScore.
// `chaos tune` runs a grid of settings as policies of one Result and ranks it.
func Rank(res *Result, score Score) {
	if score == nil {
		score = DefaultScore
	}
	front := ParetoFrontier(res.Policies)
	ranked := make([]Ranked, len(res.Policies))
	for i, p := range res.Policies {
		ranked[i] = Ranked{Name: p.Name, Score: score(p), Pareto: front[i]}
	}
	slices.SortStableFunc(ranked, func(a, b Ranked) int {
		if c := cmp.Compare(b.Score, a.Score); c != 0 {
			return c
		}
		return cmp.Compare(a.Name, b.Name)
	})
	for i := range ranked {
		ranked[i].Rank = i + 1
	}
	res.Ranking = ranked
}
