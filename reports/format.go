package reports

import (
	"fmt"
	"math"
	"strings"
)

// The formats below are the only way numbers reach a report, so Markdown and
// HTML always agree with each other and with result.json to the digits shown.

// num shows a number with about three significant digits, plainly.
func num(x float64) string {
	a := math.Abs(x)
	switch {
	case x == 0:
		return "0"
	case a >= 100:
		return fmt.Sprintf("%.0f", x)
	case a >= 10:
		return fmt.Sprintf("%.1f", x)
	case a >= 0.01:
		return fmt.Sprintf("%.2f", x)
	}
	return fmt.Sprintf("%.2g", x)
}

// msNum shows milliseconds: whole ones as integers, others as num does;
// below a microsecond it is rounding noise of sums of equal times (an sd of
// 4e-14 ms), shown as 0.
func msNum(x float64) string {
	if math.Abs(x) < 0.001 {
		return "0"
	}
	if x == math.Trunc(x) && math.Abs(x) < 1e15 {
		return fmt.Sprintf("%.0f", x)
	}
	return num(x)
}

// percent shows a share as a percentage with one decimal, or two when it is
// within a point of 0 or 100, where one decimal would hide the difference
// between 99.95% and 100%.
func percent(x float64) string {
	if x <= 0.01 || x >= 0.99 {
		return fmt.Sprintf("%.2f%%", 100*x)
	}
	return fmt.Sprintf("%.1f%%", 100*x)
}

// points shows a difference of shares in percentage points, signed.
func points(x float64) string { return fmt.Sprintf("%+.2f", 100*x) }

// pValue shows a p-value, with tiny ones as a bound.
func pValue(p float64) string {
	if p < 0.0001 {
		return "< 0.0001"
	}
	return fmt.Sprintf("%.4f", p)
}

// durationText shows milliseconds as a duration a person reads at a glance:
// "250 ms", "1 s", "1.5 s".
func durationText(ms float64) string {
	if ms >= 1000 && math.Mod(ms, 100) == 0 {
		return strings.TrimSuffix(strings.TrimSuffix(fmt.Sprintf("%.1f", ms/1000), "0"), ".") + " s"
	}
	if ms == math.Trunc(ms) {
		return fmt.Sprintf("%.0f ms", ms)
	}
	return num(ms) + " ms"
}

// optional shows a figure that may be absent: "–" when it is nil (null in
// result.json: the log cannot tell it). Every such figure goes through it.
func optional[T int | float64](x *T, show func(T) string) string {
	if x == nil {
		return "–"
	}
	return show(*x)
}
