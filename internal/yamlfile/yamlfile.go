// Package yamlfile decodes YAML configuration files strictly and reports every
// problem with the file, line, column and field path it concerns, suggesting the
// near name for an unknown key. time.Duration fields read Go durations with
// ParseDuration's rules (see DecodeValue). The scenario format, the fault
// script and the resilience profiles all read their files through it.
package yamlfile

import (
	"errors"
	"fmt"
	"reflect"
	"regexp"
	"strconv"
	"strings"

	"github.com/chaos-harness/chaos/internal/suggest"
	"go.yaml.in/yaml/v3"
)

// Error is one problem in a YAML file.
type Error struct {
	File   string
	Line   int
	Column int
	Field  string // dotted path such as server.phases[2].duration; empty at the root
	Msg    string
}

func (e *Error) Error() string {
	var b strings.Builder
	b.WriteString(e.File)
	if e.Line > 0 {
		fmt.Fprintf(&b, ":%d", e.Line)
		if e.Column > 0 {
			fmt.Fprintf(&b, ":%d", e.Column)
		}
	}
	b.WriteString(": ")
	if e.Field != "" {
		b.WriteString(e.Field)
		b.WriteString(": ")
	}
	b.WriteString(e.Msg)
	return b.String()
}

// Errors is every problem found in one file, in file order.
type Errors []*Error

func (es Errors) Error() string {
	msgs := make([]string, len(es))
	for i, e := range es {
		msgs[i] = e.Error()
	}
	return strings.Join(msgs, "\n")
}

// Doc is a parsed file: its name and node tree, for locating fields after decoding.
type Doc struct {
	File string
	Root *yaml.Node // the document's top node (a mapping for every format here)
	// paths maps every node to its dotted field path; byPath maps back, to the
	// key node of a mapping entry.
	paths  map[*yaml.Node]string
	byPath map[string]*yaml.Node
}

// Parse reads data as one YAML document.
func Parse(file string, data []byte) (*Doc, error) {
	var doc yaml.Node
	if err := yaml.Unmarshal(data, &doc); err != nil {
		return nil, syntaxError(file, data, err)
	}
	d := &Doc{File: file, paths: map[*yaml.Node]string{}, byPath: map[string]*yaml.Node{}}
	if len(doc.Content) == 0 {
		return nil, &Error{File: file, Msg: "the file is empty"}
	}
	d.Root = doc.Content[0]
	d.index(d.Root, "")
	return d, nil
}

// Decode parses data and decodes it strictly into v (a pointer).
func Decode(file string, data []byte, v any) (*Doc, error) {
	d, err := Parse(file, data)
	if err != nil {
		return nil, err
	}
	return d, d.DecodeNode(d.Root, v)
}

// DecodeNode decodes one node of the document strictly into v: keys that name no
// field are errors with a suggestion, values of the wrong type are errors naming
// their field, and time.Duration fields read Go durations with ParseDuration's
// rules.
func (d *Doc) DecodeNode(n *yaml.Node, v any) error {
	var errs Errors
	d.checkKeys(n, reflect.TypeOf(v), &errs, map[aliasVisit]bool{})
	if len(errs) > 0 {
		return errs
	}
	if err := DecodeValue(n, v); err != nil {
		return d.decodeError(err)
	}
	return nil
}

// Errorf makes an Error located at the node of path (or, when the path has no
// node, at its nearest ancestor that has one).
func (d *Doc) Errorf(path, format string, args ...any) *Error {
	e := &Error{File: d.File, Field: path, Msg: fmt.Sprintf(format, args...)}
	if n := d.Lookup(path); n != nil {
		e.Line, e.Column = n.Line, n.Column
	}
	return e
}

// Lookup finds the node at a dotted path (for a mapping entry, its key, which
// is where a person looks), or else the node of its nearest ancestor.
func (d *Doc) Lookup(path string) *yaml.Node {
	for {
		if n, ok := d.byPath[path]; ok {
			return n
		}
		i := strings.LastIndexAny(path, ".[")
		if i < 0 {
			return d.Root
		}
		path = path[:i]
	}
}

// PathOf returns the dotted path of a node of this document.
func (d *Doc) PathOf(n *yaml.Node) string { return d.paths[n] }

