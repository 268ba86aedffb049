package faultserver

import (
	"fmt"
	"math"
	"strconv"
	"strings"

	"go.yaml.in/yaml/v3"

	"github.com/chaos-harness/chaos/internal/yamlfile"
)

// Bandwidth is bytes per second, written "512B/s", "10KB/s", "1MB/s" (powers
// of 1000), "64KiB/s", "1MiB/s" (powers of 1024), or a bare number of bytes
// per second. Zero means not set.
type Bandwidth int64

var bandwidthUnits = []struct {
	suffix string
	factor int64
}{ // longest suffixes first, so "KiB/s" is not read as "B/s"
	{"KiB/s", 1 << 10}, {"MiB/s", 1 << 20}, {"GiB/s", 1 << 30},
	{"KB/s", 1e3}, {"MB/s", 1e6}, {"GB/s", 1e9}, {"B/s", 1},
}

// ParseBandwidth reads the forms Bandwidth documents.
func ParseBandwidth(s string) (Bandwidth, error) {
	t := strings.TrimSpace(s)
	factor := int64(1)
	for _, u := range bandwidthUnits {
		if strings.HasSuffix(t, u.suffix) {
			t, factor = strings.TrimSpace(strings.TrimSuffix(t, u.suffix)), u.factor
			break
		}
	}
	v, err := strconv.ParseFloat(t, 64)
	if err != nil || !(v > 0) || math.IsInf(v, 1) {
		return 0, fmt.Errorf("invalid bandwidth %q (use a positive rate such as 512B/s, 10KB/s or 1MiB/s)", s)
	}
	bps := v * float64(factor)
	if bps < 1 {
		return 0, fmt.Errorf("bandwidth %q is below 1 byte per second", s)
	}
	if bps >= math.MaxInt64 {
		return 0, fmt.Errorf("bandwidth %q is too large", s)
	}
	return Bandwidth(bps), nil
}

// UnmarshalYAML implements yaml.Unmarshaler.
func (b *Bandwidth) UnmarshalYAML(n *yaml.Node) error {
	if n.Kind != yaml.ScalarNode {
		return yamlfile.NodeError(n, "expected a bandwidth such as 10KB/s")
	}
	v, err := ParseBandwidth(n.Value)
	if err != nil {
		return yamlfile.NodeError(n, "%v", err)
	}
	*b = v
	return nil
}

// MarshalYAML writes bytes per second with the B/s unit.
func (b Bandwidth) MarshalYAML() (any, error) { return b.String(), nil }

func (b Bandwidth) String() string { return strconv.FormatInt(int64(b), 10) + "B/s" }
