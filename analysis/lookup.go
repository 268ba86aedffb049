package analysis

import (
	"fmt"
	"math"
	"reflect"
	"slices"
	"strconv"
	"strings"

	"github.com/chaos-harness/chaos/internal/suggest"
	"github.com/chaos-harness/chaos/record"
)

// Metric paths name any number of a policy's result by its result.json
// form, one dotted segment per level, so an assertion or a matcher can name
// a figure added tomorrow without code of its own:
//
//	success_rate              a field
//	completion_ms.p99         a field of an object
//	success_rate_ci.0         an element of a fixed-size array, by position
//	retry_spread.2.sd_ms      an element of a list of objects, by its first
//	retry_delays.1.ks.d       field (retry, attempts, phase): retry 2 here
//	faults.status             a count of a map, by key
//
// They are resolved by reflection over the JSON tags of PolicyResult, in this
// one place: Lookup reads one, CheckMetricPath validates one, MetricPaths
// lists them.

// Reading is a metric's value in one result, or why the result cannot tell
// it.
type Reading struct {
	Value float64
	// Unknown says why there is no value ("" when Value is known): the figure
	// is null (the log cannot support it), or a list has no element with the
	// key the path names in this run.
	Unknown string
}

// Known reports whether the result gave the metric a value.
func (r Reading) Known() bool { return r.Unknown == "" }

// MetricPathError is a path that names no number of a policy's result.
type MetricPathError struct {
	Path   string
	Reason string
	// At is the index of the dotted segment that went wrong; the number of
	// segments when the path stops short of a number.
	At int
	// Suggestion is the valid path nearest to Path, "" when none is near.
	Suggestion string
}

func (e *MetricPathError) Error() string {
	msg := fmt.Sprintf("%q is not a result metric: %s", e.Path, e.Reason)
	if e.Suggestion != "" {
		msg += fmt.Sprintf(" (did you mean %q?)", e.Suggestion)
	}
	return msg
}

// Lookup reads the number at path from p. The error is a *MetricPathError
// when path names no number of a PolicyResult; a path that is valid but has
// no value in this result (a null, a retry this run did not reach) gives a
// Reading that is not Known, with the reason.
func Lookup(p *PolicyResult, path string) (Reading, error) {
	return resolve(reflect.ValueOf(p).Elem(), path)
}

// CheckMetricPath reports, as a *MetricPathError, whether path names no
// number of a PolicyResult. It does not say whether a given run has it.
func CheckMetricPath(path string) error {
	_, err := resolve(reflect.Value{}, path)
	return err
}

// MetricPaths lists the metric paths, sorted, with the key of a list element
// shown as its field's name in angle brackets: retry_spread.<retry>.sd_ms.
func MetricPaths() []string { return slices.Clone(metricPaths) }

var (
	policyResultType = reflect.TypeOf(PolicyResult{})
	metricPaths      = listPaths(policyResultType, "", nil)
)

// mapKeys are the keys a map of the result may have, by the map's path, so
// a misspelt key is refused rather than read as a count of 0.
var mapKeys = map[string][]string{
	"faults": {record.FaultNone, record.FaultStatus, record.FaultDelay, record.FaultHang,
		record.FaultReset, record.FaultClose, record.FaultTruncate, record.FaultSlow,
		record.FaultMalformed, record.FaultOverload, record.FaultStream},
}

