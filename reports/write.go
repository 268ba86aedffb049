package reports

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"slices"

	"github.com/chaos-harness/chaos/analysis"
)

// Write renders a Result into dir (created if missing): result.json,
// report.md, report.html and each figure as NAME.svg and NAME.png. It
// returns the paths written, in that order.
func Write(dir string, res analysis.Result) ([]string, error) {
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return nil, fmt.Errorf("reports: %w", err)
	}
	figs, err := Figures(res)
	if err != nil {
		return nil, fmt.Errorf("reports: %w", err)
	}
	doc := newDocument(res, figs)
	files := []output{
		{"result.json", func(w io.Writer) error { return WriteJSON(w, res) }},
		{"report.md", func(w io.Writer) error { return writeMarkdown(w, doc) }},
		{"report.html", func(w io.Writer) error { return writeHTML(w, doc) }},
	}
	for _, f := range figs {
		files = append(files, output{f.Name + ".svg", writeBytes(f.SVG)}, output{f.Name + ".png", writeBytes(f.PNG)})
	}
	if err := removeStale(dir, figs); err != nil {
		return nil, err
	}
	var written []string
	for _, f := range files {
		path := filepath.Join(dir, f.name)
		var buf bytes.Buffer
		if err := f.render(&buf); err != nil {
			return written, fmt.Errorf("reports: %s: %w", path, err)
		}
		if err := os.WriteFile(path, buf.Bytes(), 0o644); err != nil {
			return written, fmt.Errorf("reports: %w", err)
		}
		written = append(written, path)
	}
	return written, nil
}

// FigureNames are the names of every figure a report can have; Write
// writes NAME.svg and NAME.png for those a result has.
var FigureNames = []string{"overview", "arrivals", "success", "completion", "retry-delays", "frontier"}

// removeStale removes the figures of an earlier report in dir that this one
// does not have (a frontier of a tune beside a run's report), so a directory
// never mixes two runs' files. Only files a report writes are touched.
func removeStale(dir string, figs []Figure) error {
	for _, name := range FigureNames {
		if slices.ContainsFunc(figs, func(f Figure) bool { return f.Name == name }) {
			continue
		}
		for _, ext := range []string{".svg", ".png"} {
			if err := os.Remove(filepath.Join(dir, name+ext)); err != nil && !errors.Is(err, fs.ErrNotExist) {
				return fmt.Errorf("reports: removing an earlier report's figure: %w", err)
			}
		}
	}
	return nil
}

// output is one file of a report and how to render it.
type output struct {
	name   string
	render func(io.Writer) error
}

// WriteJSON writes result.json: the Result, indented, with a final newline.
func WriteJSON(w io.Writer, res analysis.Result) error {
	b, err := json.MarshalIndent(res, "", "  ")
	if err != nil {
		return err
	}
	_, err = w.Write(append(b, '\n'))
	return err
}

func writeBytes(b []byte) func(io.Writer) error {
	return func(w io.Writer) error {
		_, err := w.Write(b)
		return err
	}
}
