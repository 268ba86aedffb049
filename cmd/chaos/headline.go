package main

import (
	"fmt"
	"io"

	"github.com/chaos-harness/chaos/analysis"
	"github.com/chaos-harness/chaos/reports"
)

// printHeadline prints the report's headline area: the headline, then the
// ranking rule and the trade-offs when strategies were ranked, one a line.
func printHeadline(w io.Writer, res analysis.Result) {
	fmt.Fprintln(w, reports.Headline(res))
	for _, line := range reports.HeadlineNotes(res) {
		fmt.Fprintln(w, line)
	}
}
