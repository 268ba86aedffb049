package main

import (
	"fmt"
	"reflect"
	"strconv"
	"strings"
	"time"

	"github.com/chaos-harness/chaos/internal/suggest"
	"github.com/chaos-harness/chaos/internal/yamlfile"
	"github.com/chaos-harness/chaos/resilience"
)

// The knobs of `chaos tune --vary` and `chaos compare`: every field of a
// resilience.Config, found by reflection over its YAML names, so a new field
// is a knob without a list to keep.

// policyKeys lists every knob setKnob accepts, as full paths
// ("retry.max_retries").
func policyKeys() []string {
	var keys []string
	collectKeys(reflect.TypeFor[resilience.Config](), "", &keys)
	return keys
}

var durationType = reflect.TypeFor[time.Duration]()

func collectKeys(t reflect.Type, prefix string, into *[]string) {
	for i := range t.NumField() {
		f := t.Field(i)
		name := yamlName(f)
		if name == "" || name == "name" {
			continue
		}
		path := joinPath(prefix, name)
		ft := f.Type
		if ft.Kind() == reflect.Pointer && ft.Elem().Kind() == reflect.Struct {
			collectKeys(ft.Elem(), path, into)
			continue
		}
		if ft.Kind() == reflect.Map {
			continue // headers of a static response: not a sweepable knob
		}
		*into = append(*into, path)
	}
}

func yamlName(f reflect.StructField) string {
	name, _, _ := strings.Cut(f.Tag.Get("yaml"), ",")
	if name == "-" {
		return ""
	}
	return name
}

func joinPath(prefix, name string) string {
	if prefix == "" {
		return name
	}
	return prefix + "." + name
}

// resolveKey turns a key as a person writes it for a sweep into its full
// path: a full path ("retry.base") or a unique last part ("base",
// "tokens.max"). Ambiguous and unknown keys are errors that list the
// candidates or suggest the near one.
func resolveKey(key string) (string, error) {
	keys := policyKeys()
	var matches []string
	for _, k := range keys {
		if k == key {
			return k, nil
		}
		if strings.HasSuffix(k, "."+key) {
			matches = append(matches, k)
		}
	}
	switch len(matches) {
	case 1:
		return matches[0], nil
	case 0:
		msg := fmt.Sprintf("unknown policy key %q", key)
		if s := suggestKey(key, keys); s != "" {
			msg += fmt.Sprintf(" (did you mean %q?)", s)
		}
		return "", fmt.Errorf("%s", msg)
	}
	return "", fmt.Errorf("policy key %q is ambiguous: %s", key, strings.Join(matches, ", "))
}

// setKnob sets one knob from its text, for parameter sweeps (`chaos tune
// --vary retry.max_retries=3,5` or `--vary base=100ms`). The key is resolved
// by resolveKey; a missing section is created with its defaults. Durations
// are Go duration strings; lists are separated by '|' or spaces ("429|5xx");
// max_retries counts as in files (0: no retry). The error reports a value
// that does not parse, or the problems the new value causes (see
// resilience.Config.Problems).
func setKnob(c *resilience.Config, key, value string) error {
	path, err := resolveKey(key)
	if err != nil {
		return err
	}
	v := reflect.ValueOf(c).Elem()
	parts := strings.Split(path, ".")
	for i, part := range parts {
		f := fieldByYAML(v, part)
		if i == len(parts)-1 {
			if err := setText(f, value); err != nil {
				return fmt.Errorf("%s: %w", path, err)
			}
			if path == "retry.max_retries" {
				// As in files, 0 is no retry.
				if c.Retry.MaxRetries < 0 {
					return fmt.Errorf("%s: must be 0 or more, got %d", path, c.Retry.MaxRetries)
				}
				c.Retry.MaxRetries = resilience.FileMaxRetries(c.Retry.MaxRetries)
			}
			break
		}
		if f.IsNil() {
			f.Set(reflect.New(f.Type().Elem()))
		}
		v = f.Elem()
	}
	var msgs []string
	for _, p := range c.Problems() {
		if p.Path == path || strings.HasPrefix(p.Path, path+"[") || strings.HasPrefix(path, p.Path+".") {
			msgs = append(msgs, p.Error())
		}
	}
	if len(msgs) > 0 {
		return fmt.Errorf("%s", strings.Join(msgs, "; "))
	}
	return nil
}

// suggestKey finds the near key among full paths and their last parts.
func suggestKey(key string, keys []string) string {
	if s := suggest.Nearest(key, keys); s != "" {
		return s
	}
	last := make([]string, len(keys))
	for i, k := range keys {
		last[i] = k[strings.LastIndex(k, ".")+1:]
	}
	s := suggest.Nearest(key, last)
	for i, l := range last {
		if l == s {
			return keys[i]
		}
	}
	return ""
}

func fieldByYAML(v reflect.Value, name string) reflect.Value {
	t := v.Type()
	for i := range t.NumField() {
		if yamlName(t.Field(i)) == name {
			return v.Field(i)
		}
	}
	panic("policy knobs: no field " + name) // unreachable: paths come from policyKeys
}

func setText(f reflect.Value, text string) error {
	text = strings.TrimSpace(text)
	if f.Kind() == reflect.Pointer {
		p := reflect.New(f.Type().Elem())
		if err := setText(p.Elem(), text); err != nil {
			return err
		}
		f.Set(p)
		return nil
	}
	if f.Type() == durationType {
		d, err := yamlfile.ParseDuration(text)
		if err != nil {
			return err
		}
		f.SetInt(int64(d))
		return nil
	}
	switch f.Kind() {
	case reflect.String:
		f.SetString(text)
	case reflect.Bool:
		b, err := strconv.ParseBool(text)
		if err != nil {
			return fmt.Errorf("%q is not true or false", text)
		}
		f.SetBool(b)
	case reflect.Int:
		n, err := strconv.Atoi(text)
		if err != nil {
			return fmt.Errorf("%q is not a whole number", text)
		}
		f.SetInt(int64(n))
	case reflect.Float64:
		x, err := strconv.ParseFloat(text, 64)
		if err != nil {
			return fmt.Errorf("%q is not a number", text)
		}
		f.SetFloat(x)
	case reflect.Slice:
		items := strings.FieldsFunc(text, func(r rune) bool { return r == '|' || r == ' ' })
		s := reflect.MakeSlice(f.Type(), len(items), len(items))
		for i, item := range items {
			if err := setText(s.Index(i), item); err != nil {
				return fmt.Errorf("[%d]: %w", i, err)
			}
		}
		f.Set(s)
	default:
		return fmt.Errorf("cannot be set from text")
	}
	return nil
}
