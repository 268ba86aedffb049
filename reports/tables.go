package reports

import (
	"fmt"
	"slices"
	"strconv"

	"github.com/chaos-harness/chaos/analysis"
)

// table is a table of a report, rendered the same way in Markdown and HTML.
type table struct {
	ID      string // anchor and test hook
	Caption string
	Header  []string
	Rows    [][]string
	// Terms name each column's glossary line, one per header.
	Terms []string
	// TextCols is how many leading columns hold names (left-aligned); the
	// rest hold numbers (right-aligned). 0 means 1.
	TextCols int
	// Wrap lets the last column's text wrap (long settings), where the others
	// keep to one line.
	Wrap bool
}

// IsText reports whether column i holds names and is left-aligned.
func (t table) IsText(i int) bool { return i < max(1, t.TextCols) }

// Wraps reports whether column i may wrap.
func (t table) Wraps(i int) bool { return t.Wrap && i == len(t.Header)-1 }

// Definition is the glossary line of column i, for a header's tooltip.
func (t table) Definition(i int) string {
	if i >= len(t.Terms) {
		return ""
	}
	g, _ := glossaryTerm(t.Terms[i])
	return g.Text
}

func outcomeTable(res analysis.Result) table {
	t := table{ID: "outcome", Caption: "Outcome per strategy",
		Header: []string{"strategy", "logical requests", "succeeded", "success rate", "95% CI", "attempts", "amplification"},
		Terms:  []string{"strategy", "logical_requests", "succeeded", "success_rate", "success_rate_ci", "attempts", "amplification"}}
	for _, p := range res.Policies {
		t.Rows = append(t.Rows, []string{p.Name, strconv.Itoa(p.LogicalRequests), strconv.Itoa(p.Succeeded),
			percent(p.SuccessRate), percent(p.SuccessRateCI[0]) + " – " + percent(p.SuccessRateCI[1]),
			strconv.Itoa(p.Attempts), optional(p.Amplification, num)})
	}
	return t
}

func completionTable(res analysis.Result) table {
	t := table{ID: "completion", Caption: "Completion time per logical request (ms)",
		Header: []string{"strategy", "p50", "p90", "p99", "max", "makespan", "client makespan"},
		Terms:  []string{"strategy", "completion_ms", "completion_ms", "completion_p99", "completion_ms", "makespan_ms", "client_makespan_ms"}}
	for _, p := range res.Policies {
		t.Rows = append(t.Rows, []string{p.Name,
			msNum(p.CompletionMs.P50), msNum(p.CompletionMs.P90), msNum(p.CompletionMs.P99), msNum(p.CompletionMs.Max), msNum(p.MakespanMs),
			optional(p.ClientMakespanMs, msNum)})
	}
	return t
}

// loadTable is the load on the server: over all arrivals, then over the
// retries alone (the herd figures), which the first burst of a fleet that
// started together does not set.
func loadTable(res analysis.Result) table {
	t := table{ID: "load", Caption: fmt.Sprintf("Load on the server and the retry herd (retries in the busiest %s)", durationText(res.RetryWindowMs)),
		Header: []string{"strategy", "peak-to-mean", "cv", "most in " + durationText(res.WindowMs), "retries in " + durationText(res.RetryWindowMs), "retry peak (/s)", "peak to capacity"},
		Terms:  []string{"strategy", "peak_to_mean", "cv", "max_window_arrivals", "retry_max_window", "retry_peak_rate", "peak_to_capacity"}}
	for _, p := range res.Policies {
		t.Rows = append(t.Rows, []string{p.Name, num(p.PeakToMean), num(p.CV), strconv.Itoa(p.MaxWindowArrivals),
			optional(p.RetryMaxWindow, strconv.Itoa), optional(p.RetryPeakRate, num), optional(p.PeakToCapacity, num)})
	}
	return t
}

func retryAfterTable(res analysis.Result) table {
	t := table{ID: "retry-after", Caption: "Retry-After, recovery and the breaker",
		Header: []string{"strategy", "Retry-After violations", "retries after a Retry-After", "time to recover (ms)", "breaker open"},
		Terms:  []string{"strategy", "retry_after_violations", "retry_after_retries", "time_to_recover_ms", "breaker_open_share"}}
	for _, p := range res.Policies {
		t.Rows = append(t.Rows, []string{p.Name, optional(p.RetryAfterViolations, strconv.Itoa), optional(p.RetryAfterRetries, strconv.Itoa),
			optional(p.TimeToRecoverMs, msNum), optional(p.BreakerOpenShare, percent)})
	}
	return t
}

