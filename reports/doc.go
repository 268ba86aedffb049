// Package reports renders results as Markdown, self-contained HTML with SVG plots,
// result.json and JUnit XML.
//
// Write(dir, res) writes result.json, report.md, report.html (inline SVG, inline
// styles, nothing fetched) and each plot as SVG and PNG, drawn with gonum/plot from
// the Result alone: arrivals over time per strategy as small multiples with the fault
// phases shaded, success rate over time, completion-time CDFs, retry-delay CDFs
// against the exact ones, and for a ranked Result the trade-off plot with its Pareto
// frontier. Every report states scenario, seed, engine, version and the command that
// reproduces it, and its Headline says which strategy did best and by how much.
//
// WriteJUnit writes JUnit XML as GitHub Actions reporters, GitLab and Jenkins show
// it; AssertionSuites builds its suites from checked assertions.
package reports