// resolve walks path through the type of PolicyResult and, when v is valid,
// through v: one walk both validates a path and reads it.
func resolve(v reflect.Value, path string) (Reading, error) {
	t := policyResultType
	segs := strings.Split(path, ".")
	unknown := "" // set once the value is gone; the type walk goes on
	for i := 0; ; i++ {
		done := strings.Join(segs[:i], ".")
		for t.Kind() == reflect.Pointer {
			if v.IsValid() && v.IsNil() && unknown == "" {
				unknown = done + " is null in this result: the run gave no figure for it"
			}
			t = t.Elem()
			if v.IsValid() {
				v = v.Elem()
			}
		}
		if i == len(segs) {
			return leaf(t, v, path, done, unknown)
		}
		seg := segs[i]
		bad := func(reason string, candidates []string) (Reading, error) {
			e := &MetricPathError{Path: path, Reason: reason, At: i}
			near := suggest.Nearest(seg, candidates)
			switch {
			case near != "":
				e.Suggestion = strings.Join(slices.Concat(segs[:i], []string{near}, segs[i+1:]), ".")
			case done != "" && len(candidates) > 0:
				e.Reason += "; it has " + listSome(candidates, 8)
			}
			return Reading{}, e
		}
		switch t.Kind() {
		case reflect.Struct:
			f, ok := fieldByJSON(t, seg)
			if !ok {
				where := "a policy's result has"
				if done != "" {
					where = done + " has"
				}
				return bad(fmt.Sprintf("%s no field %q", where, seg), fieldNames(t))
			}
			t = f.Type
			if v.IsValid() {
				v = v.FieldByIndex(f.Index)
			}
		case reflect.Array:
			n, err := strconv.Atoi(seg)
			if err != nil || n < 0 || n >= t.Len() {
				return bad(fmt.Sprintf("%s has elements 0 to %d, not %q", done, t.Len()-1, seg), nil)
			}
			t = t.Elem()
			if v.IsValid() {
				v = v.Index(n)
			}
		case reflect.Slice:
			key, ok := listKey(t)
			if !ok {
				return bad(done+" is a list whose elements have no key to name them by", nil)
			}
			want, err := parseKey(key.Type, seg)
			if err != nil {
				return bad(fmt.Sprintf("%s is addressed by %s: %v", done, jsonName(key), err), nil)
			}
			t = t.Elem()
			if v.IsValid() {
				v = findByKey(v, key, want)
				if !v.IsValid() && unknown == "" {
					unknown = fmt.Sprintf("%s has no element with %s %s in this run", done, jsonName(key), seg)
				}
			}
		case reflect.Map:
			if keys, listed := mapKeys[done]; listed && !slices.Contains(keys, seg) {
				return bad(fmt.Sprintf("%s has the keys %s, not %q", done, strings.Join(keys, ", "), seg), keys)
			}
			t = t.Elem()
			if v.IsValid() {
				e := v.MapIndex(reflect.ValueOf(seg).Convert(v.Type().Key()))
				switch {
				case e.IsValid():
					v = e
				case isNumber(t):
					v = reflect.Zero(t) // a count of nothing: the key is absent because it is 0
				default:
					v = reflect.Value{}
					if unknown == "" {
						unknown = fmt.Sprintf("%s has no key %q in this run", done, seg)
					}
				}
			}
		default:
			return bad(fmt.Sprintf("%s is a number, with no field %q", done, seg), nil)
		}
	}
}

// leaf reads the number the walk ended on.
func leaf(t reflect.Type, v reflect.Value, path, done, unknown string) (Reading, error) {
	if !isNumber(t) {
		return Reading{}, &MetricPathError{Path: path, Reason: notANumber(t, done), At: strings.Count(path, ".") + 1}
	}
	if unknown != "" || !v.IsValid() {
		return Reading{Value: math.NaN(), Unknown: unknown}, nil
	}
	var x float64
	switch {
	case v.CanInt():
		x = float64(v.Int())
	case v.CanUint():
		x = float64(v.Uint())
	default:
		x = v.Float()
	}
	if math.IsNaN(x) || math.IsInf(x, 0) {
		return Reading{Value: math.NaN(), Unknown: path + " is not a finite number in this result"}, nil
	}
	return Reading{Value: x}, nil
}

// notANumber explains a path that stops short of a number, naming the
// numbers inside it.
func notANumber(t reflect.Type, done string) string {
	sub := listPaths(t, done, nil)
	if len(sub) == 0 {
		return fmt.Sprintf("%s is a %s, not a number", done, t.Kind())
	}
	slices.Sort(sub)
	return fmt.Sprintf("%s is not a number; name one inside it: %s", done, listSome(sub, 6))
}

// listSome joins up to n names, saying how many more there are.
func listSome(names []string, n int) string {
	if len(names) <= n {
		return strings.Join(names, ", ")
	}
	return fmt.Sprintf("%s and %d more", strings.Join(names[:n], ", "), len(names)-n)
}

func isNumber(t reflect.Type) bool {
	switch t.Kind() {
	case reflect.Int, reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64,
		reflect.Uint, reflect.Uint8, reflect.Uint16, reflect.Uint32, reflect.Uint64,
		reflect.Float32, reflect.Float64:
		return true
	}
	return false
}

