package scenarios

import (
	"github.com/chaos-harness/chaos/analysis"
)

// MetricNames lists the metric paths an assertion may name, sorted, as
// analysis.MetricPaths gives them (retry_spread.<retry>.sd_ms for a list
// element named by its retry number).
func MetricNames() []string { return analysis.MetricPaths() }

// knownMetric reports whether name is a metric path of a policy's result.
func knownMetric(name string) bool { return analysis.CheckMetricPath(name) == nil }
