package yamlfile_test

import (
	"errors"
	"time"

	. "github.com/onsi/ginkgo/v2"
	. "github.com/onsi/gomega"

	"github.com/chaos-harness/chaos/internal/yamlfile"
)

type phase struct {
	Name     string        `yaml:"name"`
	Duration time.Duration `yaml:"duration"`
	Requests int           `yaml:"requests"`
}

type server struct {
	Phases []phase `yaml:"phases"`
}

type file struct {
	Name   string `yaml:"name"`
	Seed   int64  `yaml:"seed"`
	Server server `yaml:"server"`
}

func firstError(err error) *yamlfile.Error {
	var es yamlfile.Errors
	Expect(errors.As(err, &es)).To(BeTrue(), "got %T: %v", err, err)
	Expect(es).NotTo(BeEmpty())
	return es[0]
}

var _ = Describe("Decode", func() {
	It("decodes a valid file and locates fields afterwards", func() {
		var f file
		doc, err := yamlfile.Decode("s.yaml", []byte("name: x\nseed: 3\nserver:\n  phases:\n    - {name: a, duration: 2s}\n    - name: b\n      requests: 5\n"), &f)
		Expect(err).NotTo(HaveOccurred())
		Expect(f.Server.Phases).To(HaveLen(2))
		Expect(f.Server.Phases[0].Duration).To(Equal(2 * time.Second))
		Expect(f.Server.Phases[1].Requests).To(Equal(5))
		e := doc.Errorf("server.phases[1].requests", "must be positive")
		Expect(e.Error()).To(Equal("s.yaml:7:7: server.phases[1].requests: must be positive"))
	})

	It("names the file, line, field of an unknown key and suggests the near name", func() {
		var f file
		_, err := yamlfile.Decode("s.yaml", []byte("name: x\nserver:\n  phases:\n    - {name: a, duraton: 2s}\n"), &f)
		e := firstError(err)
		Expect(e.Line).To(Equal(4))
		Expect(e.Field).To(Equal("server.phases[0].duraton"))
		Expect(e.Error()).To(ContainSubstring(`unknown field "duraton" (did you mean "duration"?)`))
	})

	It("does not suggest a name that is far away", func() {
		var f file
		_, err := yamlfile.Decode("s.yaml", []byte("colour: red\n"), &f)
		Expect(err.Error()).To(Equal(`s.yaml:1:1: colour: unknown field "colour"`))
	})

	It("names the field of a value of the wrong type", func() {
		var f file
		_, err := yamlfile.Decode("s.yaml", []byte("name: x\nseed: lots\n"), &f)
		e := firstError(err)
		Expect(e.Line).To(Equal(2))
		Expect(e.Field).To(Equal("seed"))
	})

	It("names the field of a bad duration and says why", func() {
		var f file
		_, err := yamlfile.Decode("s.yaml", []byte("server:\n  phases:\n    - duration: 5\n"), &f)
		e := firstError(err)
		Expect(e.Line).To(Equal(3))
		Expect(e.Field).To(Equal("server.phases[0].duration"))
		Expect(e.Msg).To(ContainSubstring("needs a unit"))
	})

	It("reads time.Duration fields with ParseDuration's rules, not yaml.v3's", func() {
		type timing struct {
			Zero   time.Duration            `yaml:"zero"`
			Quoted time.Duration            `yaml:"quoted"`
			Ptr    *time.Duration           `yaml:"ptr"`
			List   []time.Duration          `yaml:"list"`
			ByName map[string]time.Duration `yaml:"by_name"`
			Unset  *time.Duration           `yaml:"unset"`
		}
		var t timing
		// yaml.v3 alone refuses a bare 0 for a time.Duration; the list's
		// second item is an alias of the first (1m30s = 90s).
		_, err := yamlfile.Decode("t.yaml", []byte("zero: 0\nquoted: \" 2s \"\nptr: 250ms\nlist: [&d 1m30s, *d, 0]\nby_name: {a: 1h}\nunset: ~\n"), &t)
		Expect(err).NotTo(HaveOccurred())
		Expect(t.Zero).To(Equal(time.Duration(0)))
		Expect(t.Quoted).To(Equal(2 * time.Second))
		Expect(*t.Ptr).To(Equal(250 * time.Millisecond))
		Expect(t.List).To(Equal([]time.Duration{90 * time.Second, 90 * time.Second, 0}))
		Expect(t.ByName).To(Equal(map[string]time.Duration{"a": time.Hour}))
		Expect(t.Unset).To(BeNil())

		// yaml.v3 alone would take -1s; it is column 12 of "list: [1s, -1s]".
		_, err = yamlfile.Decode("t.yaml", []byte("zero: 1s\nlist: [1s, -1s]\n"), &t)
		Expect(err).To(MatchError(`t.yaml:2:12: list[1]: duration "-1s" is negative`))
		_, err = yamlfile.Decode("t.yaml", []byte("ptr: {a: 1}\n"), &t)
		Expect(err).To(MatchError(`t.yaml:1:6: ptr: expected a duration such as 250ms or 2s`))
	})

	It("still decodes the rest of a value after a bad duration, so its other problems are found", func() {
		var f file
		_, err := yamlfile.Decode("s.yaml", []byte("server:\n  phases:\n    - {duration: 5, requests: 7}\n    - {name: b, duration: -2s}\nseed: 3\n"), &f)
		// "5" is column 18 of "    - {duration: 5, requests: 7}".
		Expect(err).To(MatchError(`s.yaml:3:18: server.phases[0].duration: duration "5" needs a unit, such as 5s or 5ms`))
		Expect(f.Server.Phases).To(HaveLen(2))
		Expect(f.Server.Phases[0].Requests).To(Equal(7))
		Expect(f.Server.Phases[1].Name).To(Equal("b"))
		Expect(f.Seed).To(Equal(int64(3)))
	})

	It("reports a syntax error with its line", func() {
		var f file
		_, err := yamlfile.Decode("s.yaml", []byte("name: x\nserver: [\n"), &f)
		Expect(err.Error()).To(HavePrefix("s.yaml:"))
	})

	It("refuses an empty file", func() {
		var f file
		_, err := yamlfile.Decode("s.yaml", nil, &f)
		Expect(err).To(MatchError("s.yaml: the file is empty"))
	})
})

var _ = Describe("ParseDuration", func() {
	DescribeTable("values",
		func(in string, want time.Duration, wantErr string) {
			got, err := yamlfile.ParseDuration(in)
			if wantErr != "" {
				Expect(err).To(MatchError(ContainSubstring(wantErr)))
				return
			}
			Expect(err).NotTo(HaveOccurred())
			Expect(got).To(Equal(want))
		},
		Entry("milliseconds", "250ms", 250*time.Millisecond, ""),
		Entry("compound", "1m30s", 90*time.Second, ""),
		Entry("zero", "0", time.Duration(0), ""),
		Entry("bare number", "5", time.Duration(0), "needs a unit"),
		Entry("negative", "-1s", time.Duration(0), "negative"),
		Entry("garbage", "soon", time.Duration(0), "invalid duration"),
	)
})
