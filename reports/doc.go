// Package reports renders results as Markdown, self-contained HTML with SVG plots,
// result.json and JUnit XML.
package reports
