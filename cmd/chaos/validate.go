package main

import (
	"errors"
	"fmt"
	"path/filepath"
	"strings"

	"github.com/spf13/cobra"

	"github.com/chaos-harness/chaos/faultserver"
	"github.com/chaos-harness/chaos/internal/yamlfile"
	"github.com/chaos-harness/chaos/scenarios"
)

func init() { subcommands = append(subcommands, newValidateCmd) }

func newValidateCmd(s streams) *cobra.Command {
	var format outputFormat
	cmd := &cobra.Command{
		Use:   "validate FILE|NAME|GLOB... [--format text|json]",
		Short: "Check scenario files and report every problem with its line and field",
		Long: `validate parses scenario files (or built-in scenarios' names) and checks
every section: unknown keys (with the near name suggested), values of the wrong
type and impossible values. A bare server script (the server: section's keys at
the top level, as 'chaos serve --scenario' accepts) is checked as a script. A
GLOB ('examples/*.yaml', quoted so the shell leaves it) stands for the files it
matches; one that matches nothing is bad input.

For each valid file it prints one line, "FILE: OK ..."; every problem goes to
standard error as FILE:LINE:COLUMN: FIELD: MESSAGE. It exits 0 when every file
is valid and 2 otherwise. With --format json, standard output carries one
JSON document instead: {"valid": BOOL, "files": [{"file", "valid", "kind",
"summary", "problems": [{"file", "line", "column", "field", "message"}]}]}.
As a GitHub Actions step (GITHUB_ACTIONS=true) each problem is also an ::error
annotation of its file and line, on standard output (standard error with
--format json).`,
		Args:              cobra.MinimumNArgs(1),
		ValidArgsFunction: completeScenarioArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			if err := format.check(); err != nil {
				return err
			}
			files, err := expandGlobs(args)
			if err != nil {
				return err
			}
			return validateFiles(s, files, &format)
		},
	}
	format.register(cmd, "every file's verdict and problems")
	return cmd
}

// fileValidation is one file's verdict, as --format json writes it.
type fileValidation struct {
	File     string          `json:"file"`
	Valid    bool            `json:"valid"`
	Kind     string          `json:"kind,omitempty"` // scenario or script; empty when the file could not be read
	Summary  string          `json:"summary,omitempty"`
	Problems []problemRecord `json:"problems"`
}

// problemRecord is one located problem of a file.
type problemRecord struct {
	File    string `json:"file"`
	Line    int    `json:"line,omitempty"`
	Column  int    `json:"column,omitempty"`
	Field   string `json:"field,omitempty"`
	Message string `json:"message"`
}

func validateFiles(s streams, files []string, format *outputFormat) error {
	results := make([]fileValidation, 0, len(files))
	bad, problems := 0, 0
	for _, file := range files {
		v := validateOne(file)
		results = append(results, v)
		if !v.Valid {
			bad++
			problems += len(v.Problems)
		}
		annotations := s.out
		if format.json() {
			annotations = s.err
		} else if v.Valid {
			fmt.Fprintf(s.out, "%s: OK (%s)\n", v.File, v.Summary)
		}
		for _, p := range v.Problems {
			if !format.json() {
				fmt.Fprintln(s.err, p.text())
			}
			if inGitHubActions() {
				fmt.Fprintln(annotations, githubAnnotation(p.File, p.Line, p.Column, p.fieldMessage()))
			}
		}
	}
	if format.json() {
		if err := writeJSON(s.out, struct {
			Valid bool             `json:"valid"`
			Files []fileValidation `json:"files"`
		}{bad == 0, results}); err != nil {
			return err
		}
	}
	switch {
	case bad == 0:
		return nil
	case len(files) == 1:
		return fmt.Errorf("%s: %s", results[0].File, count(problems, "problem"))
	default:
		return fmt.Errorf("%d of %d files are not valid (%s)", bad, len(files), count(problems, "problem"))
	}
}

