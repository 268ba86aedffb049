package reports

import (
	"fmt"
	"math"

	"gonum.org/v1/plot"
	"gonum.org/v1/plot/plotter"
	"gonum.org/v1/plot/vg"
	"gonum.org/v1/plot/vg/draw"

	"github.com/chaos-harness/chaos/analysis"
)

// overviewMeasure is one column of the overview chart.
type overviewMeasure struct {
	title string
	value func(analysis.PolicyResult) (float64, bool) // false: unknown
	show  func(float64) string
}

// retryPeak is the herd column of the overview: retry_peak_rate, the
// retries per second in the busiest window of retry_window_ms, so the first
// burst that a fleet started together sends whatever its jitter does not set
// it; "–" where the Records cannot tell retries from first attempts.
func retryPeak(res analysis.Result) overviewMeasure {
	return overviewMeasure{
		title: "retries/s, busiest " + durationText(res.RetryWindowMs), // longer runs past the panel
		value: func(p analysis.PolicyResult) (float64, bool) { return known(p.RetryPeakRate) },
		show:  num,
	}
}

func overviewMeasures(res analysis.Result) []overviewMeasure {
	return []overviewMeasure{
		{title: "success rate (%)", value: func(p analysis.PolicyResult) (float64, bool) { return 100 * p.SuccessRate, true },
			show: func(x float64) string { return percent(x / 100) }},
		{title: "amplification", value: func(p analysis.PolicyResult) (float64, bool) { return known(p.Amplification) },
			show: num},
		{title: "p99 completion (s)", value: func(p analysis.PolicyResult) (float64, bool) { return p.CompletionMs.P99 / 1000, true },
			show: func(x float64) string { return num(x) + " s" }},
		retryPeak(res),
	}
}

// known reads a figure the log may not support (nil: unknown).
func known(x *float64) (float64, bool) {
	if x == nil {
		return 0, false
	}
	return *x, true
}

// overviewFigure draws one row per strategy and one column per measure:
// success rate, amplification, p99 completion and the retry peak, as bars
// labelled with their values, so the strategies read side by side first.
func overviewFigure(res analysis.Result) (Figure, bool, error) {
	measures := overviewMeasures(res)
	n := len(res.Policies)
	names := make([]string, n)
	for i, p := range res.Policies {
		names[n-1-i] = p.Name // the first strategy on top
	}
	row := make([]*plot.Plot, len(measures))
	for j, m := range measures {
		pl := newPlot(m.title, "", "")
		pl.Title.TextStyle.Font.Size = vg.Points(10)
		pl.Add(plotter.NewGrid())
		hi := 0.0
		var labels plotter.XYLabels
		for i, p := range res.Policies {
			y := float64(n - 1 - i)
			v, ok := m.value(p)
			text := "–"
			if ok {
				text = m.show(v)
				hi = math.Max(hi, v)
				bar, err := plotter.NewBarChart(plotter.Values{v}, vg.Points(11))
				if err != nil {
					return Figure{}, false, fmt.Errorf("overview of %s: %w", p.Name, err)
				}
				bar.Horizontal = true
				bar.XMin = y
				bar.Color = colorOf(i)
				bar.LineStyle.Width = 0
				pl.Add(bar)
			}
			labels.XYs = append(labels.XYs, plotter.XY{X: math.Max(v, 0), Y: y})
			labels.Labels = append(labels.Labels, text)
		}
		l, err := textLabels(pl, labels, draw.YCenter)
		if err != nil {
			return Figure{}, false, err
		}
		l.Offset = vg.Point{X: vg.Points(3)}
		pl.Add(l)
		pl.X.Min, pl.X.Max = 0, math.Max(hi, 1e-9)*1.45 // room for the value labels
		pl.X.Tick.Marker = timeTicks{Labels: 3}
		if j == 0 {
			pl.NominalY(names...)
		} else {
			pl.Y.Tick.Marker = plot.ConstantTicks(nil)
		}
		pl.Y.Min, pl.Y.Max = -0.6, float64(n)-0.4
		row[j] = pl
	}
	height := vg.Length(n)*0.3*vg.Inch + 0.9*vg.Inch
	ps := panels{rows: [][]*plot.Plot{row}, width: figWidth, height: height}
	f, err := ps.render("overview", "Overview",
		fmt.Sprintf("One row per strategy, one column per measure: the share of logical requests that succeeded, amplification (attempts per logical request), the p99 completion time and the retry peak (retry_peak_rate: retries per second in the busiest %s, the retry herd; – where retries cannot be told from first attempts). Details follow below.", durationText(res.RetryWindowMs)))
	return f, err == nil, err
}
