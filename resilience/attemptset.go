package resilience

import (
	"fmt"
	"strconv"
	"strings"
)

// attemptSet is a set of attempt results, written in policy files as a list of tokens:
// a status code ("429"), a status class ("4xx", "5xx"), or a failure kind
// ("refused", "reset", "eof", "timeout", "malformed", "network" for all five,
// "error" for any other error). The class 5xx leaves out 501 Not Implemented,
// which a retry cannot fix; list "501" to include it.
type attemptSet struct {
	statuses [10]uint64 // bit s for status s, 0..599
	kinds    uint16     // bit k for AttemptClass k
}

// parseAttemptSet builds an attemptSet from tokens. The error of a bad token names its
// index, so a loader can point at retry.on[i].
func parseAttemptSet(tokens []string) (attemptSet, error) {
	var m attemptSet
	for i, t := range tokens {
		if err := m.add(strings.TrimSpace(t)); err != nil {
			return attemptSet{}, &tokenError{Index: i, Err: err}
		}
	}
	return m, nil
}

// mustAttemptSet is parseAttemptSet for lists known to be valid in code.
func mustAttemptSet(tokens []string) attemptSet {
	m, err := parseAttemptSet(tokens)
	if err != nil {
		panic(err) // only called on the package's own constant lists
	}
	return m
}

// tokenError is a bad token at Index of a list.
type tokenError struct {
	Index int
	Err   error
}

func (e *tokenError) Error() string { return fmt.Sprintf("[%d]: %v", e.Index, e.Err) }
func (e *tokenError) Unwrap() error { return e.Err }

func (m *attemptSet) add(t string) error {
	switch strings.ToLower(t) {
	case "network":
		for k := ClassRefused; k <= ClassMalformed; k++ {
			m.kinds |= 1 << k
		}
		return nil
	case "refused", "reset", "eof", "timeout", "malformed", "error":
		for k := ClassRefused; k < kindCount; k++ {
			if kindNames[k] == strings.ToLower(t) {
				m.kinds |= 1 << k
			}
		}
		return nil
	case "4xx", "5xx":
		lo := int(t[0]-'0') * 100
		for s := lo; s < lo+100; s++ {
			if s != 501 {
				m.setStatus(s)
			}
		}
		return nil
	}
	s, err := strconv.Atoi(t)
	if err != nil {
		return fmt.Errorf("%q is not a status (429), a class (5xx) or a failure kind (refused, reset, eof, timeout, malformed, network, error)", t)
	}
	if s < 400 || s > 599 {
		return fmt.Errorf("status %d is not a failure status (400-599)", s)
	}
	m.setStatus(s)
	return nil
}

func (m *attemptSet) setStatus(s int) { m.statuses[s/64] |= 1 << (s % 64) }

// HasStatus reports whether status s is in the set.
func (m *attemptSet) HasStatus(s int) bool {
	return s >= 0 && s < 640 && m.statuses[s/64]&(1<<(s%64)) != 0
}

// Matches reports whether an attempt of this kind and status is in the set.
func (m *attemptSet) Matches(kind AttemptClass, status int) bool {
	if kind == ClassStatus {
		return m.HasStatus(status)
	}
	return m.kinds&(1<<kind) != 0
}
