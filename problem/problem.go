// Package problem is the one shape of a validation problem in the module: a
// field path and what is wrong with it. faultserver's Spec and resilience's
// Config report their problems as Fields with paths relative to their own
// section, and a file loader locates each at its line (internal/yamlfile's
// Doc.Errorf(prefix+Path, "%s", Msg)). It imports nothing but fmt, so any
// package can use it.
package problem

import "fmt"

// Field is one problem of a value, at Path: a dotted field path such as
// "retry.base" or "phases[1].fault.status", relative to the value checked;
// empty for the value as a whole.
type Field struct {
	Path string
	Msg  string
}

// Error is "path: msg", or msg alone when Path is empty.
func (p Field) Error() string {
	if p.Path == "" {
		return p.Msg
	}
	return p.Path + ": " + p.Msg
}

// List collects the problems of one check, in the order found.
type List []Field

// Add appends a problem at path with a formatted message.
func (l *List) Add(path, format string, args ...any) {
	*l = append(*l, Field{Path: path, Msg: fmt.Sprintf(format, args...)})
}
