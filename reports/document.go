package reports

import (
	"fmt"
	"strconv"

	"github.com/chaos-harness/chaos/analysis"
)

// document is a report's content, independent of its format: Markdown and
// HTML render the same document, so they never disagree.
type document struct {
	Title    string
	Headline string
	// HeadlineNotes follow the headline: the ranking rule and trade-offs.
	HeadlineNotes []string
	Meta          []metaItem
	Sections      []section
	Notes         []string
	Methods       []string
	Glossary      []glossaryGroup
}

type metaItem struct {
	Label, Value string
	Code         bool // show as code (a command)
}

type section struct {
	ID, Title string
	Intro     string
	Figures   []Figure
	Tables    []table
}

// newDocument lays out the report of a Result with its figures.
func newDocument(res analysis.Result, figs []Figure) document {
	fig := map[string]Figure{}
	for _, f := range figs {
		fig[f.Name] = f
	}
	pick := func(names ...string) []Figure {
		var out []Figure
		for _, n := range names {
			if f, ok := fig[n]; ok {
				out = append(out, f)
			}
		}
		return out
	}
	scenario := res.Scenario
	if scenario == "" {
		scenario = "(unnamed)"
	}
	d := document{
		Title:         "chaos report: " + scenario,
		Headline:      Headline(res),
		HeadlineNotes: HeadlineNotes(res),
		Meta:          metadata(res),
		Notes:         noteLines(res),
		Methods:       methods,
		Glossary:      glossaryGroups(),
	}
	d.Sections = append(d.Sections, section{ID: "overview", Title: "Overview", Figures: pick("overview")})
	d.Sections = append(d.Sections, setupSection(res))
	d.Sections = append(d.Sections, section{ID: "summary", Title: "Summary",
		Tables: summaryTables(res)})
	if len(res.Comparisons) > 0 {
		d.Sections = append(d.Sections, section{ID: "comparison", Title: "Comparison",
			Intro:  fmt.Sprintf("Standings, best first: %s. Each row sets the best strategy (A) against another (B).", joinNames(res.Standings)),
			Tables: []table{comparisonTable(res)}})
	}
	over := section{ID: "over-time", Title: "Over time", Figures: pick("arrivals", "success")}
	if rt := recoveryTable(res); len(rt.Rows) > 0 {
		over.Tables = append(over.Tables, rt)
	}
	d.Sections = append(d.Sections, over)
	d.Sections = append(d.Sections, section{ID: "completion", Title: "Completion times", Figures: pick("completion")})
	retries := section{ID: "retries", Title: "Retries", Figures: pick("retry-delays"), Tables: []table{attemptsTable(res)}}
	for _, t := range []table{retryDelayTable(res), sleepTable(res), spreadTable(res)} {
		if len(t.Rows) > 0 {
			retries.Tables = append(retries.Tables, t)
		}
	}
	if len(retries.Figures) == 0 {
		retries.Intro = "No retries were seen."
	}
	d.Sections = append(d.Sections, retries)
	if len(res.Ranking) > 0 {
		d.Sections = append(d.Sections, section{ID: "settings", Title: "Settings", Figures: pick("frontier"), Tables: []table{rankingTable(res)}})
	}
	if lt := loadSweepTable(res); len(lt.Rows) > 0 {
		d.Sections = append(d.Sections, section{ID: "load-sweep", Title: "Load sweep", Intro: loadSweepText(res), Tables: []table{lt}})
	}
	d.Sections = append(d.Sections, section{ID: "server", Title: "What the server did", Intro: phaseText(res), Tables: []table{faultsTable(res)}})
	return d
}

// summaryTables are the outcome, completion, load and Retry-After tables,
// with the Retry-After margin only when some strategy has one, and the
// duplicate side effects only when some strategy's Records reached an
// upstream, and the layers only in a layered scenario.
func summaryTables(res analysis.Result) []table {
	ts := []table{outcomeTable(res), completionTable(res), loadTable(res), retryAfterTable(res)}
	if m := marginTable(res); len(m.Rows) > 0 {
		ts = append(ts, m)
	}
	if o := overSeedsTable(res); len(o.Rows) > 0 {
		ts = append(ts, o)
	}
	if dt := duplicateTable(res); len(dt.Rows) > 0 {
		ts = append(ts, dt)
	}
	if lt := layersTable(res); len(lt.Rows) > 0 {
		ts = append(ts, lt)
	}
	return ts
}