// validateOne checks one scenario file, built-in name or bare script.
func validateOne(arg string) fileValidation {
	if file, data, err := serveReadScenario(arg); err == nil && faultserver.IsBareScript(file, data) {
		spec, _, err := faultserver.ParseScript(file, data)
		if err != nil {
			return invalid(file, "script", err)
		}
		return fileValidation{File: file, Valid: true, Kind: "script", Problems: []problemRecord{},
			Summary: fmt.Sprintf("server script: %d phases, %d routes", len(spec.Phases), len(spec.Routes))}
	}
	sc, err := scenarios.Load(arg)
	if err != nil {
		return invalid(arg, "scenario", err)
	}
	return fileValidation{File: sc.File, Valid: true, Kind: "scenario", Problems: []problemRecord{},
		Summary: fmt.Sprintf("scenario %s: %d clients, %d policies, %d assertions",
			sc.Name, sc.Clients.ClientCount(), len(sc.Policies), len(sc.Assert))}
}

// invalid is the verdict of a file whose loading failed with err.
func invalid(file, kind string, err error) fileValidation {
	v := fileValidation{File: file, Kind: kind}
	var es yamlfile.Errors
	if errors.As(err, &es) && len(es) > 0 {
		v.File = es[0].File
		for _, e := range es {
			v.Problems = append(v.Problems, problemRecord{File: e.File, Line: e.Line, Column: e.Column, Field: e.Field, Message: e.Msg})
		}
		return v
	}
	v.Kind = ""
	v.Problems = []problemRecord{{File: file, Message: err.Error()}}
	return v
}

// text is the problem as FILE:LINE:COLUMN: FIELD: MESSAGE, the form of
// yamlfile.Error.
func (p problemRecord) text() string {
	if p.Line == 0 && p.Field == "" && strings.HasPrefix(p.Message, p.File) {
		return p.Message // an error that names its file itself
	}
	e := yamlfile.Error{File: p.File, Line: p.Line, Column: p.Column, Field: p.Field, Msg: p.Message}
	return e.Error()
}

// fieldMessage is "FIELD: MESSAGE", or the message alone at the root.
func (p problemRecord) fieldMessage() string {
	if p.Field == "" {
		return p.Message
	}
	return p.Field + ": " + p.Message
}

// expandGlobs replaces each argument with a glob's meta characters by the
// files it matches, in order; one that matches nothing is an error.
func expandGlobs(args []string) ([]string, error) {
	var out []string
	for _, arg := range args {
		if !strings.ContainsAny(arg, "*?[") {
			out = append(out, arg)
			continue
		}
		matches, err := filepath.Glob(arg)
		if err != nil {
			return nil, fmt.Errorf("%s: %w", arg, err)
		}
		if len(matches) == 0 {
			return nil, fmt.Errorf("%s: no file matches", arg)
		}
		out = append(out, matches...)
	}
	return out, nil
}

// reportProblems prints each located problem of a scenario on its own line and
// returns an error that counts them; other errors pass through unchanged.
func reportProblems(s streams, err error) error {
	var es yamlfile.Errors
	if !errors.As(err, &es) || len(es) == 0 {
		return err
	}
	for _, e := range es {
		fmt.Fprintln(s.err, e.Error())
	}
	if len(es) == 1 {
		return fmt.Errorf("%s: 1 problem", es[0].File)
	}
	return fmt.Errorf("%s: %d problems", es[0].File, len(es))
}

// completeScenarioArgs completes NAME|FILE arguments: the built-in
// scenarios' names, and files.
func completeScenarioArgs(_ *cobra.Command, _ []string, prefix string) ([]string, cobra.ShellCompDirective) {
	var names []string
	for _, n := range scenarios.BuiltinNames() {
		if strings.HasPrefix(n, prefix) {
			names = append(names, n)
		}
	}
	return names, cobra.ShellCompDirectiveDefault // and files
}
