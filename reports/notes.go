package reports

import (
	"strings"

	"github.com/chaos-harness/chaos/analysis"
)

// noteLines are the Result's notes as a report lists them: a note that
// several strategies share word for word ("none: no retry followed …",
// "full: no retry followed …") is one line naming them, or "Every strategy"
// when all have it, so a tune grid of nine settings does not say the same
// thing nine times. Other notes stay as they are, in their order.
func noteLines(res analysis.Result) []string {
	type group struct {
		text  string
		names []string
	}
	var groups []*group
	byText := map[string]*group{}
	for _, note := range res.Notes {
		name, text, ok := policyNote(note, res.Policies)
		if !ok {
			groups = append(groups, &group{text: note})
			continue
		}
		g, seen := byText[text]
		if !seen {
			g = &group{text: text}
			byText[text] = g
			groups = append(groups, g)
		}
		g.names = append(g.names, name)
	}
	out := make([]string, 0, len(groups))
	for _, g := range groups {
		switch {
		case len(g.names) == 0:
			out = append(out, g.text)
		case len(g.names) == len(res.Policies) && len(g.names) > 1:
			out = append(out, "Every strategy: "+g.text)
		default:
			out = append(out, strings.Join(g.names, ", ")+": "+g.text)
		}
	}
	return out
}

// policyNote splits a note of the form "<strategy>: text", naming the
// longest strategy name that fits, so "a: x" is not taken for "a b: x".
func policyNote(note string, ps []analysis.PolicyResult) (name, text string, ok bool) {
	for _, p := range ps {
		if rest, found := strings.CutPrefix(note, p.Name+": "); found && len(p.Name) > len(name) {
			name, text, ok = p.Name, rest, true
		}
	}
	return name, text, ok
}
