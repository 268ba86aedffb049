package yamlfile_test

import (
	"errors"
	"testing"

	"github.com/chaos-harness/chaos/internal/yamlfile"
)

// fuzzFile is a small strict format with every kind of field the real
// formats have: nested structs, lists, maps, durations and numbers.
type fuzzFile struct {
	Name   string            `yaml:"name"`
	Seed   uint64            `yaml:"seed"`
	Server server            `yaml:"server"`
	Tags   map[string]string `yaml:"tags"`
	Nested map[string]phase  `yaml:"nested"`
	Ptr    *phase            `yaml:"ptr"`
	Rate   float64           `yaml:"rate"`
}

// billionLaughs nests aliases ten deep, ten wide: 10^10 nodes if expanded.
const billionLaughs = `a: &a [x, x, x, x, x, x, x, x, x, x]
b: &b [*a, *a, *a, *a, *a, *a, *a, *a, *a, *a]
c: &c [*b, *b, *b, *b, *b, *b, *b, *b, *b, *b]
d: &d [*c, *c, *c, *c, *c, *c, *c, *c, *c, *c]
e: &e [*d, *d, *d, *d, *d, *d, *d, *d, *d, *d]
f: &f [*e, *e, *e, *e, *e, *e, *e, *e, *e, *e]
g: &g [*f, *f, *f, *f, *f, *f, *f, *f, *f, *f]
h: &h [*g, *g, *g, *g, *g, *g, *g, *g, *g, *g]
i: &i [*h, *h, *h, *h, *h, *h, *h, *h, *h, *h]
server: {phases: [*i, *i, *i, *i, *i, *i, *i, *i, *i, *i]}
`

// FuzzDecode: any bytes decode into a value or into located errors, never a
// panic; every error names the file.
func FuzzDecode(f *testing.F) {
	for _, s := range []string{
		"name: a\nseed: 3\nserver: {phases: [{name: x, duration: 2s, requests: 3}]}\n",
		"server:\n  phases:\n    - {name: x, duraton: 2s}\n",
		"server:\n  phases:\n    - {duration: 5}\n    - {requests: many}\n",
		"seed: -1\nrate: .nan\n",
		"tags: {a: b}\nnested: {k: {duration: 1h}}\nptr: {name: p}\n",
		"- 1\n- 2\n",
		"",
		"\t",
		"{",
		"name: [1, 2\n",
		"x: &a {y: 1}\nserver: *a\n",
		"server: &s {phases: [*s]}\n",
		billionLaughs,
	} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		var v fuzzFile
		doc, err := yamlfile.Decode("f.yaml", data, &v)
		if err == nil {
			if doc == nil || doc.Root == nil {
				t.Fatalf("Decode succeeded without a document")
			}
			_ = doc.Lookup("server.phases[0].name")
			_ = doc.Errorf("server.phases[7].duration", "a %s", "problem").Error()
			return
		}
		var es yamlfile.Errors
		var e *yamlfile.Error
		switch {
		case errors.As(err, &es):
			if len(es) == 0 {
				t.Fatalf("empty Errors")
			}
			for _, e := range es {
				if e.File != "f.yaml" {
					t.Fatalf("error without the file: %v", e)
				}
			}
		case errors.As(err, &e):
			if e.File != "f.yaml" {
				t.Fatalf("error without the file: %v", e)
			}
		default:
			t.Fatalf("Decode returned %T: %v", err, err)
		}
	})
}
