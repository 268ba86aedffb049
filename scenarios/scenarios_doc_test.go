package scenarios_test

import (
	"bufio"
	"bytes"
	"fmt"
	"os"
	"reflect"
	"regexp"
	"slices"
	"strings"
	"time"
	"unicode"

	. "github.com/onsi/ginkgo/v2"
	. "github.com/onsi/gomega"
	"go.yaml.in/yaml/v3"

	"github.com/chaos-harness/chaos/analysis"
	"github.com/chaos-harness/chaos/faultserver"
	"github.com/chaos-harness/chaos/scenarios"
)

// docsFile is the reference of the scenario and script formats.
const docsFile = "../docs/SCENARIOS.md"

// docBlock is one ```yaml block of the docs, with the line its text starts on.
type docBlock struct {
	line int
	kind string // scenario, script or fragment: the block's first comment
	text []byte
}

// docRegion is the text under one heading, up to the next heading, with the
// words it writes in backquotes.
type docRegion struct {
	heading string
	quoted  map[string]bool
}

// readDocs splits the docs into its yaml blocks and its heading regions.
// Lines inside a fence are never headings.
func readDocs(data []byte) (blocks []docBlock, regions []docRegion) {
	quotedRE := regexp.MustCompile("`([^`]+)`")
	var cur *docRegion
	var block *docBlock
	fence := ""
	sc := bufio.NewScanner(bytes.NewReader(data))
	for n := 1; sc.Scan(); n++ {
		line := sc.Text()
		trimmed := strings.TrimSpace(line)
		switch {
		case fence != "" && strings.HasPrefix(trimmed, "```"):
			if block != nil {
				blocks = append(blocks, *block)
			}
			fence, block = "", nil
			continue
		case fence == "" && strings.HasPrefix(trimmed, "```"):
			fence = strings.TrimPrefix(trimmed, "```")
			if fence == "" {
				fence = "text"
			}
			if fence == "yaml" {
				block = &docBlock{line: n + 1}
			}
			continue
		case fence != "":
			if block != nil {
				if len(block.text) == 0 {
					block.kind = blockKind(trimmed)
				}
				block.text = append(block.text, line+"\n"...)
			}
			continue
		case strings.HasPrefix(line, "#"):
			regions = append(regions, docRegion{heading: line, quoted: map[string]bool{}})
			cur = &regions[len(regions)-1]
		}
		if cur != nil {
			for _, m := range quotedRE.FindAllStringSubmatch(line, -1) {
				cur.quoted[m[1]] = true
			}
		}
	}
	Expect(sc.Err()).NotTo(HaveOccurred())
	Expect(fence).To(BeEmpty(), "%s ends inside a ``` fence", docsFile)
	return blocks, regions
}

// blockKind reads the first line of a yaml block: "# scenario", "# script"
// or "# fragment..."; anything else is "".
func blockKind(first string) string {
	for _, k := range []string{"scenario", "script", "fragment"} {
		if first == "# "+k || strings.HasPrefix(first, "# "+k+":") {
			return k
		}
	}
	return ""
}

// yamlStruct is a struct type of the formats and the key paths it is
// written at ("" is the top level of a scenario file).
type yamlStruct struct {
	paths []string
	keys  []string
}

// keyWalk walks yaml tags by reflection from the scenario file's top level
// down. resolve gives the type a rawNode section decodes into; a rawNode
// without one is recorded in unresolved.
type keyWalk struct {
	resolve    map[string]reflect.Type
	structs    map[reflect.Type]*yamlStruct
	order      []reflect.Type
	unresolved []string
}

var (
	durationType    = reflect.TypeOf(time.Duration(0))
	unmarshalerType = reflect.TypeOf((*yaml.Unmarshaler)(nil)).Elem()
)

// isLeaf: a duration, anything that is not a struct, list or map, and a type
// that decodes itself unless it is a struct whose yaml-tagged fields are the
// keys of its mapping form (a delay).
func isLeaf(t reflect.Type) bool {
	if t == durationType {
		return true
	}
	if t.Implements(unmarshalerType) || reflect.PointerTo(t).Implements(unmarshalerType) {
		return !(t.Kind() == reflect.Struct && len(yamlKeys(t)) > 0)
	}
	switch t.Kind() {
	case reflect.Struct, reflect.Slice, reflect.Array, reflect.Map:
		return false
	}
	return true
}

