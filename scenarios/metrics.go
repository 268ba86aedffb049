package scenarios

import (
	"encoding/json"
	"fmt"
	"math"
	"reflect"
	"slices"
	"strings"

	"github.com/chaos-harness/chaos/analysis"
)

// metricNames are the comparable metrics of one policy's result, by their
// result.json names (dotted for nested ones). They are derived from the result
// type's JSON tags, so an assertion can name any number analysis reports.
var metricNames = numericJSONPaths(reflect.TypeOf(analysis.PolicyResult{}))

// MetricNames lists the metrics an assertion may name, sorted.
func MetricNames() []string { return slices.Clone(metricNames) }

func knownMetric(name string) bool {
	_, found := slices.BinarySearch(metricNames, name)
	return found
}

// numericJSONPaths lists the JSON paths of the numeric fields of a struct
// type, descending into nested structs and pointers to structs, sorted.
func numericJSONPaths(t reflect.Type) []string {
	var out []string
	var walk func(t reflect.Type, prefix string)
	walk = func(t reflect.Type, prefix string) {
		for t.Kind() == reflect.Pointer {
			t = t.Elem()
		}
		for i := 0; i < t.NumField(); i++ {
			f := t.Field(i)
			name, _, _ := strings.Cut(f.Tag.Get("json"), ",")
			if !f.IsExported() || name == "-" {
				continue
			}
			if name == "" {
				name = f.Name
			}
			path := name
			if prefix != "" {
				path = prefix + "." + name
			}
			ft := f.Type
			for ft.Kind() == reflect.Pointer {
				ft = ft.Elem()
			}
			switch ft.Kind() {
			case reflect.Int, reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64,
				reflect.Uint, reflect.Uint8, reflect.Uint16, reflect.Uint32, reflect.Uint64,
				reflect.Float32, reflect.Float64:
				out = append(out, path)
			case reflect.Struct:
				walk(ft, path)
			}
		}
	}
	walk(t, "")
	slices.Sort(out)
	return out
}

// MetricValue reads a metric by its dotted result.json name from a policy's
// result (any value that marshals to a JSON object). It reports false when the
// result has no such number.
func MetricValue(policyResult any, name string) (float64, error) {
	data, err := json.Marshal(policyResult)
	if err != nil {
		return math.NaN(), err
	}
	var obj map[string]any
	if err := json.Unmarshal(data, &obj); err != nil {
		return math.NaN(), fmt.Errorf("a policy result is not a JSON object: %w", err)
	}
	var cur any = obj
	for _, part := range strings.Split(name, ".") {
		m, ok := cur.(map[string]any)
		if !ok {
			return math.NaN(), fmt.Errorf("the result has no metric %q", name)
		}
		if cur, ok = m[part]; !ok {
			return math.NaN(), fmt.Errorf("the result has no metric %q", name)
		}
	}
	switch v := cur.(type) {
	case float64:
		return v, nil
	case nil:
		return math.NaN(), nil // a metric with no data, written as null
	}
	return math.NaN(), fmt.Errorf("metric %q is not a number", name)
}
