package reports

import (
	"fmt"
	"io"
	"strings"
)

// writeMarkdown renders the document as GitHub-flavoured Markdown; figures
// are linked as the SVG files written beside it.
func writeMarkdown(w io.Writer, d document) error {
	var b strings.Builder
	fmt.Fprintf(&b, "# %s\n\n", mdEscape(d.Title))
	fmt.Fprintf(&b, "**%s**\n\n", mdEscape(d.Headline))
	for _, n := range d.HeadlineNotes {
		fmt.Fprintf(&b, "%s\n\n", mdEscape(n))
	}
	for _, m := range d.Meta {
		v := mdEscape(m.Value)
		if m.Code {
			v = "`" + strings.ReplaceAll(m.Value, "`", "'") + "`"
		}
		fmt.Fprintf(&b, "- %s: %s\n", m.Label, v)
	}
	b.WriteString("\n")
	for _, s := range d.Sections {
		fmt.Fprintf(&b, "## %s\n\n", s.Title)
		if s.Intro != "" {
			fmt.Fprintf(&b, "%s\n\n", mdEscape(s.Intro))
		}
		for _, f := range s.Figures {
			fmt.Fprintf(&b, "![%s](%s.svg)\n\n*%s*\n\n", mdEscape(f.Title), f.Name, mdEscape(f.Caption))
		}
		for _, t := range s.Tables {
			mdTable(&b, t)
		}
	}
	if len(d.Notes) > 0 {
		b.WriteString("## Notes\n\n")
		for _, n := range d.Notes {
			fmt.Fprintf(&b, "- %s\n", mdEscape(n))
		}
		b.WriteString("\n")
	}
	b.WriteString("## Methods\n\n")
	for _, m := range d.Methods {
		fmt.Fprintf(&b, "- %s\n", mdEscape(m))
	}
	b.WriteString("\n## Glossary\n")
	for _, group := range d.Glossary {
		fmt.Fprintf(&b, "\n### %s\n\n", group.Title)
		for _, g := range group.Terms {
			label := ""
			if g.Label != "" && g.Label != g.Name {
				label = " (" + mdEscape(g.Label) + ")"
			}
			fmt.Fprintf(&b, "- **%s**%s: %s\n", mdEscape(g.Name), label, mdEscape(g.Text))
		}
	}
	_, err := io.WriteString(w, b.String())
	return err
}

func mdTable(b *strings.Builder, t table) {
	fmt.Fprintf(b, "**%s**\n\n", mdEscape(t.Caption))
	row := func(cells []string) {
		b.WriteString("|")
		for _, c := range cells {
			b.WriteString(" " + strings.ReplaceAll(mdEscape(c), "|", `\|`) + " |")
		}
		b.WriteString("\n")
	}
	row(t.Header)
	b.WriteString("|")
	for i := range t.Header {
		if t.IsText(i) {
			b.WriteString(" --- |")
		} else {
			b.WriteString(" ---: |")
		}
	}
	b.WriteString("\n")
	for _, r := range t.Rows {
		row(r)
	}
	b.WriteString("\n")
}

// mdEscape keeps text from being read as Markdown markup.
func mdEscape(s string) string {
	r := strings.NewReplacer(`\`, `\\`, "*", `\*`, "_", `\_`, "`", "\\`", "<", "&lt;", ">", "&gt;", "[", `\[`, "]", `\]`)
	return r.Replace(s)
}