// marginTable is the Retry-After margin of the strategies that have one
// (a retry after a Retry-After); it has no rows when none has.
func marginTable(res analysis.Result) table {
	t := table{ID: "retry-after-margin", Caption: "Retry-After margin: each retry's arrival less the earliest time the server allowed (ms; negative is early)",
		Header: []string{"strategy", "retries", "min", "p1", "p50", "p99", "early", "early over 100 ms", "early over 1 s"},
		Terms: []string{"strategy", "retry_after_margin_ms", "retry_after_margin_ms", "retry_after_margin_ms", "retry_after_margin_ms",
			"retry_after_margin_ms", "retry_after_early", "retry_after_early", "retry_after_early"}}
	for _, p := range res.Policies {
		m := p.RetryAfterMarginMs
		if m == nil {
			continue
		}
		t.Rows = append(t.Rows, []string{p.Name, strconv.Itoa(m.Count), msNum(m.Min), msNum(m.P1), msNum(m.P50), msNum(m.P99),
			strconv.Itoa(m.Early), strconv.Itoa(m.EarlyOver100Ms), strconv.Itoa(m.EarlyOver1s)})
	}
	return t
}

// duplicateTable is the duplicate side effects of the strategies whose
// Records reached an upstream (proxy mode, issue 15); it has no rows when
// none did.
func duplicateTable(res analysis.Result) table {
	t := table{ID: "duplicate-effects", Caption: "Work done twice: logical requests whose attempts reached the upstream more than once",
		Header: []string{"strategy", "duplicate effects", "unsafe (POST, PATCH with no Idempotency-Key)"},
		Terms:  []string{"strategy", "duplicate_effects", "unsafe_duplicate_effects"}}
	for _, p := range res.Policies {
		if p.DuplicateEffects == nil {
			continue
		}
		t.Rows = append(t.Rows, []string{p.Name, strconv.Itoa(*p.DuplicateEffects), optional(p.UnsafeDuplicateEffects, strconv.Itoa)})
	}
	return t
}

// comparisonTable sets the best strategy (A, named in the caption: every
// row's A is the same, and a column of it would push a grid of long setting
// names past the page) against each other one (B).
func comparisonTable(res analysis.Result) table {
	best := res.Best
	if len(res.Comparisons) > 0 {
		best = res.Comparisons[0].A
	}
	t := table{ID: "comparisons", Caption: fmt.Sprintf("The best strategy, %s (A), against each other one (B): A − B", best),
		Header: []string{"B", "success rate (points)", "95% CI", "completion: Mann-Whitney p", "peak-to-mean", "95% CI (bootstrap)", "amplification"},
		Terms:  []string{"comparison", "success_rate_diff", "success_rate_diff", "completion_mann_whitney", "peak_to_mean_diff", "peak_to_mean_diff", "amplification_diff"}}
	for _, c := range res.Comparisons {
		t.Rows = append(t.Rows, []string{c.B, points(c.SuccessRateDiff),
			points(c.SuccessRateDiffCI[0]) + " to " + points(c.SuccessRateDiffCI[1]),
			pValue(c.Completion.P), signed(c.PeakToMeanDiff),
			signed(c.PeakToMeanDiffCI[0]) + " to " + signed(c.PeakToMeanDiffCI[1]), optional(c.AmplificationDiff, signed)})
	}
	return t
}

func signed(x float64) string {
	if x > 0 {
		return "+" + num(x)
	}
	return num(x)
}

func retryDelayTable(res analysis.Result) table {
	t := table{ID: "retry-delays", Caption: "Delay before each retry as the server saw it: from the end of the previous response to the retry's arrival",
		Header: []string{"strategy", "retry", "count", "mean (ms)", "p50 (ms)", "p90 (ms)", "max (ms)", "after a Retry-After"},
		Terms:  []string{"strategy", "retry", "retry_delays", "retry_delays", "retry_delays", "retry_delays", "retry_delays", "after_retry_after"}}
	for _, p := range res.Policies {
		for _, rd := range p.RetryDelays {
			t.Rows = append(t.Rows, []string{p.Name, strconv.Itoa(rd.Retry), strconv.Itoa(rd.Count), msNum(rd.Mean),
				msNum(rd.Delay.P50), msNum(rd.Delay.P90), msNum(rd.Delay.Max), strconv.Itoa(rd.AfterRetryAfter)})
		}
	}
	return t
}

// sleepTable is the client's own sleep before each retry ("–" where the
// Records lack the client's times), and the KS test on what `measured`
// names: the sleep, else the server-seen delay.
func sleepTable(res analysis.Result) table {
	t := table{ID: "retry-sleeps", TextCols: 2,
		Caption: "Sleep the client took before each retry (ms), and the KS test against the configured strategy of what \"KS on\" names, leaving out delays that followed a Retry-After",
		Header:  []string{"strategy", "KS on", "retry", "sleep p50", "sleep p90", "sleep p99", "sleep max", "KS D", "KS p", "KS n"},
		Terms:   []string{"strategy", "measured", "retry", "sleep_ms", "sleep_ms", "sleep_ms", "sleep_ms", "ks", "ks", "ks"}}
	for _, p := range res.Policies {
		for _, rd := range p.RetryDelays {
			sleep := []string{"–", "–", "–", "–"}
			if q := rd.Sleep; q != nil {
				sleep = []string{msNum(q.P50), msNum(q.P90), msNum(q.P99), msNum(q.Max)}
			}
			d, pv, n := "–", "–", "–"
			if rd.KS != nil {
				d, pv, n = fmt.Sprintf("%.3f", rd.KS.D), pValue(rd.KS.P), strconv.Itoa(rd.KS.N)
			}
			row := append([]string{p.Name, measuredText(rd.Measured), strconv.Itoa(rd.Retry)}, sleep...)
			t.Rows = append(t.Rows, append(row, d, pv, n))
		}
	}
	return t
}

