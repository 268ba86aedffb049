package main

import (
	"encoding/json"
	"fmt"
	"io"
	"os"
	"strings"

	"github.com/spf13/cobra"
)

// Output formats of --format.
const (
	formatText = "text"
	formatJSON = "json"
)

// outputFormat is the --format flag: what a command writes on standard
// output. In json, standard output carries one JSON document and nothing
// else; progress, warnings and errors stay on standard error.
type outputFormat struct{ value string }

func (f *outputFormat) register(cmd *cobra.Command, what string) {
	cmd.Flags().StringVar(&f.value, "format", formatText,
		"what standard output carries: text (tables for a person) or json ("+what+", and nothing else)")
	_ = cmd.RegisterFlagCompletionFunc("format", completeWords(formatText, formatJSON))
}

// check is the flag's error for a value that is neither text nor json.
func (f *outputFormat) check() error {
	if f.value != formatText && f.value != formatJSON {
		return fmt.Errorf("--format %q: use text or json", f.value)
	}
	return nil
}

func (f *outputFormat) json() bool { return f.value == formatJSON }

// writeJSON writes v as indented JSON with a final newline.
func writeJSON(w io.Writer, v any) error {
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	return enc.Encode(v)
}

// completeWords completes a flag from a fixed list of values.
func completeWords(words ...string) func(*cobra.Command, []string, string) ([]string, cobra.ShellCompDirective) {
	return func(*cobra.Command, []string, string) ([]string, cobra.ShellCompDirective) {
		return words, cobra.ShellCompDirectiveNoFileComp
	}
}

// inGitHubActions reports whether the command runs as a GitHub Actions step,
// which turns problems into annotations of the files they are in.
func inGitHubActions() bool { return os.Getenv("GITHUB_ACTIONS") == "true" }

// githubAnnotation is an ::error workflow command that GitHub Actions shows
// on the line of the file; line and col 0 leave them out. Values are
// escaped as the runner's toolkit escapes them (%, CR, LF; and : and , in
// properties).
func githubAnnotation(file string, line, col int, msg string) string {
	prop := strings.NewReplacer("%", "%25", "\r", "%0D", "\n", "%0A", ":", "%3A", ",", "%2C")
	data := strings.NewReplacer("%", "%25", "\r", "%0D", "\n", "%0A")
	var b strings.Builder
	b.WriteString("::error")
	var props []string
	if file != "" {
		props = append(props, "file="+prop.Replace(file))
	}
	if line > 0 {
		props = append(props, fmt.Sprintf("line=%d", line))
		if col > 0 {
			props = append(props, fmt.Sprintf("col=%d", col))
		}
	}
	if len(props) > 0 {
		b.WriteString(" " + strings.Join(props, ","))
	}
	b.WriteString("::" + data.Replace(msg))
	return b.String()
}