// yamlField is one key of a struct and the type it decodes into.
type yamlField struct {
	key string
	t   reflect.Type
}

// yamlKeys lists the keys yaml.v3 decodes into t, inline structs flattened.
func yamlKeys(t reflect.Type) []yamlField {
	var out []yamlField
	for i := range t.NumField() {
		f := t.Field(i)
		if !f.IsExported() {
			continue
		}
		tag := f.Tag.Get("yaml")
		name, opts, _ := strings.Cut(tag, ",")
		switch {
		case name == "-":
			continue
		case slices.Contains(strings.Split(opts, ","), "inline"):
			out = append(out, yamlKeys(deref(f.Type))...)
			continue
		case tag == "":
			// Untagged fields are read by yaml.v3 under their lowercased name,
			// but a struct with none tagged is not a mapping of this format.
			continue
		case name == "":
			name = strings.ToLower(f.Name)
		}
		out = append(out, yamlField{name, f.Type})
	}
	return out
}

func deref(t reflect.Type) reflect.Type {
	for t.Kind() == reflect.Pointer {
		t = t.Elem()
	}
	return t
}

func join(path, key string) string {
	if path == "" {
		return key
	}
	return path + "." + key
}

func (w *keyWalk) walk(t reflect.Type, path string, stack []reflect.Type) {
	t = deref(t)
	if t == scenarios.RawNodeType {
		r, ok := w.resolve[path]
		if !ok {
			w.unresolved = append(w.unresolved, path)
			return
		}
		if r == nil { // read by hand (assert), documented apart
			return
		}
		t = deref(r)
	}
	if isLeaf(t) || slices.Contains(stack, t) {
		return
	}
	switch t.Kind() {
	case reflect.Slice, reflect.Array:
		w.walk(t.Elem(), path+"[]", stack)
		return
	case reflect.Map:
		w.walk(t.Elem(), path+".<key>", stack)
		return
	}
	s := w.structs[t]
	if s == nil {
		s = &yamlStruct{}
		for _, f := range yamlKeys(t) {
			s.keys = append(s.keys, f.key)
		}
		w.structs[t] = s
		w.order = append(w.order, t)
	}
	s.paths = append(s.paths, path)
	for _, f := range yamlKeys(t) {
		w.walk(f.t, join(path, f.key), append(stack, t))
	}
}

// elem is the zero element of a list, for naming its type without naming it.
func elem[T any](_ []T) (zero T) { return }

// scenarioKeys walks the scenario file from its top level.
func scenarioKeys() *keyWalk {
	var s scenarios.Scenario
	w := &keyWalk{
		resolve: map[string]reflect.Type{
			"server":   reflect.TypeOf(s.Server),
			"clients":  reflect.TypeOf(s.Clients),
			"policies": reflect.SliceOf(reflect.TypeOf(elem(s.Policies).Config)),
			"assert":   nil, // metric paths, checked against analysis.MetricPaths
		},
		structs: map[reflect.Type]*yamlStruct{},
	}
	w.walk(scenarios.ScenarioFileType, "", nil)
	return w
}

// allPaths lists every key path of every struct, for the sanity specs.
func (w *keyWalk) allPaths() []string {
	var out []string
	for _, t := range w.order {
		s := w.structs[t]
		for _, p := range s.paths {
			for _, k := range s.keys {
				out = append(out, join(p, k))
			}
		}
	}
	return out
}

// undocumented lists, for each struct of the formats, the keys that no
// region of the docs quotes under a heading that quotes one of the struct's
// paths (the top level: under a heading saying "top level").
func (w *keyWalk) undocumented(regions []docRegion) []string {
	var missing []string
	for _, t := range w.order {
		s := w.structs[t]
		var mine []docRegion
		for _, r := range regions {
			for _, p := range s.paths {
				if (p == "" && strings.Contains(strings.ToLower(r.heading), "top level")) ||
					(p != "" && strings.Contains(r.heading, "`"+p+"`")) {
					mine = append(mine, r)
					break
				}
			}
		}
		for _, k := range s.keys {
			if !slices.ContainsFunc(mine, func(r docRegion) bool { return r.quoted[k] }) {
				missing = append(missing, fmt.Sprintf("%s (under a heading naming `%s`)", join(s.paths[0], k), s.paths[0]))
			}
		}
	}
	return missing
}

