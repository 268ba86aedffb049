package reports

import (
	"bytes"
	_ "embed"
	"html/template"
	"io"
)

//go:embed report.html.tmpl
var htmlTemplate string

var htmlPage = template.Must(template.New("report").Funcs(template.FuncMap{
	"svg": inlineSVG,
}).Parse(htmlTemplate))

// writeHTML renders the document as one self-contained page: styles inline,
// figures as inline SVG, nothing fetched from elsewhere.
func writeHTML(w io.Writer, d document) error {
	return htmlPage.Execute(w, d)
}

// inlineSVG prepares an SVG document produced by the plots for inlining: it
// drops the XML prolog and comment, and labels the image for screen readers.
// The SVG is generated here, never taken from input, so it is trusted.
func inlineSVG(f Figure) template.HTML {
	b := f.SVG
	if i := bytes.Index(b, []byte("<svg")); i >= 0 {
		b = b[i:]
	}
	label := template.HTMLEscapeString(f.Title)
	b = bytes.Replace(b, []byte("<svg"), []byte(`<svg role="img" aria-label="`+label+`"`), 1)
	return template.HTML(b)
}
