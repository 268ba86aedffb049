package scenarios

import (
	"embed"
	"fmt"
	"io/fs"
	"os"
	"path"
	"slices"
	"strings"

	"github.com/chaos-harness/chaos/internal/suggest"
)

// library holds the built-in scenarios, one YAML file each.
//
//go:embed builtin/*.yaml
var library embed.FS

// Builtin is one scenario of the embedded library.
type Builtin struct {
	Name        string
	Description string
}

// Builtins lists the embedded library in name order, each with the one-line
// description from its file.
func Builtins() ([]Builtin, error) {
	entries, err := fs.ReadDir(library, "builtin")
	if err != nil {
		return nil, err
	}
	var out []Builtin
	for _, e := range entries {
		name := strings.TrimSuffix(e.Name(), ".yaml")
		s, err := LoadBuiltin(name)
		if err != nil {
			return nil, err
		}
		out = append(out, Builtin{Name: name, Description: s.Description})
	}
	return out, nil
}

// BuiltinNames lists the names of the embedded library.
func BuiltinNames() []string {
	entries, _ := fs.ReadDir(library, "builtin")
	out := make([]string, 0, len(entries))
	for _, e := range entries {
		out = append(out, strings.TrimSuffix(e.Name(), ".yaml"))
	}
	return out
}

// BuiltinSource returns the YAML of a built-in scenario.
func BuiltinSource(name string) ([]byte, error) {
	data, err := library.ReadFile(path.Join("builtin", name+".yaml"))
	if err != nil {
		return nil, unknownBuiltin(name)
	}
	return data, nil
}

// LoadBuiltin parses a built-in scenario.
func LoadBuiltin(name string) (*Scenario, error) {
	data, err := BuiltinSource(name)
	if err != nil {
		return nil, err
	}
	return Parse("builtin:"+name, data)
}

// LoadFile parses a scenario file.
func LoadFile(file string) (*Scenario, error) {
	data, err := os.ReadFile(file)
	if err != nil {
		return nil, fmt.Errorf("%s: cannot read the scenario: %w", file, err)
	}
	return Parse(file, data)
}

// Load resolves what the command line calls NAME|FILE: an existing file is
// read as a scenario file; otherwise a name of the built-in library is looked
// up (with the near name suggested for a typo). Every command that takes a
// scenario resolves it through Load, so they all agree.
func Load(nameOrFile string) (*Scenario, error) {
	if st, err := os.Stat(nameOrFile); err == nil && st.Mode().IsRegular() {
		return LoadFile(nameOrFile)
	}
	if slices.Contains(BuiltinNames(), nameOrFile) {
		return LoadBuiltin(nameOrFile)
	}
	if looksLikeName(nameOrFile) {
		return nil, unknownBuiltin(nameOrFile)
	}
	return LoadFile(nameOrFile)
}

// looksLikeName reports whether s reads as a library name rather than a path.
func looksLikeName(s string) bool {
	return !strings.ContainsAny(s, `/\`) && path.Ext(s) == ""
}

func unknownBuiltin(name string) error {
	names := BuiltinNames()
	msg := fmt.Sprintf("%q is neither a built-in scenario nor a file", name)
	if near := suggest.Nearest(name, names); near != "" {
		msg += fmt.Sprintf(" (did you mean %q?)", near)
	}
	return fmt.Errorf("%s; built-in scenarios: %s", msg, strings.Join(names, ", "))
}
