package main

import (
	"errors"
	"fmt"
	"math"
	"strconv"
	"strings"

	"github.com/chaos-harness/chaos/analysis"
)

// parseCapacity reads --capacity: comma-separated concurrency=N, rate=R
// (per second) and burst=B, as in a scenario's server.capacity.
func parseCapacity(text string) (*analysis.Capacity, error) {
	bad := func(format string, args ...any) error {
		return fmt.Errorf("--capacity %q: "+format, append([]any{text}, args...)...)
	}
	var c analysis.Capacity
	seen := map[string]bool{}
	for _, part := range strings.Split(text, ",") {
		key, value, ok := strings.Cut(strings.TrimSpace(part), "=")
		if !ok {
			return nil, bad("%q is not KEY=VALUE; use concurrency=N, rate=R, burst=B", part)
		}
		if seen[key] {
			return nil, bad("%s is given twice", key)
		}
		seen[key] = true
		var err error
		switch key {
		case "concurrency":
			c.Concurrency, err = strconv.Atoi(value)
		case "burst":
			c.Burst, err = strconv.Atoi(value)
		case "rate":
			c.Rate, err = strconv.ParseFloat(value, 64)
			if err == nil && (math.IsNaN(c.Rate) || math.IsInf(c.Rate, 0)) {
				err = errors.New("not a finite number")
			}
		default:
			return nil, bad("unknown key %q; use concurrency, rate and burst", key)
		}
		if err != nil || c.Concurrency < 0 || c.Burst < 0 || c.Rate < 0 {
			return nil, bad("%s=%s: want a number that is not negative", key, value)
		}
	}
	if c.Concurrency == 0 && c.Rate == 0 {
		return nil, bad("give a rate or a concurrency: with neither the server admits everything")
	}
	return &c, nil
}
