package scenarios

import (
	"errors"
	"fmt"
	"strings"

	"github.com/chaos-harness/chaos/internal/yamlfile"
)

// problems collects validation errors located by field path in one document,
// so a file with several mistakes reports all of them at once.
type problems struct {
	doc  *yamlfile.Doc
	errs yamlfile.Errors
}

func (p *problems) add(path, format string, args ...any) {
	p.errs = append(p.errs, p.doc.Errorf(path, format, args...))
}

// addErr adds an error from a decoder or another package's validation. Errors
// already located (yamlfile.Error, yamlfile.Errors) are kept as they are;
// anything else is located at path.
func (p *problems) addErr(path string, err error) {
	if err == nil {
		return
	}
	var es yamlfile.Errors
	if errors.As(err, &es) {
		p.errs = append(p.errs, es...)
		return
	}
	var e *yamlfile.Error
	if errors.As(err, &e) {
		p.errs = append(p.errs, e)
		return
	}
	p.add(path, "%v", err)
}

// addValidation adds a validation problem unless the field, or a field
// inside it, already has one: after a decode error, a section is still
// validated as far as it was decoded, and neither its undecoded field nor
// what contains it must be reported again ("server.phases[0]: only the last
// phase may be open-ended" after its duration could not be read).
func (p *problems) addValidation(path, format string, args ...any) {
	for _, e := range p.errs {
		if e.Field == path || strings.HasPrefix(e.Field, path+".") || strings.HasPrefix(e.Field, path+"[") {
			return
		}
	}
	p.add(path, format, args...)
}

// err returns the collected problems, or nil.
func (p *problems) err() error {
	if len(p.errs) == 0 {
		return nil
	}
	return p.errs
}

// prefixed joins a field path prefix and a relative path.
func prefixed(prefix, path string) string {
	switch {
	case prefix == "":
		return path
	case path == "":
		return prefix
	case path[0] == '[':
		return prefix + path
	}
	return fmt.Sprintf("%s.%s", prefix, path)
}
