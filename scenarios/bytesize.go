package scenarios

import (
	"fmt"
	"math"
	"strconv"
	"strings"
)

// byteUnits are the units ParseByteSize reads, by their lower-case names:
// decimal (kB, MB, ...) and binary (KiB, MiB, ..., and Kubernetes' Ki, Mi).
var byteUnits = map[string]float64{
	"": 1, "b": 1,
	"k": 1e3, "kb": 1e3, "m": 1e6, "mb": 1e6, "g": 1e9, "gb": 1e9, "t": 1e12, "tb": 1e12,
	"ki": 1 << 10, "kib": 1 << 10, "mi": 1 << 20, "mib": 1 << 20,
	"gi": 1 << 30, "gib": 1 << 30, "ti": 1 << 40, "tib": 1 << 40,
}

// ParseByteSize reads a size such as "4GiB", "512MiB", "1.5GB" or "1000000"
// (bytes): decimal units are powers of 1000, binary ones (KiB, MiB, GiB, TiB,
// or Ki, Mi, Gi, Ti) powers of 1024; case does not matter. "0" is 0.
func ParseByteSize(s string) (int64, error) {
	t := strings.TrimSpace(s)
	i := strings.IndexFunc(t, func(r rune) bool { return (r < '0' || r > '9') && r != '.' })
	if i < 0 {
		i = len(t)
	}
	num, unit := t[:i], strings.ToLower(strings.TrimSpace(t[i:]))
	mult, known := byteUnits[unit]
	if !known {
		return 0, fmt.Errorf("size %q: unknown unit %q (use B, kB, MB, GB, TB, KiB, MiB, GiB or TiB)", s, t[i:])
	}
	v, err := strconv.ParseFloat(num, 64)
	if err != nil {
		return 0, fmt.Errorf("size %q: want a number of bytes with a unit, such as 4GiB", s)
	}
	b := math.Round(v * mult)
	if b >= math.MaxInt64 {
		return 0, fmt.Errorf("size %q: too large", s)
	}
	return int64(b), nil
}

// FormatByteSize writes n bytes in the largest binary unit that keeps the
// number at least 1, with three significant digits: 4 GiB, 1.5 MiB, 512 B.
func FormatByteSize(n int64) string {
	units := []string{"B", "KiB", "MiB", "GiB", "TiB", "PiB", "EiB"}
	v, u := float64(n), 0
	for math.Abs(v) >= 1024 && u < len(units)-1 {
		v /= 1024
		u++
	}
	if math.Abs(v) >= 100 {
		return strconv.FormatFloat(v, 'f', 0, 64) + " " + units[u]
	}
	return strconv.FormatFloat(v, 'g', 3, 64) + " " + units[u]
}
