package chaostest

import (
	"fmt"
	"strings"

	"github.com/chaos-harness/chaos/record"
)

// Bounds on what a failure message lists, so a large run stays readable.
const (
	maxGroupsShown  = 5
	maxRecordsShown = 8
)

// describeRecord is one attempt as a failure message shows it.
func describeRecord(r record.Record) string {
	var b strings.Builder
	if r.Attempt > 0 {
		fmt.Fprintf(&b, "attempt %d ", r.Attempt)
	}
	fmt.Fprintf(&b, "at %s: ", ms(r.TMs))
	if r.Status > 0 {
		fmt.Fprintf(&b, "%d", r.Status)
	} else {
		b.WriteString("no status")
	}
	if r.Fault != "" && r.Fault != record.FaultNone {
		fmt.Fprintf(&b, " (fault %s)", r.Fault)
	}
	if r.RetryAfterMs > 0 {
		fmt.Fprintf(&b, ", Retry-After %s", ms(r.RetryAfterMs))
	}
	if r.Incomplete {
		fmt.Fprintf(&b, ", body incomplete after %d bytes", r.BodyBytes)
	}
	fmt.Fprintf(&b, ", ended at %s", ms(r.TMs+r.LatencyMs))
	return b.String()
}

// group is a set of records a failure message names: a logical request,
// a client, or the arrivals of one retry number.
type group struct {
	label   string
	why     string // what this group did wrong, measured
	records []record.Record
}

// describeGroups lists groups with their records, bounded.
func describeGroups(heading string, groups []group) string {
	if len(groups) == 0 {
		return ""
	}
	var b strings.Builder
	fmt.Fprintf(&b, "%s (%d):\n", heading, len(groups))
	for i, g := range groups {
		if i == maxGroupsShown {
			fmt.Fprintf(&b, "  ... and %d more\n", len(groups)-i)
			break
		}
		fmt.Fprintf(&b, "  %s", g.label)
		if g.why != "" {
			fmt.Fprintf(&b, ": %s", g.why)
		}
		b.WriteString("\n")
		for j, r := range g.records {
			if j == maxRecordsShown {
				fmt.Fprintf(&b, "    ... and %d more records\n", len(g.records)-j)
				break
			}
			fmt.Fprintf(&b, "    %s\n", describeRecord(r))
		}
	}
	return b.String()
}