func (d *Doc) index(n *yaml.Node, path string) {
	if n == nil {
		return
	}
	if _, seen := d.paths[n]; !seen {
		d.paths[n] = path
	}
	if _, seen := d.byPath[path]; !seen {
		d.byPath[path] = n
	}
	switch n.Kind {
	case yaml.MappingNode:
		for i := 0; i+1 < len(n.Content); i += 2 {
			child := join(path, n.Content[i].Value)
			d.paths[n.Content[i]] = child
			d.byPath[child] = n.Content[i]
			d.index(n.Content[i+1], child)
		}
	case yaml.SequenceNode:
		for i, c := range n.Content {
			d.index(c, fmt.Sprintf("%s[%d]", path, i))
		}
	case yaml.AliasNode:
		// An anchor comes before its aliases, so its node is indexed already:
		// following it again would loop on an anchor that contains itself and
		// expand nested aliases exponentially.
		if _, seen := d.paths[n.Alias]; !seen {
			d.index(n.Alias, path)
		}
	}
}

func join(path, key string) string {
	if path == "" {
		return key
	}
	return path + "." + key
}

var unmarshalerType = reflect.TypeOf((*yaml.Unmarshaler)(nil)).Elem()

// aliasVisit is an aliased node checked against a type.
type aliasVisit struct {
	node *yaml.Node
	t    reflect.Type
}

// walkTo steps from a node and the Go type it decodes into to what a walk
// beside them visits: an alias's anchor (once per type, so an anchor that
// contains itself, or aliases nested many deep, cannot make a walk loop or
// explode) and a pointer's element. ok is false when there is nothing to
// visit, or when the type has its own UnmarshalYAML, which checks its own
// node.
func walkTo(n *yaml.Node, t reflect.Type, seen map[aliasVisit]bool) (*yaml.Node, reflect.Type, bool) {
	if n == nil || t == nil {
		return nil, nil, false
	}
	if n.Kind == yaml.AliasNode {
		n = n.Alias
		if n == nil || seen[aliasVisit{n, t}] {
			return nil, nil, false
		}
		seen[aliasVisit{n, t}] = true
	}
	for t.Kind() == reflect.Pointer {
		if t.Implements(unmarshalerType) {
			return nil, nil, false
		}
		t = t.Elem()
	}
	if reflect.PointerTo(t).Implements(unmarshalerType) || t.Implements(unmarshalerType) {
		return nil, nil, false
	}
	return n, t, true
}

// checkKeys walks the node beside the Go type it decodes into and reports every
// mapping key that names no field. An aliased node is checked once per type,
// so an anchor that contains itself, or aliases nested many deep, cannot make
// the walk loop or explode.
func (d *Doc) checkKeys(n *yaml.Node, t reflect.Type, errs *Errors, seen map[aliasVisit]bool) {
	walkFields(n, t, seen, nil, func(k *yaml.Node, fields map[string]reflect.Type) {
		names := make([]string, 0, len(fields))
		for name := range fields {
			names = append(names, name)
		}
		msg := fmt.Sprintf("unknown field %q", k.Value)
		if s := suggest.Nearest(k.Value, names); s != "" {
			msg += fmt.Sprintf(" (did you mean %q?)", s)
		}
		*errs = append(*errs, &Error{File: d.File, Line: k.Line, Column: k.Column, Field: d.paths[k], Msg: msg})
	})
}

// walkFields walks n beside the Go type t it decodes into, as the decoder
// will (walkTo: aliases once per type, pointers, types that decode
// themselves left alone): into a struct's fields by their keys, a list's
// elements and a map's values. leaf, when set, sees each node first and
// returns true when it has dealt with it; unknown, when set, gets each key
// of a struct's mapping that names no field.
func walkFields(n *yaml.Node, t reflect.Type, seen map[aliasVisit]bool,
	leaf func(n *yaml.Node, t reflect.Type) bool, unknown func(k *yaml.Node, fields map[string]reflect.Type)) {
	n, t, ok := walkTo(n, t, seen)
	if !ok || (leaf != nil && leaf(n, t)) {
		return
	}
	switch t.Kind() {
	case reflect.Struct:
		if n.Kind != yaml.MappingNode {
			return // a type error, reported by the decoder with its line
		}
		fields := map[string]reflect.Type{}
		collectFields(t, fields)
		for i := 0; i+1 < len(n.Content); i += 2 {
			if ft, ok := fields[n.Content[i].Value]; ok {
				walkFields(n.Content[i+1], ft, seen, leaf, unknown)
			} else if unknown != nil {
				unknown(n.Content[i], fields)
			}
		}
	case reflect.Slice, reflect.Array:
		if n.Kind == yaml.SequenceNode {
			for _, c := range n.Content {
				walkFields(c, t.Elem(), seen, leaf, unknown)
			}
		}
	case reflect.Map:
		if n.Kind == yaml.MappingNode {
			for i := 1; i < len(n.Content); i += 2 {
				walkFields(n.Content[i], t.Elem(), seen, leaf, unknown)
			}
		}
	}
}

