package yamlfile_test

import (
	"strings"
	"testing"
	"time"

	"github.com/chaos-harness/chaos/internal/yamlfile"
)

// FuzzParseDuration: every input gets a duration or an error, never a panic;
// a duration is never negative, and its own String form reads back the same.
func FuzzParseDuration(f *testing.F) {
	for _, s := range []string{"0", "250ms", "2s", "1m30s", "1h", "1.5h", " 2s ", "5", "-1s", "",
		"1e3s", "9223372036854775807ns", "9223372036854775808ns", "2562047h47m16.854775807s",
		"0.000000001s", "1µs", "1us", ".5s", "5.", "+3s", "3 s", "1h-1m"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		d, err := yamlfile.ParseDuration(s)
		if err != nil {
			if d != 0 {
				t.Fatalf("ParseDuration(%q) = %v with error %v", s, d, err)
			}
			if err.Error() == "" {
				t.Fatalf("ParseDuration(%q): empty error", s)
			}
			return
		}
		if d < 0 {
			t.Fatalf("ParseDuration(%q) = %v, negative", s, d)
		}
		back, err := yamlfile.ParseDuration(d.String())
		if err != nil || back != d {
			t.Fatalf("ParseDuration(%q) = %v, but its String %q reads back as %v, %v", s, d, d.String(), back, err)
		}
		if strings.TrimSpace(s) == "0" && d != 0 {
			t.Fatalf("ParseDuration(%q) = %v", s, d)
		}
		if want, stdErr := time.ParseDuration(strings.TrimSpace(s)); stdErr == nil && want != d {
			t.Fatalf("ParseDuration(%q) = %v, time.ParseDuration says %v", s, d, want)
		}
	})
}
