// Package analysis turns Records into statistics with gonum: success rates with
// intervals, arrival spread, retry timing, completion times, Retry-After compliance
// and tests of the difference between two strategies.
//
// Lookup reads any number of a PolicyResult by its metric path in result.json
// (completion_ms.p99, retry_spread.2.sd_ms: a list of retries by the retry
// number, faults.status), resolved by reflection over the JSON tags, so a
// field added to the result is assertable at once; a null or a retry the run
// did not reach reads as unknown, with the reason. CheckMetricPath validates a
// path and MetricPaths lists them, for scenario assertions, chaostest's
// HaveMetric and `chaos check`.
//
// It reads Records only, so a log of `chaos serve` for a client in any language
// analyses like the harness's own runs. Feed an Accumulator one Record at a time
// and Finish it into a Result, which is result.json (docs/DESIGN.md) and carries the
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
// its name; the Result then names the best strategy and orders the rest by the one
// ranking rule (RankingRule, in rank.go), names the trade-offs where a lower-ranked
// strategy has the shorter tail or the smaller herd, and compares the best with each
// (Newcombe interval on the success-rate difference, Mann-Whitney U on completion
// times, bootstrap interval on the peak-to-mean difference). A tuning grid is the same
// with one policy per setting, then Rank for the ranking, in the same order, and the
// Pareto frontier above a success floor. MergeLogs reads JSON-lines logs, merged by time, with errors naming file
// and line.
//
// Retry delays are timed twice. delay_ms is what the server saw: a retry's
// arrival less the previous response's end, so it includes network and
// response time. sleep_ms is what the client slept: its send less its receipt
// of the previous outcome, from the Records' sent_ms and received_ms (harness
// runs only). The KS test against the configured law is on the sleep when
// every delay of the retry number has one (measured: client_sleep), so a
// schedule without jitter reads D = 0, and on the server-seen delay
// otherwise (server_gap, with a note). Likewise makespan_ms spans the server's
// first arrival to its last end, and client_makespan_ms the first send to the
// last receipt, null in a log of `chaos serve`.
//
// The Result also says what produced it, for reports that read nothing else:
// schema_version (SchemaVersion), created, and what the runner hands over as
// Options.Run (a RunInfo: fleet, policy settings, server script, or the logs
// read) and Options.ScenarioText (the scenario's text as read).
//
// Records of a client that sends neither X-Chaos-Request nor X-Chaos-Attempt
// are grouped by one inference, shared by `chaos analyze`, `chaos check` and
// chaostest (see Headerless): per connection (Record.Conn) for a keep-alive
// client, else per remote address and User-Agent, an arrival after a failed
// attempt taken as its retry. It needs the connections counted first
// (Options.Connections; AnalyzeRecords does both passes for Records in
// memory). Where it cannot group the Records, amplification and the
// Retry-After counts are nil (null in result.json), with a note.
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
// seeded samples per strategy, and per connection of header-less Records a
// 16-byte hash and a count: never per Record.
package analysis