// headingSlug is the anchor GitHub gives a heading: lower case, spaces to
// hyphens, and every character but letters, digits, '-' and '_' dropped.
func headingSlug(heading string) string {
	var b strings.Builder
	for _, r := range strings.ToLower(strings.TrimSpace(strings.TrimLeft(heading, "#"))) {
		switch {
		case r == ' ':
			b.WriteRune('-')
		case r == '-' || r == '_' || unicode.IsLetter(r) || unicode.IsDigit(r):
			b.WriteRune(r)
		}
	}
	return b.String()
}

var _ = Describe("docs/SCENARIOS.md", func() {
	var blocks []docBlock
	var regions []docRegion
	var text string

	BeforeEach(func() {
		data, err := os.ReadFile(docsFile)
		Expect(err).NotTo(HaveOccurred())
		text = string(data)
		blocks, regions = readDocs(data)
	})

	It("holds only examples that load as what their first line says", func() {
		count := map[string]int{}
		var failures []string
		for _, b := range blocks {
			// Blank lines before the block put its errors at the file's lines.
			data := append(bytes.Repeat([]byte("\n"), b.line-1), b.text...)
			count[b.kind]++
			var err error
			switch b.kind {
			case "scenario":
				_, err = scenarios.Parse(docsFile, data)
			case "script":
				if !faultserver.IsBareScript(docsFile, data) {
					err = fmt.Errorf("%s:%d: marked # script but is a scenario file", docsFile, b.line)
					break
				}
				_, _, err = faultserver.ParseScript(docsFile, data)
			case "fragment":
				var v any
				err = yaml.Unmarshal(data, &v)
			default:
				err = fmt.Errorf("%s:%d: a yaml block starts with neither # scenario, # script nor # fragment", docsFile, b.line)
			}
			if err != nil {
				failures = append(failures, fmt.Sprintf("%s block at line %d: %v", b.kind, b.line, err))
			}
		}
		Expect(failures).To(BeEmpty())
		// Every section has a whole example; fragments stay few.
		Expect(count["scenario"]).To(BeNumerically(">=", 10))
		Expect(count["script"]).To(BeNumerically(">=", 8))
		Expect(count["fragment"]).To(BeNumerically("<=", 2))
	})

	It("walks every key of the formats, through the sections decoded later", func() {
		w := scenarioKeys()
		Expect(w.unresolved).To(BeEmpty(), "rawNode sections the walk does not resolve to a type")
		paths := w.allPaths()
		// One key of each section and of the types reached through it, so the
		// walk cannot pass by finding nothing.
		Expect(paths).To(ContainElements(
			"seed",
			"server.phases[].mix[].fault.retry_after_date",
			"server.routes[].phases[].fault.delay.p99",
			"server.capacity.burst",
			"clients.spike.at",
			"clients.network",
			"policies[].retry.max_retries",
			"policies[].budget.recent.min_per_second",
			"policies[].fallback.static.body",
		))
		Expect(paths).NotTo(ContainElement(HavePrefix("assert.")))
	})

	It("names every key of the scenario and script formats", func() {
		Expect(scenarioKeys().undocumented(regions)).To(BeEmpty(),
			"keys that %s does not document as `key` under their section's heading", docsFile)
	})

	It("links only to headings it has", func() {
		slugs := map[string]bool{}
		for _, r := range regions {
			slugs[headingSlug(r.heading)] = true
		}
		var broken []string
		for _, m := range regexp.MustCompile(`\]\(#([^)]+)\)`).FindAllStringSubmatch(text, -1) {
			if !slugs[m[1]] {
				broken = append(broken, m[1])
			}
		}
		Expect(broken).To(BeEmpty(), "links of %s to no heading", docsFile)
	})

	It("lists every metric path an assertion may name", func() {
		var missing []string
		for _, p := range analysis.MetricPaths() {
			if !strings.Contains(text, "`"+p+"`") {
				missing = append(missing, p)
			}
		}
		Expect(missing).To(BeEmpty(), "metric paths that %s does not list", docsFile)
	})
})
