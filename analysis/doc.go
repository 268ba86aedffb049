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
// Records of a client that sends neither X-Chaos-Request nor X-Chaos-Attempt
// are grouped by one inference, shared by `chaos analyze`, `chaos check` and
// chaostest (see Headerless): per connection (Record.Conn) for a keep-alive
// client, else per remote address and User-Agent, an arrival after a failed
// attempt taken as its retry. It needs the connections counted first
// (Options.Connections; AnalyzeRecords does both passes for Records in
// memory). Where it cannot group the Records, amplification and the
// Retry-After counts are nil (null in result.json), with a note.
//
// Memory is per logical request (a few numbers each), plus fixed-size bins and
// seeded samples per strategy, and per connection of header-less Records a
// 16-byte hash and a count: never per Record.
package analysis
