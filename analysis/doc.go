// Package analysis turns Records into statistics with gonum: success rates with
// intervals, arrival spread, retry timing, completion times, Retry-After compliance
// and tests of the difference between two strategies.
//
// It reads Records only, so a log of `chaos serve` for a client in any language
// analyses like the harness's own runs. Feed an Accumulator one Record at a time
// and Finish it into a Result, which is result.json (DESIGN.md) and carries the
// binned series the reports draw:
//
//	acc, err := analysis.New(analysis.Options{Scenario: "outage-recovery", Engine: "sim", Seed: &seed})
//	for _, rec := range records {
//		if err := acc.Add(rec); err != nil { ... }   // names the bad field
//	}
//	res, err := acc.Finish()
//
// A runner knows what Records cannot say: logical requests refused before any
// attempt (an open breaker, the rate limit, the retry budget), ones sent but
// never seen by the server, and ones a fallback answered. Given as
// Options.Unsent, Unreached and FallbackServed (or to FinishWith, with the
// phases and breaker spans, when the Records were streamed in during the
// run), the first two count as failed logical requests, and fallback-served
// ones stay failures, reported apart as fallback_served.
//
// Records are grouped into strategies by their Policy ("client" when empty), so a
// comparison of jitters is one Accumulator fed each jitter's run with Policy set to
// its name; the Result then names the best strategy, orders the rest, and compares
// the best with each (Newcombe interval on the success-rate difference, Mann-Whitney
// U on completion times, bootstrap interval on the peak-to-mean difference). A tuning
// grid is the same with one policy per setting, then Rank for the ranking and Pareto
// frontier. MergeLogs reads JSON-lines logs, merged by time, with errors naming file
// and line.
//
// The herd figures count retries only, on the same timeline as every arrival:
// retry_max_window and retry_peak_rate in one sliding window
// (Options.RetryWindow, 16 ms unless set), and peak_to_capacity over what the
// server's capacity model (Options.Capacity) admits in it. The first burst of
// a fleet that starts together is the same whatever its jitter, so only the
// retries tell a synchronized fleet from a jittered one. Each retry after a
// Retry-After adds its margin (arrival minus the earliest time allowed) to
// retry_after_margin_ms. Time to recover ends at sustained success after a
// fault phase (see Recovery).
//
// Memory is per logical request (a few numbers each), plus fixed-size bins and
// seeded samples per strategy: never per Record.
package analysis
