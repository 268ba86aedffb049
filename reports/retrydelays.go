package reports

import (
	"fmt"
	"math"
	"strconv"
	"strings"

	"gonum.org/v1/plot"
	"gonum.org/v1/plot/plotter"
	"gonum.org/v1/plot/vg"

	"github.com/chaos-harness/chaos/analysis"
)

// retriesPerRow is the most retry numbers side by side; more wrap onto
// another row of the same strategy.
const retriesPerRow = 5

// outlierRatio decides the x axis of a retry number: when the longest delay
// is more than this many times the p99, the axis ends just past the p99 (and
// the panel says so), so one outlier does not squash every curve into a
// corner.
const outlierRatio = 1.5

// retryDelayFigure draws the empirical CDF of the delay before every retry
// number the tables show, one panel per strategy and retry, with the exact
// CDF dashed where the strategy has one. Each panel's x axis is fitted to
// its own delays, so no curve is squashed into a corner by another's range.
func retryDelayFigure(res analysis.Result) (Figure, bool, error) {
	var shown []analysis.PolicyResult
	most := 0
	for _, p := range res.Policies {
		if len(p.RetryDelays) > 0 {
			shown = append(shown, p)
			most = max(most, len(p.RetryDelays))
		}
	}
	if len(shown) == 0 {
		return Figure{}, false, nil
	}
	cols := min(most, retriesPerRow)
	var rows [][]*plot.Plot
	anyExact, anyClipped := false, false
	for _, p := range shown {
		for first := 0; first < len(p.RetryDelays); first += cols {
			row := make([]*plot.Plot, cols)
			for j := range cols {
				k := first + j
				if k >= len(p.RetryDelays) {
					row[j] = blankPlot()
					continue
				}
				axis := fitRetryAxis(p.RetryDelays[k].CDF)
				pl, exact, err := retryPanel(p.RetryDelays[k], axis)
				if err != nil {
					return Figure{}, false, fmt.Errorf("retry delays of %s: %w", p.Name, err)
				}
				anyExact = anyExact || exact
				anyClipped = anyClipped || axis.clipped
				if j == 0 {
					// A long name on one line would run past the panel's
					// height and push the row out of line: one word a line.
					pl.Y.Label.Text = strings.Join(strings.Fields(p.Name), "\n")
					pl.Y.Label.TextStyle.Font.Size = vg.Points(9)
				}
				row[j] = pl
			}
			rows = append(rows, row)
		}
	}
	rows[len(rows)-1][0].X.Label.Text = "delay (ms; 2k = 2000)"
	caption := "Empirical CDF of the delay before each retry number, as the KS test sees it: the client's own sleep (its send less its receipt of the previous response) where the Records carry both times, else the server-seen gap from the end of the previous response to the retry's arrival (result.json: measured); one row per strategy with retries, one panel per retry number; the y axis is the share of delays at or below x. Delays that followed a Retry-After are left out, as the server decided them. Each panel's x axis (ms) is fitted to its own delays: compare shapes, and read the values off the axes."
	if anyClipped {
		caption += fmt.Sprintf(" Where the longest delay is more than %g times the p99, the axis ends past the p99 and the panel title gives the longest delay.", outlierRatio)
	}
	if anyExact {
		caption += " Dashed: the configured strategy's exact CDF."
	}
	ps := panels{rows: rows, width: figWidth, height: vg.Length(len(rows)) * (panelHeight + 0.1*vg.Inch)}
	f, err := ps.render("retry-delays", "Retry delays", caption)
	return f, err == nil, err
}

// retryAxis is the x range of one retry number's panels.
type retryAxis struct {
	max     float64
	clipped bool    // the axis ends at the p99, short of the longest delay
	longest float64 // the longest delay plotted
}

// fitRetryAxis fits a panel's x axis to the CDF it plots: to the longest
// delay, or to just past the p99 when the longest is an outlier.
func fitRetryAxis(cdf []analysis.Point) retryAxis {
	p99, longest := 0.0, 0.0
	for _, pt := range cdf {
		longest = math.Max(longest, pt.X)
		if pt.Y >= 0.99 && p99 == 0 {
			p99 = pt.X
		}
	}
	a := retryAxis{max: longest, longest: longest}
	if p99 > 0 && longest > outlierRatio*p99 {
		a.max, a.clipped = p99, true
	}
	a.max = math.Max(1, a.max*1.05)
	return a
}

// retryPanel is one retry number of one strategy.
func retryPanel(rd analysis.RetryDelay, axis retryAxis) (*plot.Plot, bool, error) {
	title := fmt.Sprintf("retry %d, n=%d", rd.Retry, rd.Count-rd.AfterRetryAfter)
	if axis.clipped {
		title += fmt.Sprintf(" (axis to p99; max %s)", durationText(math.Round(axis.longest)))
	}
	pl := newPlot(title, "", "")
	pl.Title.TextStyle.Font.Size = vg.Points(9)
	pl.Add(plotter.NewGrid())
	pl.X.Min, pl.X.Max = 0, axis.max
	pl.X.Tick.Marker = thousands{timeTicks{Labels: 3}}
	pl.Y.Min, pl.Y.Max = 0, 1
	pl.Y.Tick.Marker = plot.ConstantTicks([]plot.Tick{{Value: 0, Label: "0"}, {Value: 0.5, Label: "0.5"}, {Value: 1, Label: "1"}})
	if len(rd.CDF) == 0 {
		pl.Title.Text = fmt.Sprintf("retry %d: every delay followed a Retry-After", rd.Retry)
		return pl, false, nil
	}
	emp, err := plotter.NewLine(clipX(cdfSteps(rd.CDF), axis.max))
	if err != nil {
		return nil, false, err
	}
	emp.Color, emp.Width = colorOf(0), vg.Points(1.5)
	pl.Add(emp)
	if len(rd.Exact) == 0 {
		return pl, false, nil
	}
	ex, err := plotter.NewLine(clipX(pointsXY(rd.Exact), axis.max))
	if err != nil {
		return nil, false, err
	}
	ex.Color, ex.Width, ex.Dashes = colorOf(5), vg.Points(1), []vg.Length{vg.Points(4), vg.Points(3)}
	pl.Add(ex)
	return pl, true, nil
}

// clipX drops the points past x = hi, ending the curve at hi, so nothing is
// drawn outside a clipped axis.
func clipX(pts plotter.XYs, hi float64) plotter.XYs {
	out := make(plotter.XYs, 0, len(pts))
	for _, p := range pts {
		if p.X > hi {
			if len(out) > 0 {
				out = append(out, plotter.XY{X: hi, Y: out[len(out)-1].Y})
			}
			return out
		}
		out = append(out, p)
	}
	if len(out) == 0 { // every point past hi: nothing shows, but the line needs one
		out = append(out, plotter.XY{X: hi, Y: 0})
	}
	return out
}

// blankPlot fills a grid cell with nothing.
func blankPlot() *plot.Plot {
	p := newPlot("", "", "")
	p.HideAxes()
	return p
}

// thousands labels ticks of 1000 and up as "2k", "10k", so the labels of a
// narrow panel's axis never run into each other.
type thousands struct{ plot.Ticker }

// Ticks implements plot.Ticker.
func (t thousands) Ticks(lo, hi float64) []plot.Tick {
	ticks := t.Ticker.Ticks(lo, hi)
	for i, tk := range ticks {
		if tk.Label != "" && math.Abs(tk.Value) >= 1000 {
			ticks[i].Label = strconv.FormatFloat(tk.Value/1000, 'f', -1, 64) + "k"
		}
	}
	return ticks
}
