// Package reports renders results as Markdown, self-contained HTML with SVG plots,
// result.json and JUnit XML.
//
// Write(dir, res) writes result.json, report.md, report.html (inline SVG, inline
// styles, nothing fetched) and each plot as SVG and PNG, drawn with gonum/plot from
// the Result alone (never the Records or the scenario): an overview chart first (one
// row per strategy: success, amplification, p99 completion, retry_peak_rate), arrivals over
// time per strategy as small multiples with the fault phases shaded and the server's
// admitted rate dashed, success rate over time, completion-time CDFs, retry-delay
// CDFs against the exact ones (a panel per strategy and retry number, axes fitted to
// the data), and for a ranked Result the trade-off plot with its Pareto frontier.
// Every report states scenario, seed, engine, version and the command that
// reproduces it, says what was run (Result.Run: fleet, policy settings, server
// script), and ends with a glossary (glossary.go, one table for both formats) that
// every table column names its line in; its Headline says which strategy did best
// and by how much, and HeadlineNotes follow it alike in every report and on the
// command line: HerdSentence (the worst retry herd against the best), the ranking
// rule and the trade-offs.
//
// WriteJUnit writes JUnit XML as GitHub Actions reporters, GitLab and Jenkins show
// it; AssertionSuites builds its suites from checked assertions.
package reports
