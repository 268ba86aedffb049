// Package suggest finds the likely intended word for a misspelt one: the
// "did you mean" of every error about an unknown key, flag value, metric
// path or scenario name. It has no dependencies, so that packages which only
// name things (analysis) do not pull in the YAML parsers.
package suggest

import "strings"

// Nearest returns the candidate nearest to name by edit distance when it is near
// enough to be a likely typo (a third of the name's length in edits, at least
// one: "nope" is not a typo of "mode"); "" otherwise.
func Nearest(name string, candidates []string) string {
	best, bestDist := "", max(1, len(name)/3)+1
	for _, c := range candidates {
		dist := editDistance(strings.ToLower(name), strings.ToLower(c))
		if dist < bestDist || (dist == bestDist && best != "" && closerTie(name, c, best)) {
			best, bestDist = c, dist
		}
	}
	return best
}

// closerTie breaks a tie in edit distance: the longer common prefix wins
// (max_retry means max_retries, not max_delay), then alphabetical order.
func closerTie(name, c, best string) bool {
	pc, pb := commonPrefix(name, c), commonPrefix(name, best)
	if pc != pb {
		return pc > pb
	}
	return c < best
}

func commonPrefix(a, b string) int {
	n := 0
	for n < len(a) && n < len(b) && a[n] == b[n] {
		n++
	}
	return n
}

// editDistance is the optimal string alignment distance (Damerau's
// extension of Levenshtein's): insertions, deletions, substitutions, and
// transpositions of two adjacent letters, each one edit, so "retyr" is one
// edit from "retry", as a person counts a typo.
func editDistance(a, b string) int {
	rows := [3][]int{make([]int, len(b)+1), make([]int, len(b)+1), make([]int, len(b)+1)}
	prev2, prev, cur := rows[0], rows[1], rows[2]
	for j := range prev {
		prev[j] = j
	}
	for i := 1; i <= len(a); i++ {
		cur[0] = i
		for j := 1; j <= len(b); j++ {
			cost := 1
			if a[i-1] == b[j-1] {
				cost = 0
			}
			cur[j] = min(prev[j]+1, cur[j-1]+1, prev[j-1]+cost)
			if i > 1 && j > 1 && a[i-1] == b[j-2] && a[i-2] == b[j-1] {
				cur[j] = min(cur[j], prev2[j-2]+1)
			}
		}
		prev2, prev, cur = prev, cur, prev2
	}
	return prev[len(b)]
}
