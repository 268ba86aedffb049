package yamlfile

import (
	"reflect"
	"strings"
	"time"

	"go.yaml.in/yaml/v3"
)

// Durations are plain time.Duration fields. Before a decode, checkDurations
// walks the nodes beside the Go type and reads every scalar that lands in a
// time.Duration with ParseDuration, so a file's durations follow this
// package's rules rather than yaml.v3's (which takes "-1s" and refuses "0"):
// a Go duration string, or a bare 0; a bare number other than 0 is an error
// because "5" could mean seconds or milliseconds. The node is rewritten to
// the canonical Go string ("0" becomes "0s"), which yaml.v3 then decodes; a
// bad one is rewritten to "0s" so the rest of the value still decodes (and
// its own problems are still found), and the first is reported.

var durationType = reflect.TypeOf(time.Duration(0))

// DecodeValue decodes n into v (a pointer) with this package's duration
// rules, without checking keys: for a custom UnmarshalYAML decoding its own
// node, or for a lenient second decode.
func DecodeValue(n *yaml.Node, v any) error {
	var first error
	checkDurations(n, reflect.TypeOf(v), map[aliasVisit]bool{}, &first)
	err := n.Decode(v)
	if first != nil {
		return first
	}
	return err
}

// DurationNode reads one scalar node as a duration, for a custom
// UnmarshalYAML whose value is a duration; the error names the node.
func DurationNode(n *yaml.Node) (time.Duration, error) {
	if n.Kind != yaml.ScalarNode {
		return 0, NodeError(n, "expected a duration such as 250ms or 2s")
	}
	v, err := ParseDuration(n.Value)
	if err != nil {
		return 0, NodeError(n, "%v", err)
	}
	return v, nil
}

// checkDurations walks n beside t, rewriting every duration node, and keeps
// the first problem in file order in *first. Types with their own
// UnmarshalYAML check their own nodes (with DecodeValue or DurationNode).
func checkDurations(n *yaml.Node, t reflect.Type, seen map[aliasVisit]bool, first *error) {
	walkFields(n, t, seen, func(n *yaml.Node, t reflect.Type) bool {
		if n.ShortTag() == "!!null" {
			return true // yaml.v3 leaves the zero value
		}
		if t != durationType {
			return false
		}
		v, err := DurationNode(n)
		if err != nil && *first == nil {
			*first = err
		}
		if n.Kind == yaml.ScalarNode {
			if canon := v.String(); n.Value != canon || n.ShortTag() != "!!str" {
				n.Value, n.Tag, n.Style = canon, "!!str", 0
			}
		}
		return true
	}, nil)
}

// ParseDuration parses a Go duration string, refusing negative values and bare
// numbers other than 0, with a message a person can act on.
func ParseDuration(s string) (time.Duration, error) {
	s = strings.TrimSpace(s)
	if s == "0" {
		return 0, nil
	}
	v, err := time.ParseDuration(s)
	if err != nil {
		if strings.Trim(s, "0123456789.") == "" && s != "" {
			return 0, errorString("duration " + quote(s) + " needs a unit, such as " + s + "s or " + s + "ms")
		}
		return 0, errorString("invalid duration " + quote(s) + " (use a Go duration such as 250ms, 2s or 1m30s)")
	}
	if v < 0 {
		return 0, errorString("duration " + quote(s) + " is negative")
	}
	return v, nil
}

type errorString string

func (e errorString) Error() string { return string(e) }

func quote(s string) string { return `"` + s + `"` }
