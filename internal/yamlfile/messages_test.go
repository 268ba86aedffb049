package yamlfile_test

import (
	"errors"

	. "github.com/onsi/ginkgo/v2"
	. "github.com/onsi/gomega"

	"github.com/chaos-harness/chaos/internal/yamlfile"
)

type limits struct {
	Count  int      `yaml:"count"`
	Ratio  float64  `yaml:"ratio"`
	Seed   uint64   `yaml:"seed"`
	On     bool     `yaml:"on"`
	Name   string   `yaml:"name"`
	Tags   []string `yaml:"tags"`
	Nested struct {
		Requests int `yaml:"requests"`
	} `yaml:"nested"`
}

var _ = Describe("errors a person reads", func() {
	DescribeTable("a value of the wrong type: what the field wants, in the words of the file, at its line and column",
		func(doc, want string) {
			var l limits
			_, err := yamlfile.Decode("f.yaml", []byte(doc), &l)
			Expect(err).To(HaveOccurred())
			Expect(err.Error()).To(Equal(want))
		},
		Entry("text for a whole number", "count: ten\n", `f.yaml:1:8: count: want a whole number, not "ten"`),
		Entry("a negative number for one 0 or more", "seed: -1\n", `f.yaml:1:7: seed: want a whole number, 0 or more, not the number -1`),
		Entry("text for a number", "ratio: half\n", `f.yaml:1:8: ratio: want a number, not "half"`),
		Entry("text for a boolean", "on: maybe\n", `f.yaml:1:5: on: want true or false, not "maybe"`),
		Entry("a mapping for a list", "tags: {a: 1}\n", `f.yaml:1:7: tags: want a list, not a mapping`),
		Entry("a list for a text", "name: [a, b]\n", `f.yaml:1:7: name: want a text, not a list`),
		Entry("a list for a section", "nested: [1]\n", `f.yaml:1:9: nested: want a mapping (key: value), not a list`),
		Entry("two fields on one line: the one that is wrong", "nested: {requests: many}\ncount: 1\n",
			`f.yaml:1:20: nested.requests: want a whole number, not "many"`),
	)

	DescribeTable("a syntax error at the line and column where the document stops making sense",
		func(doc string, line, col int, msg string) {
			var l limits
			_, err := yamlfile.Decode("f.yaml", []byte(doc), &l)
			var e *yamlfile.Error
			Expect(errors.As(err, &e)).To(BeTrue(), "got %T: %v", err, err)
			Expect([]int{e.Line, e.Column}).To(Equal([]int{line, col}), err.Error())
			Expect(e.Msg).To(ContainSubstring(msg))
		},
		// go.yaml.in/yaml/v3 alone says "line 3" for each of these.
		Entry("a key indented one space short", "name: a\nnested:\n  requests: 2\n count: 3\n", 4, 2, "not allowed"),
		Entry("a flow mapping left open", "name: a\nnested: {requests: 2\ncount: 3\n", 3, 1, "'}'"),
		Entry("a tab for indentation", "name: a\nnested:\n\trequests: 2\n", 3, 1, "cannot start any token"),
		Entry("a quote left open", "name: \"a\ncount: 2\n", 1, 7, "double-quoted"),
	)
})