// jsonFields are a struct's fields as encoding/json sees them: named by
// their tag, with untagged embedded structs flattened.
func jsonFields(t reflect.Type) []reflect.StructField {
	var out []reflect.StructField
	for _, f := range reflect.VisibleFields(t) {
		tag, _, _ := strings.Cut(f.Tag.Get("json"), ",")
		if !f.IsExported() || tag == "-" || (f.Anonymous && tag == "" && f.Type.Kind() == reflect.Struct) {
			continue
		}
		out = append(out, f)
	}
	return out
}

func jsonName(f reflect.StructField) string {
	if name, _, _ := strings.Cut(f.Tag.Get("json"), ","); name != "" {
		return name
	}
	return f.Name
}

func fieldByJSON(t reflect.Type, name string) (reflect.StructField, bool) {
	for _, f := range jsonFields(t) {
		if jsonName(f) == name {
			return f, true
		}
	}
	return reflect.StructField{}, false
}

// fieldNames are the fields of t that lead to a number.
func fieldNames(t reflect.Type) []string {
	var out []string
	for _, f := range jsonFields(t) {
		if len(listPaths(f.Type, jsonName(f), nil)) > 0 {
			out = append(out, jsonName(f))
		}
	}
	return out
}

// listKey is the field a list's elements are named by: their first field,
// when it is an integer or a string (retry, attempts, phase).
func listKey(t reflect.Type) (reflect.StructField, bool) {
	e := t.Elem()
	for e.Kind() == reflect.Pointer {
		e = e.Elem()
	}
	if e.Kind() != reflect.Struct {
		return reflect.StructField{}, false
	}
	fs := jsonFields(e)
	if len(fs) == 0 || !(fs[0].Type.Kind() == reflect.String || isNumber(fs[0].Type) && fs[0].Type.Kind() != reflect.Float32 && fs[0].Type.Kind() != reflect.Float64) {
		return reflect.StructField{}, false
	}
	return fs[0], true
}

// parseKey reads a path segment as a value of a list's key type.
func parseKey(t reflect.Type, seg string) (reflect.Value, error) {
	if t.Kind() == reflect.String {
		return reflect.ValueOf(seg).Convert(t), nil
	}
	n, err := strconv.ParseInt(seg, 10, 64)
	if err != nil {
		return reflect.Value{}, fmt.Errorf("%q is not a whole number", seg)
	}
	return reflect.ValueOf(n).Convert(t), nil
}

// findByKey is the element of list whose key field equals want; the zero
// Value when there is none.
func findByKey(list reflect.Value, key reflect.StructField, want reflect.Value) reflect.Value {
	for i := range list.Len() {
		e := list.Index(i)
		for e.Kind() == reflect.Pointer && !e.IsNil() {
			e = e.Elem()
		}
		if e.Kind() == reflect.Struct && e.FieldByIndex(key.Index).Equal(want) {
			return list.Index(i)
		}
	}
	return reflect.Value{}
}

// listPaths lists the metric paths under t at prefix; seen guards against a
// type that contains itself.
func listPaths(t reflect.Type, prefix string, seen []reflect.Type) []string {
	for t.Kind() == reflect.Pointer {
		t = t.Elem()
	}
	join := func(seg string) string {
		if prefix == "" {
			return seg
		}
		return prefix + "." + seg
	}
	if isNumber(t) {
		return []string{prefix}
	}
	if slices.Contains(seen, t) {
		return nil
	}
	seen = append(seen, t)
	var out []string
	switch t.Kind() {
	case reflect.Struct:
		for _, f := range jsonFields(t) {
			out = append(out, listPaths(f.Type, join(jsonName(f)), seen)...)
		}
	case reflect.Array:
		for i := range t.Len() {
			out = append(out, listPaths(t.Elem(), join(strconv.Itoa(i)), seen)...)
		}
	case reflect.Slice:
		if key, ok := listKey(t); ok {
			elem := join("<" + jsonName(key) + ">")
			for _, p := range listPaths(t.Elem(), elem, seen) {
				if p != elem+"."+jsonName(key) { // the key itself is in the path already
					out = append(out, p)
				}
			}
		}
	case reflect.Map:
		keys, listed := mapKeys[prefix]
		if !listed {
			keys = []string{"<key>"}
		}
		for _, k := range keys {
			out = append(out, listPaths(t.Elem(), join(k), seen)...)
		}
	}
	if prefix == "" {
		slices.Sort(out)
	}
	return out
}
