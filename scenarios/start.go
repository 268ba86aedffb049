package scenarios

import (
	"fmt"
	"math"
	"strconv"
	"strings"
	"time"

	"go.yaml.in/yaml/v3"

	"github.com/chaos-harness/chaos/internal/suggest"
	"github.com/chaos-harness/chaos/internal/yamlfile"
)

// StartKind is how a fleet's clients start.
type StartKind int

// Start kinds: `together` (the zero value), `{spread: D}`, `{poisson: R/s}`.
const (
	StartTogether StartKind = iota // every client starts at time 0
	StartSpread                    // start times uniform over [0, Spread)
	StartPoisson                   // a Poisson process of rate Rate: exponential gaps
)

// Start is the fleet's arrival process. Its zero value is `together`.
type Start struct {
	Kind   StartKind
	Spread time.Duration // for StartSpread
	Rate   float64       // clients per second, for StartPoisson
}

func (s Start) String() string {
	switch s.Kind {
	case StartSpread:
		return fmt.Sprintf("{spread: %v}", s.Spread)
	case StartPoisson:
		return fmt.Sprintf("{poisson: %g/s}", s.Rate)
	}
	return "together"
}

// UnmarshalYAML reads `together`, `{spread: 10s}` or `{poisson: 50/s}`.
func (s *Start) UnmarshalYAML(n *yaml.Node) error {
	const want = "expected together, {spread: DURATION} or {poisson: RATE/s}"
	switch n.Kind {
	case yaml.ScalarNode:
		if n.Value != "together" {
			return yamlfile.NodeError(n, "unknown start %q: %s", n.Value, want)
		}
		*s = Start{Kind: StartTogether}
		return nil
	case yaml.MappingNode:
		if len(n.Content) != 2 {
			return yamlfile.NodeError(n, "%s (exactly one key)", want)
		}
		key, val := n.Content[0], n.Content[1]
		switch key.Value {
		case "spread":
			d, err := yamlfile.DurationNode(val)
			if err != nil {
				return err
			}
			if d <= 0 {
				return yamlfile.NodeError(val, "spread must be longer than 0")
			}
			*s = Start{Kind: StartSpread, Spread: d}
			return nil
		case "poisson":
			r, err := ParseRate(val.Value)
			if err != nil {
				return yamlfile.NodeError(val, "%v", err)
			}
			*s = Start{Kind: StartPoisson, Rate: r}
			return nil
		}
		msg := fmt.Sprintf("unknown start %q: %s", key.Value, want)
		if near := suggest.Nearest(key.Value, []string{"spread", "poisson"}); near != "" {
			msg += fmt.Sprintf(" (did you mean %q?)", near)
		}
		return yamlfile.NodeError(key, "%s", msg)
	}
	return yamlfile.NodeError(n, "%s", want)
}

// MarshalYAML writes the form UnmarshalYAML reads.
func (s Start) MarshalYAML() (any, error) {
	switch s.Kind {
	case StartSpread:
		return map[string]string{"spread": s.Spread.String()}, nil
	case StartPoisson:
		return map[string]string{"poisson": strconv.FormatFloat(s.Rate, 'g', -1, 64) + "/s"}, nil
	}
	return "together", nil
}

// rateUnits are the denominators a rate may use.
var rateUnits = map[string]float64{"ms": 1000, "s": 1, "m": 1.0 / 60, "min": 1.0 / 60, "h": 1.0 / 3600}

// ParseRate reads a rate such as "50/s", "3000/m" or "0.5/ms" and returns it per
// second.
func ParseRate(s string) (float64, error) {
	num, unit, ok := strings.Cut(strings.TrimSpace(s), "/")
	if !ok {
		return 0, fmt.Errorf("rate %q needs a unit, such as %s/s", s, s)
	}
	perUnit, known := rateUnits[strings.TrimSpace(unit)]
	if !known {
		return 0, fmt.Errorf("rate %q: unknown unit %q (use /ms, /s, /m or /h)", s, unit)
	}
	v, err := strconv.ParseFloat(strings.TrimSpace(num), 64)
	if err != nil || math.IsNaN(v) || math.IsInf(v, 0) {
		return 0, fmt.Errorf("rate %q: %q is not a number", s, num)
	}
	if v <= 0 {
		return 0, fmt.Errorf("rate %q must be above 0", s)
	}
	perSecond := v * perUnit
	if perSecond <= 0 || math.IsInf(perSecond, 0) {
		return 0, fmt.Errorf("rate %q is out of range", s)
	}
	return perSecond, nil
}
