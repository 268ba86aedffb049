package yamlfile

import (
	"strings"
	"time"

	"go.yaml.in/yaml/v3"
)

// Duration is a time.Duration written in files as a Go duration string
// ("250ms", "2s", "1m30s"). A bare number other than 0 is an error, because
// "5" could mean seconds or milliseconds.
type Duration time.Duration

// D returns the time.Duration.
func (d Duration) D() time.Duration { return time.Duration(d) }

// UnmarshalYAML implements yaml.Unmarshaler.
func (d *Duration) UnmarshalYAML(n *yaml.Node) error {
	if n.Kind != yaml.ScalarNode {
		return NodeError(n, "expected a duration such as 250ms or 2s")
	}
	v, err := ParseDuration(n.Value)
	if err != nil {
		return NodeError(n, "%v", err)
	}
	*d = Duration(v)
	return nil
}

// MarshalYAML writes the Go duration string.
func (d Duration) MarshalYAML() (any, error) { return time.Duration(d).String(), nil }

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
