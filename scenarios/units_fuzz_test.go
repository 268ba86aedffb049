package scenarios_test

import (
	"math"
	"strings"
	"testing"

	"github.com/chaos-harness/chaos/scenarios"
)

// FuzzParseRate: a rate is a finite number per second above 0, or an error
// that quotes the input.
func FuzzParseRate(f *testing.F) {
	for _, s := range []string{"50/s", "3000/m", "0.5/ms", "1/h", "1/min", " 2 / s ", "0/s", "-1/s", "NaN/s",
		"Inf/s", "1e308/ms", "1e-320/h", "50", "/s", "50/", "5e-324/h", "0x10/s"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		v, err := scenarios.ParseRate(s)
		if err != nil {
			if !strings.Contains(err.Error(), "rate") {
				t.Fatalf("%q: an error that does not say what it read: %v", s, err)
			}
			return
		}
		if !(v > 0) || math.IsInf(v, 0) {
			t.Fatalf("%q gave rate %v", s, v)
		}
	})
}

// FuzzParseByteSize: a size is a whole number of bytes, at least 0, or an
// error; formatting it never panics.
func FuzzParseByteSize(f *testing.F) {
	for _, s := range []string{"4GiB", "512MiB", "1.5GB", "1000000", "0", "4gi", " 8 TiB ", "1e9", "-1GiB", ".", "1..5MB",
		"99999999999999999999TiB", "9223372036854775807", "4 GB!", ""} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		n, err := scenarios.ParseByteSize(s)
		if err != nil {
			return
		}
		if n < 0 {
			t.Fatalf("%q gave %d bytes", s, n)
		}
		if out := scenarios.FormatByteSize(n); !strings.HasSuffix(out, "B") {
			t.Fatalf("%d formats as %q", n, out)
		}
	})
}