// measuredText names what a retry delay's CDF and KS test are of.
func measuredText(m string) string {
	switch m {
	case analysis.MeasuredClientSleep:
		return "client sleep"
	case analysis.MeasuredServerGap:
		return "server gap"
	}
	return m
}

func spreadTable(res analysis.Result) table {
	t := table{ID: "retry-spread", Caption: "Spread of each retry's arrival across logical requests: absolute, and after the request's first attempt",
		Header: []string{"strategy", "retry", "count", "sd (ms)", "IQR (ms)", "sd after first (ms)", "IQR after first (ms)"},
		Terms:  []string{"strategy", "retry", "retry_spread", "retry_spread", "retry_spread", "retry_spread", "retry_spread"}}
	for _, p := range res.Policies {
		for _, s := range p.RetrySpread {
			t.Rows = append(t.Rows, []string{p.Name, strconv.Itoa(s.Retry), strconv.Itoa(s.Count), msNum(s.SdMs), msNum(s.IQRMs), msNum(s.OffsetSdMs), msNum(s.OffsetIQRMs)})
		}
	}
	return t
}

func recoveryTable(res analysis.Result) table {
	t := table{ID: "recovery", TextCols: 2, Caption: fmt.Sprintf("Time until the success rate over %s was back at the threshold, per fault phase", durationText(res.WindowMs)),
		Header: []string{"strategy", "fault phase", "phase ends (ms)", "time to recover (ms)"},
		Terms:  []string{"strategy", "fault_phase", "phase_end_ms", "time_to_recover_ms"}}
	for _, p := range res.Policies {
		for _, r := range p.Recovery {
			t.Rows = append(t.Rows, []string{p.Name, r.Phase, msNum(r.EndMs), optional(r.TimeToRecoverMs, msNum)})
		}
	}
	return t
}

func attemptsTable(res analysis.Result) table {
	most := 0
	for _, p := range res.Policies {
		for _, a := range p.AttemptsPerRequest {
			most = max(most, a.Attempts)
		}
	}
	t := table{ID: "attempts", Caption: "Logical requests by the number of attempts they took", Header: []string{"strategy"}, Terms: []string{"strategy"}}
	for k := 1; k <= most; k++ {
		t.Header = append(t.Header, strconv.Itoa(k))
		t.Terms = append(t.Terms, "attempts_per_request")
	}
	for _, p := range res.Policies {
		row := []string{p.Name}
		counts := map[int]int{}
		for _, a := range p.AttemptsPerRequest {
			counts[a.Attempts] = a.Requests
		}
		for k := 1; k <= most; k++ {
			row = append(row, strconv.Itoa(counts[k]))
		}
		t.Rows = append(t.Rows, row)
	}
	return t
}

func faultsTable(res analysis.Result) table {
	kinds := []string{}
	seen := map[string]bool{}
	for _, p := range res.Policies {
		for k := range p.Faults {
			if !seen[k] {
				seen[k] = true
				kinds = append(kinds, k)
			}
		}
	}
	slices.Sort(kinds)
	t := table{ID: "faults", Caption: "Attempts by the fault the server injected", Header: append([]string{"strategy"}, kinds...), Terms: []string{"strategy"}}
	for range kinds {
		t.Terms = append(t.Terms, "faults")
	}
	for _, p := range res.Policies {
		row := []string{p.Name}
		for _, k := range kinds {
			row = append(row, strconv.Itoa(p.Faults[k]))
		}
		t.Rows = append(t.Rows, row)
	}
	return t
}

func rankingTable(res analysis.Result) table {
	t := table{ID: "ranking", Caption: "Settings ranked by the ranking rule", TextCols: 2,
		Header: []string{"rank", "setting", "success tier", "cost", "Pareto frontier", "success rate", "amplification", "p99 (ms)"},
		Terms:  []string{"rank", "setting", "tier", "cost", "pareto", "success_rate", "amplification", "completion_p99"}}
	for _, r := range res.Ranking {
		p, _ := res.Policy(r.Name)
		front := ""
		switch {
		case r.Pareto:
			front = "yes"
		case r.BelowMinSuccess:
			front = "below the success floor"
		}
		t.Rows = append(t.Rows, []string{strconv.Itoa(r.Rank), r.Name, strconv.Itoa(r.Tier), fmt.Sprintf("%.3f", r.Cost), front,
			percent(p.SuccessRate), optional(p.Amplification, num), msNum(p.CompletionMs.P99)})
	}
	return t
}
