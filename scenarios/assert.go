package scenarios

import (
	"errors"
	"fmt"
	"math"
	"slices"
	"strconv"
	"strings"
	"time"

	"go.yaml.in/yaml/v3"

	"github.com/chaos-harness/chaos/analysis"
	"github.com/chaos-harness/chaos/internal/suggest"
	"github.com/chaos-harness/chaos/internal/yamlfile"
)

// Assertion is one line of the `assert:` block: a result metric compared with a
// value, for one policy or (Policy == "") for every policy.
type Assertion struct {
	Policy string  // "" for every policy
	Metric string  // a metric path of a policy's result (analysis.Lookup): completion_ms.p99, retry_spread.2.sd_ms
	Op     string  // one of >=, <=, ==, >, <
	Value  float64 // in the metric's unit (durations are given in ms for *_ms metrics)
	Field  string  // the field path in the file, for messages
	Line   int     // the line in the file
}

// String is the assertion as a person reads it: "full: success_rate >= 0.99".
func (a Assertion) String() string {
	s := fmt.Sprintf("%s %s %s", a.Metric, a.Op, strconv.FormatFloat(a.Value, 'g', -1, 64))
	if a.Policy != "" {
		s = a.Policy + ": " + s
	}
	return s
}

// Expected is the right-hand side as written: ">= 0.99".
func (a Assertion) Expected() string {
	return a.Op + " " + strconv.FormatFloat(a.Value, 'g', -1, 64)
}

// Holds reports whether a measured value satisfies the assertion. Equality
// allows a relative error of 1e-9, so a rate computed two ways still compares
// equal. NaN (a metric with no data) never holds.
func (a Assertion) Holds(measured float64) bool {
	if math.IsNaN(measured) {
		return false
	}
	switch a.Op {
	case ">=":
		return measured >= a.Value
	case "<=":
		return measured <= a.Value
	case ">":
		return measured > a.Value
	case "<":
		return measured < a.Value
	case "==":
		return math.Abs(measured-a.Value) <= 1e-9*math.Max(1, math.Abs(a.Value))
	}
	return false
}

// assertOps in the order they are tried, longest first.
var assertOps = []string{">=", "<=", "==", ">", "<"}

// parseCondition reads ">= 0.99", "== 0" or, for a metric in milliseconds,
// "<= 12s".
func parseCondition(metric, s string) (op string, value float64, err error) {
	s = strings.TrimSpace(s)
	for _, o := range assertOps {
		if rest, ok := strings.CutPrefix(s, o); ok {
			op, s = o, strings.TrimSpace(rest)
			break
		}
	}
	if op == "" {
		return "", 0, fmt.Errorf("%q needs a comparison: >=, <=, ==, > or < and a number, such as \">= 0.99\"", s)
	}
	if v, perr := strconv.ParseFloat(s, 64); perr == nil && !math.IsNaN(v) && !math.IsInf(v, 0) {
		return op, v, nil
	}
	if strings.HasSuffix(metric, "_ms") || strings.Contains(metric, "_ms.") {
		if d, derr := time.ParseDuration(s); derr == nil {
			return op, float64(d) / float64(time.Millisecond), nil
		}
		return "", 0, fmt.Errorf("%q is neither a number of milliseconds nor a duration such as 2s", s)
	}
	return "", 0, fmt.Errorf("%q is not a number", s)
}

// parseAssertions decodes the `assert:` node. A key that is a metric applies to
// every policy; a key that names a policy holds a mapping of that policy's own
// assertions. Problems are added to p.
func parseAssertions(n *yaml.Node, doc *yamlfile.Doc, policies []string, p *problems) []Assertion {
	if n == nil || n.Kind == 0 {
		return nil
	}
	if n.Kind != yaml.MappingNode {
		p.addErr("assert", yamlfile.NodeError(n, "expected a mapping of metric: condition, or policy: {metric: condition}"))
		return nil
	}
	var out []Assertion
	for i := 0; i+1 < len(n.Content); i += 2 {
		key, val := n.Content[i], n.Content[i+1]
		path := doc.PathOf(key)
		switch {
		case knownMetric(key.Value):
			if a, ok := parseAssertion(key, val, "", doc, p); ok {
				out = append(out, a)
			}
		case slices.Contains(policies, key.Value):
			if val.Kind != yaml.MappingNode {
				p.add(path, "expected a mapping of metric: condition for policy %q", key.Value)
				continue
			}
			for j := 0; j+1 < len(val.Content); j += 2 {
				mk := val.Content[j]
				if !knownMetric(mk.Value) {
					p.add(doc.PathOf(mk), "%s", unknownMetricMessage(mk.Value, nil))
					continue
				}
				if a, ok := parseAssertion(mk, val.Content[j+1], key.Value, doc, p); ok {
					out = append(out, a)
				}
			}
		default:
			p.add(path, "%s", unknownMetricMessage(key.Value, policies))
		}
	}
	return out
}

func parseAssertion(key, val *yaml.Node, policy string, doc *yamlfile.Doc, p *problems) (Assertion, bool) {
	path := doc.PathOf(key)
	if val.Kind != yaml.ScalarNode {
		p.add(path, "expected a condition such as \">= 0.99\"")
		return Assertion{}, false
	}
	op, v, err := parseCondition(key.Value, val.Value)
	if err != nil {
		p.add(path, "%v", err)
		return Assertion{}, false
	}
	return Assertion{Policy: policy, Metric: key.Value, Op: op, Value: v, Field: path, Line: key.Line}, true
}

// unknownMetricMessage explains a key that is no metric path (and, where
// policies is not nil, no policy either). A dotted path, or a name that
// stops short of a number, is explained where it goes wrong, with the near
// path; an unknown plain name is set against every metric and policy name.
func unknownMetricMessage(name string, policies []string) string {
	var pathErr *analysis.MetricPathError
	if err := analysis.CheckMetricPath(name); errors.As(err, &pathErr) && (pathErr.At > 0 || strings.Contains(name, ".")) {
		return pathErr.Error()
	}
	candidates := append(MetricNames(), policies...)
	msg := fmt.Sprintf("%q is neither a result metric nor a policy of this scenario", name)
	if policies == nil {
		msg = fmt.Sprintf("%q is not a result metric", name)
	}
	if near := suggest.Nearest(name, candidates); near != "" {
		msg += fmt.Sprintf(" (did you mean %q?)", near)
	}
	return msg
}
