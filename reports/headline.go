package reports

import (
	"fmt"

	"github.com/chaos-harness/chaos/analysis"
)

// Headline says in one sentence which strategy did best by the ranking rule
// (analysis.RankingRule; the first of the standings) and by how much, with
// the interval of the difference; for a sweep over the load, where its
// bistable band lies.
func Headline(res analysis.Result) string {
	if len(res.Policies) == 0 {
		return "No attempts were analysed."
	}
	if res.LoadSweep != nil {
		// A sweep over the load asks where the system fails, not which
		// load did best.
		return loadSweepHeadline(res.LoadSweep)
	}
	best, _ := res.Policy(res.Best)
	if len(res.Policies) == 1 || len(res.Comparisons) == 0 {
		return fmt.Sprintf("%s: %s of %d logical requests succeeded (95%% CI %s to %s), with %s attempts per logical request.",
			best.Name, percent(best.SuccessRate), best.LogicalRequests,
			percent(best.SuccessRateCI[0]), percent(best.SuccessRateCI[1]), amplificationText(best))
	}
	c := res.Comparisons[0] // against the runner-up
	next, _ := res.Policy(c.B)
	diff := fmt.Sprintf("%s points (95%% CI %s to %s)", points(c.SuccessRateDiff), points(c.SuccessRateDiffCI[0]), points(c.SuccessRateDiffCI[1]))
	if c.SuccessRateDiffCI[0] > 0 {
		return fmt.Sprintf("%s did best: %s of its %d logical requests succeeded against %s for %s, the next best, a difference of %s, with %s attempts per logical request against %s.",
			best.Name, percent(best.SuccessRate), best.LogicalRequests, percent(next.SuccessRate), next.Name,
			diff, amplificationText(best), amplificationText(next))
	}
	why := fmt.Sprintf("it cost less by the ranking rule: %s (%s attempts per logical request, p99 %s ms) against %s (%s, p99 %s ms)",
		num(analysis.RankCost(*best)), amplificationText(best), msNum(best.CompletionMs.P99),
		num(analysis.RankCost(*next)), amplificationText(next), msNum(next.CompletionMs.P99))
	if analysis.RankCost(*best) == analysis.RankCost(*next) {
		why = "it leads by name only: the two cost the same by the ranking rule"
	}
	return fmt.Sprintf("%s did best: its success rate of %s is within the noise of %s's %s (difference %s), and %s.",
		best.Name, percent(best.SuccessRate), next.Name, percent(next.SuccessRate), diff, why)
}

// HeadlineNotes are what the headline area says after the headline when
// strategies were ranked: the herd sentence (HerdSentence) when there is
// one, the ranking rule in a sentence, then the trade-offs (Result.Tradeoffs)
// where tail latency or herd contradict the winner. Every report and the
// command line print them alike.
func HeadlineNotes(res analysis.Result) []string {
	if len(res.Policies) < 2 {
		return nil
	}
	var out []string
	if h, ok := HerdSentence(res); ok {
		out = append(out, h)
	}
	return append(append(out, analysis.RankingRule()), res.Tradeoffs...)
}

// HerdSentence names the strategy with the worst retry herd (the largest
// retry_max_window) against the one with the best, with the worst's
// peak_to_capacity where the server has a capacity model. It needs two
// strategies whose herd is known and that differ; ties go to the first in
// res.Policies.
func HerdSentence(res analysis.Result) (string, bool) {
	var worst, best *analysis.PolicyResult
	for i := range res.Policies {
		p := &res.Policies[i]
		if p.RetryMaxWindow == nil {
			continue
		}
		if worst == nil || *p.RetryMaxWindow > *worst.RetryMaxWindow {
			worst = p
		}
		if best == nil || *p.RetryMaxWindow < *best.RetryMaxWindow {
			best = p
		}
	}
	if worst == nil || *worst.RetryMaxWindow == *best.RetryMaxWindow {
		return "", false
	}
	capacity := ""
	if worst.PeakToCapacity != nil {
		capacity = fmt.Sprintf(" (%s× capacity)", num(*worst.PeakToCapacity))
	}
	return fmt.Sprintf("%s sends the worst retry herd: %s in %s%s against %d for %s.",
		worst.Name, plural(*worst.RetryMaxWindow, "retry", "retries"), durationText(res.RetryWindowMs), capacity,
		*best.RetryMaxWindow, best.Name), true
}

// plural is "1 retry", "436 retries".
func plural(n int, one, many string) string {
	if n == 1 {
		return "1 " + one
	}
	return fmt.Sprintf("%d %s", n, many)
}

// amplificationText is a policy's attempts per logical request, or says the
// Records cannot tell it.
func amplificationText(p *analysis.PolicyResult) string {
	if p.Amplification == nil {
		return "an unknown number of"
	}
	return num(*p.Amplification)
}