// collectFields maps YAML keys to field types, following ",inline" structs.
func collectFields(t reflect.Type, into map[string]reflect.Type) {
	for i := 0; i < t.NumField(); i++ {
		f := t.Field(i)
		if !f.IsExported() {
			continue
		}
		tag := f.Tag.Get("yaml")
		name, opts, _ := strings.Cut(tag, ",")
		if name == "-" {
			continue
		}
		if strings.Contains(opts, "inline") {
			ft := f.Type
			if ft.Kind() == reflect.Pointer {
				ft = ft.Elem()
			}
			if ft.Kind() == reflect.Struct {
				collectFields(ft, into)
			}
			continue
		}
		if name == "" {
			name = strings.ToLower(f.Name)
		}
		into[name] = f.Type
	}
}

var lineRE = regexp.MustCompile(`^line (\d+): (.*)$`)

// decodeError turns the decoder's errors into Errors located by line.
func (d *Doc) decodeError(err error) error {
	var pe *posError
	if errors.As(err, &pe) {
		return Errors{d.at(pe.node, pe.msg)}
	}
	var te *yaml.TypeError
	if errors.As(err, &te) {
		var errs Errors
		for _, m := range te.Errors {
			e := &Error{File: d.File, Msg: m}
			if sub := lineRE.FindStringSubmatch(m); sub != nil {
				e.Line, _ = strconv.Atoi(sub[1])
				var tag, value string
				e.Msg, tag, value = plainTypeError(sub[2])
				if n := d.nodeAtLine(e.Line, tag, value); n != nil {
					e.Column, e.Field = n.Column, d.paths[n]
				} else {
					e.Field = d.fieldAtLine(e.Line)
				}
			}
			errs = append(errs, e)
		}
		return errs
	}
	return &Error{File: d.File, Msg: err.Error()}
}

func (d *Doc) at(n *yaml.Node, msg string) *Error {
	return &Error{File: d.File, Line: n.Line, Column: n.Column, Field: d.paths[n], Msg: msg}
}

// nodeAtLine is the value node on a line that a type error names: a list
// (tag seq), a mapping (map), or a scalar whose value is value; nil when
// there is none.
func (d *Doc) nodeAtLine(line int, tag, value string) *yaml.Node {
	kind := map[string]yaml.Kind{"seq": yaml.SequenceNode, "map": yaml.MappingNode}[tag]
	if kind == 0 {
		kind = yaml.ScalarNode
	}
	var best *yaml.Node
	for n, p := range d.paths {
		isKey := d.byPath[p] == n && !strings.HasSuffix(p, "]") // a mapping's key, not a value
		if n.Kind != kind || n.Line != line || (kind == yaml.ScalarNode && n.Value != value) || p == "" || isKey {
			continue
		}
		// A scalar: the leftmost; a collection: the innermost (a mapping
		// begun on a line holds the one on its right).
		if best == nil || (kind == yaml.ScalarNode && n.Column < best.Column) || (kind != yaml.ScalarNode && n.Column > best.Column) {
			best = n
		}
	}
	return best
}

// fieldAtLine names the deepest field that starts on a line.
func (d *Doc) fieldAtLine(line int) string {
	best := ""
	for n, p := range d.paths {
		if n.Line == line && len(p) > len(best) {
			best = p
		}
	}
	return best
}

// posError is an error a custom UnmarshalYAML raised about its node.
type posError struct {
	node *yaml.Node
	msg  string
}

func (e *posError) Error() string { return fmt.Sprintf("line %d: %s", e.node.Line, e.msg) }

// NodeError is what a custom UnmarshalYAML returns for a bad value, so the
// error names the file, line and field of that value.
func NodeError(n *yaml.Node, format string, args ...any) error {
	return &posError{node: n, msg: fmt.Sprintf(format, args...)}
}