func metadata(res analysis.Result) []metaItem {
	seed := "unknown"
	if res.Seed != nil {
		seed = strconv.FormatUint(*res.Seed, 10)
	}
	command := res.Command
	if command == "" {
		command = "(not recorded)"
	}
	engine := res.Engine
	if engine == "" {
		engine = "(not recorded)"
	}
	scenario := res.Scenario
	if scenario == "" {
		scenario = "(unnamed)"
	}
	return []metaItem{
		{Label: "scenario", Value: scenario},
		{Label: "engine", Value: engine},
		{Label: "seed", Value: seed},
		{Label: "version", Value: res.Version},
		{Label: "reproduce with", Value: command, Code: res.Command != ""},
		{Label: "bins", Value: fmt.Sprintf("%s wide; sliding window %s; retry window %s; exact to %s",
			durationText(res.BinWidthMs), durationText(res.WindowMs), durationText(res.RetryWindowMs), durationText(res.ResolutionMs))},
	}
}

func phaseText(res analysis.Result) string {
	if len(res.Phases) == 0 {
		return "The Records name no phases."
	}
	phases := res.Phases
	first, same := samePhasesForAll(res.Phases)
	if same {
		phases = first
	}
	s := "Phases: "
	for i, ph := range phases {
		if i > 0 {
			s += "; "
		}
		if same && i == len(phases)-1 {
			s += fmt.Sprintf("%s from %s ms to the end of each run", ph.Name, msNum(ph.StartMs))
		} else {
			s += fmt.Sprintf("%s %s to %s ms", ph.Name, msNum(ph.StartMs), msNum(ph.EndMs))
		}
		if ph.Policy != "" && len(res.Policies) > 1 && !same {
			s += " (" + ph.Policy + ")"
		}
		if ph.Fault {
			s += ", fault"
		}
	}
	if same {
		s += " (the same for every strategy)"
	}
	return s + "."
}

// samePhasesForAll reports whether every policy's run went through the same
// phases at the same times (but for the end of the last, which ends with
// each run), so they are listed once; it returns the first policy's phases.
func samePhasesForAll(spans []analysis.PhaseSpan) ([]analysis.PhaseSpan, bool) {
	byPolicy := map[string][]analysis.PhaseSpan{}
	var order []string
	for _, ph := range spans {
		if ph.Policy == "" {
			return nil, false
		}
		if _, ok := byPolicy[ph.Policy]; !ok {
			order = append(order, ph.Policy)
		}
		byPolicy[ph.Policy] = append(byPolicy[ph.Policy], ph)
	}
	if len(order) < 2 {
		return nil, false
	}
	first := byPolicy[order[0]]
	for _, name := range order[1:] {
		other := byPolicy[name]
		if len(other) != len(first) {
			return nil, false
		}
		for i := range first {
			a, b := first[i], other[i]
			lastEnds := i == len(first)-1 // the open-ended last phase ends with each run
			if a.Name != b.Name || a.StartMs != b.StartMs || (a.EndMs != b.EndMs && !lastEnds) || a.Fault != b.Fault {
				return nil, false
			}
		}
	}
	return first, true
}

func joinNames(names []string) string {
	s := ""
	for i, n := range names {
		if i > 0 {
			s += ", "
		}
		s += n
	}
	return s
}

// methods name every statistic of the report and its source.
var methods = []string{
	"A logical request is (client, request id); it succeeded if any attempt did. Without request ids, attempts are grouped per client by attempt number, and without those each attempt is its own request (see the notes).",
	"Success rate intervals: Wilson score interval, 95% (Wilson 1927; Newcombe, Statistics in Medicine 17:857, 1998).",
	"Difference in success rate: Newcombe's hybrid score interval, 95% (Newcombe, Statistics in Medicine 17:873, 1998, method 10).",
	"Completion times: two-sided Mann-Whitney U test, normal approximation with tie and continuity corrections (Mann and Whitney 1947).",
	"Difference in peak-to-mean: basic bootstrap interval, 95%, resampling each strategy's arrivals (Davison and Hinkley 1997, §5.2.1), seeded.",
	"Retry delays against the configured strategy: one-sample Kolmogorov-Smirnov test, asymptotic p-value with Stephens' correction; delays that followed a Retry-After are left out of it.",
	"Bin width: Freedman-Diaconis rule on the arrival times unless set, rounded to 1, 2 or 5 times a power of ten. Quantiles are empirical (the inverse of the empirical CDF).",
	"Time to recover: from the end of a fault phase to sustained success after it: the first successful attempt from which on, up to the next fault phase or the end of the run, the success rate over the trailing window stays at or above the threshold (95% unless set).",
	"Retry herd: retry_max_window is the most retries (attempts after the first of their logical request) in any sliding window of retry_window_ms, counted exactly on the timeline; retry_peak_rate is it per second; peak_to_capacity divides it by what the server's capacity admits in the window: B + R·w for a token bucket (the token-bucket arrival curve, Cruz, IEEE Trans. Inf. Theory 37(1), 1991), C for a concurrency limit.",
	"Retry-After margin: each retry after a Retry-After, its arrival less the end of the previous response plus its Retry-After; min and the early counts are exact, p1, p50 and p99 empirical quantiles (on a seeded sample beyond the sample size).",
}
