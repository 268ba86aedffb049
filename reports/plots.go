package reports

import (
	"errors"
	"fmt"
	"image/color"
	"math"
	"sync"

	"gonum.org/v1/plot"
	"gonum.org/v1/plot/plotter"
	"gonum.org/v1/plot/vg"
	"gonum.org/v1/plot/vg/draw"

	"github.com/chaos-harness/chaos/analysis"
)

// Figure sizes: small multiples get a row each.
const (
	figWidth     = 7.5 * vg.Inch
	panelHeight  = 1.7 * vg.Inch
	singleHeight = 3.6 * vg.Inch
)

// Figures draws the report's plots from a Result alone: arrivals over time
// per strategy, success rate over time, completion-time CDFs, retry-delay
// CDFs against the exact ones (when there were retries) and, for a ranked
// result, the settings' trade-off with the Pareto frontier.
func Figures(res analysis.Result) ([]Figure, error) {
	if len(res.Policies) == 0 {
		return nil, errors.New("the result has no strategies to plot")
	}
	type maker func(analysis.Result) (Figure, bool, error)
	makers := []maker{overviewFigure, arrivalsFigure, successFigure, completionFigure, retryDelayFigure, frontierFigure}
	type made struct {
		fig Figure
		ok  bool
		err error
	}
	// Each figure is drawn on its own canvas, so they render in parallel
	// (gonum/plot's font cache is safe for concurrent use).
	results := make([]made, len(makers))
	var wg sync.WaitGroup
	for i, mk := range makers {
		wg.Go(func() {
			f, ok, err := mk(res)
			results[i] = made{f, ok, err}
		})
	}
	wg.Wait()
	var figs []Figure
	for _, r := range results {
		if r.err != nil {
			return nil, r.err
		}
		if r.ok {
			figs = append(figs, r.fig)
		}
	}
	return figs, nil
}

// timeAxis is the shared x range of the time series, in seconds.
func timeAxis(res analysis.Result) (bins int, binS, endS float64) {
	for _, p := range res.Policies {
		bins = max(bins, len(p.Series.Arrivals))
	}
	binS = res.BinWidthMs / 1000
	return bins, binS, float64(bins) * binS
}

// faultSpans are the fault phases that apply to a policy, in seconds.
func faultSpans(res analysis.Result, policy string) [][2]float64 {
	var spans [][2]float64
	for _, ph := range res.Phases {
		if ph.Fault && (ph.Policy == "" || ph.Policy == policy) {
			spans = append(spans, [2]float64{ph.StartMs / 1000, ph.EndMs / 1000})
		}
	}
	return spans
}

// arrivalsFigure is the herd plot: per strategy, all attempts and, drawn over
// them, the retries alone, with the herd figures over retries in the title.
// The retries are what a policy adds and jitter spreads; the first burst of a
// fleet that starts together is the same whatever the jitter.
func arrivalsFigure(res analysis.Result) (Figure, bool, error) {
	bins, binS, endS := timeAxis(res)
	var peak float64
	for _, p := range res.Policies {
		for _, c := range p.Series.Arrivals {
			peak = math.Max(peak, float64(c)/binS)
		}
	}
	capacity, hasCapacity := capacityRate(res)
	if hasCapacity {
		peak = math.Max(peak, capacity)
	}
	plots := make([]*plot.Plot, len(res.Policies))
	for i, p := range res.Policies {
		pl := newPlot(herdTitle(res, &p), "", "arrivals/s")
		pl.Add(shade{spans: faultSpans(res, p.Name), color: faultShade})
		pl.Add(plotter.NewGrid())
		all, err := rateSteps(p.Series.Arrivals, bins, binS, endS)
		if err != nil {
			return Figure{}, false, fmt.Errorf("arrivals of %s: %w", p.Name, err)
		}
		all.Color = translucent(colorOf(i), 0x90)
		all.Width = vg.Points(0.8)
		all.FillColor = translucent(colorOf(i), 0x30) // lets the fault shading show through
		pl.Add(all)
		retries, err := rateSteps(p.Series.Retries, bins, binS, endS)
		if err != nil {
			return Figure{}, false, fmt.Errorf("retries of %s: %w", p.Name, err)
		}
		retries.Color = colorOf(i)
		retries.Width = vg.Points(1.2)
		retries.FillColor = translucent(colorOf(i), 0xa0)
		pl.Add(retries)
		if i == 0 {
			pl.Legend.Add("all attempts", all)
			pl.Legend.Add("retries", retries)
			pl.Legend.Top = true
			pl.Legend.TextStyle.Font.Size = vg.Points(8)
		}
		if hasCapacity {
			cl, err := capacityLine(capacity, endS)
			if err != nil {
				return Figure{}, false, err
			}
			pl.Add(cl)
			if i == 0 {
				pl.Legend.Add(fmt.Sprintf("capacity: %s/s admitted", num(capacity)), cl)
			}
		}
		pl.X.Min, pl.X.Max = 0, endS
		pl.X.Tick.Marker = timeTicks{}
		pl.Y.Min, pl.Y.Max = 0, math.Max(1, peak*1.05)
		plots[i] = pl
	}
	last := plots[len(plots)-1]
	last.X.Label.Text = "time since start (s)"
	f, err := column(plots, figWidth, panelHeight).render("arrivals",
		"Arrivals over time: the herd",
		fmt.Sprintf("Attempts arriving at the server per second, in bins of %s, one panel per strategy on shared axes; dark: the retries among them (attempts after the first of their logical request). Titles: the most retries in any %s window (retry_max_window, and per second retry_peak_rate), over what the server's capacity admits in it when it has a capacity model (peak_to_capacity). Shaded: fault phases.%s",
			durationText(res.BinWidthMs), durationText(res.RetryWindowMs), capacityCaption(res)))
	return f, err == nil, err
}

// capacityRate is the rate the server's capacity model admits, in requests
// per second; false when it has none or only a concurrency limit.
func capacityRate(res analysis.Result) (float64, bool) {
	if res.Run == nil || res.Run.Server == nil || res.Run.Server.Capacity == nil || res.Run.Server.Capacity.RatePerS == nil {
		return 0, false
	}
	return *res.Run.Server.Capacity.RatePerS, true
}

// capacityLine is the admitted rate across the plot, dashed.
func capacityLine(rate, endS float64) (*plotter.Line, error) {
	l, err := plotter.NewLine(plotter.XYs{{X: 0, Y: rate}, {X: endS, Y: rate}})
	if err != nil {
		return nil, err
	}
	l.Color, l.Width, l.Dashes = capacityColor, vg.Points(1.2), []vg.Length{vg.Points(5), vg.Points(3)}
	return l, nil
}

func capacityCaption(res analysis.Result) string {
	if rate, ok := capacityRate(res); ok {
		return fmt.Sprintf(" Dashed: the server's capacity, %s requests/s admitted by its token bucket; arrivals above it are refused (fault overload).", num(rate))
	}
	if res.Run != nil && res.Run.Server != nil && res.Run.Server.Capacity != nil {
		return " The server's capacity model limits only concurrency, so its admitted rate depends on response times and no line is drawn."
	}
	return ""
}

// herdTitle names a strategy with its herd figures: the most retries in one
// retry window, per second, and over the capacity when there is one.
func herdTitle(res analysis.Result, p *analysis.PolicyResult) string {
	if p.RetryMaxWindow == nil {
		return fmt.Sprintf("%s: retries unknown (the attempts could not be grouped); most attempts in %s: %d", p.Name, durationText(res.WindowMs), p.MaxWindowArrivals)
	}
	t := fmt.Sprintf("%s: most retries in %s: %d (%s/s)", p.Name, durationText(res.RetryWindowMs), *p.RetryMaxWindow, num(*p.RetryPeakRate))
	if p.PeakToCapacity != nil {
		t += fmt.Sprintf(", %s× capacity", num(*p.PeakToCapacity))
	}
	return t
}

// rateSteps is a step line of per-bin counts as rates per second over bins
// rate bins, its last step closed at endS.
func rateSteps(counts []int, bins int, binS, endS float64) (*plotter.Line, error) {
	pts := make(plotter.XYs, 0, bins+1)
	for j := range bins {
		c := 0
		if j < len(counts) {
			c = counts[j]
		}
		pts = append(pts, plotter.XY{X: float64(j) * binS, Y: float64(c) / binS})
	}
	if len(pts) > 0 {
		pts = append(pts, plotter.XY{X: endS, Y: pts[len(pts)-1].Y}) // close the last step
	}
	line, err := plotter.NewLine(pts)
	if err != nil {
		return nil, err
	}
	line.StepStyle = plotter.PostStep
	return line, nil
}

func successFigure(res analysis.Result) (Figure, bool, error) {
	_, binS, endS := timeAxis(res)
	plots := make([]*plot.Plot, len(res.Policies))
	for i, p := range res.Policies {
		pl := newPlot(fmt.Sprintf("%s: %s of logical requests succeeded", p.Name, percent(p.SuccessRate)), "", "attempts ok")
		pl.Add(shade{spans: faultSpans(res, p.Name), color: faultShade})
		pl.Add(plotter.NewGrid())
		// One line per run of non-empty bins: a bin with no attempts has no rate.
		var run plotter.XYs
		flush := func() error {
			if len(run) == 0 {
				return nil
			}
			line, err := plotter.NewLine(run)
			if err != nil {
				return err
			}
			line.StepStyle = plotter.PostStep
			line.Color = colorOf(i)
			line.Width = vg.Points(1.2)
			pl.Add(line)
			run = nil
			return nil
		}
		for j, n := range p.Series.Arrivals {
			if n == 0 {
				if err := flush(); err != nil {
					return Figure{}, false, err
				}
				continue
			}
			y := float64(p.Series.Succeeded[j]) / float64(n)
			run = append(run, plotter.XY{X: float64(j) * binS, Y: y}, plotter.XY{X: float64(j+1) * binS, Y: y})
		}
		if err := flush(); err != nil {
			return Figure{}, false, err
		}
		pl.X.Min, pl.X.Max = 0, endS
		pl.X.Tick.Marker = timeTicks{}
		pl.Y.Min, pl.Y.Max = 0, 1.05
		pl.Y.Tick.Marker = plot.ConstantTicks([]plot.Tick{{Value: 0, Label: "0%"}, {Value: 0.5, Label: "50%"}, {Value: 1, Label: "100%"}})
		plots[i] = pl
	}
	plots[len(plots)-1].X.Label.Text = "time since start (s)"
	f, err := column(plots, figWidth, panelHeight).render("success",
		"Success rate over time",
		fmt.Sprintf("Share of attempts that succeeded, per bin of %s (gaps: no attempts). Shaded: fault phases.", durationText(res.BinWidthMs)))
	return f, err == nil, err
}

func completionFigure(res analysis.Result) (Figure, bool, error) {
	pl := newPlot("Completion time per logical request", "completion time (ms)", "share of requests")
	pl.Add(plotter.NewGrid())
	lo, hi := math.Inf(1), 0.0
	for _, p := range res.Policies {
		for _, pt := range p.Series.Completion {
			lo, hi = math.Min(lo, pt.X), math.Max(hi, pt.X)
		}
	}
	logX := lo > 0 && hi/lo >= 100
	for i, p := range res.Policies {
		pts := cdfSteps(p.Series.Completion)
		if len(pts) == 0 {
			continue
		}
		line, err := plotter.NewLine(pts)
		if err != nil {
			return Figure{}, false, fmt.Errorf("completion of %s: %w", p.Name, err)
		}
		line.Color = colorOf(i)
		line.Width = vg.Points(1.5)
		pl.Add(line)
		pl.Legend.Add(p.Name, line)
	}
	if logX {
		pl.X.Scale = plot.LogScale{}
		pl.X.Tick.Marker = plot.LogTicks{Prec: -1}
		pl.X.Label.Text = "completion time (ms, log scale)"
	}
	pl.Y.Min, pl.Y.Max = 0, 1
	pl.Legend.Top, pl.Legend.Left = false, false
	pl.Legend.YOffs = vg.Points(12)
	f, err := single(pl, figWidth, singleHeight).render("completion",
		"Completion-time CDFs",
		"Time from a logical request's first attempt to the response that decided it (the first success, else the last attempt), as a cumulative distribution per strategy.")
	return f, err == nil, err
}

// frontierFigure plots every setting of a ranked result on the frontier's
// objectives, amplification across and p99 completion time up (both lower is
// better): the frontier filled and named, settings above the success floor
// that another beats as rings, settings below the floor as crosses. Names
// are placed so that none overlaps another or a point.
func frontierFigure(res analysis.Result) (Figure, bool, error) {
	if len(res.Ranking) == 0 {
		return Figure{}, false, nil
	}
	var front, beaten, below, all plotter.XYs
	var named plotter.XYs
	var names []string
	for _, r := range res.Ranking {
		p, _ := res.Policy(r.Name)
		pt := plotter.XY{X: p.AmplificationBound(), Y: p.CompletionMs.P99}
		all = append(all, pt)
		switch {
		case r.Pareto:
			front = append(front, pt)
		case r.BelowMinSuccess:
			below = append(below, pt)
		default:
			beaten = append(beaten, pt)
		}
		if r.Pareto || r.Rank == 1 {
			name := r.Name
			if r.Rank == 1 {
				name += " (rank 1)"
			}
			named, names = append(named, pt), append(names, name)
		}
	}
	pl := newPlot("Settings: load against tail latency",
		"amplification (attempts per logical request), lower is better", "p99 completion time (ms), lower is better")
	pl.Add(plotter.NewGrid())
	const radius = 3.5
	groups := []struct {
		pts   plotter.XYs
		style draw.GlyphStyle
	}{
		{below, draw.GlyphStyle{Color: mutedColor, Radius: vg.Points(radius - 1), Shape: draw.CrossGlyph{}}},
		{beaten, draw.GlyphStyle{Color: mutedColor, Radius: vg.Points(radius - 1), Shape: draw.RingGlyph{}}},
		{front, draw.GlyphStyle{Color: colorOf(0), Radius: vg.Points(radius), Shape: draw.CircleGlyph{}}},
	}
	for _, g := range groups {
		if len(g.pts) == 0 {
			continue
		}
		s, err := plotter.NewScatter(g.pts)
		if err != nil {
			return Figure{}, false, err
		}
		s.GlyphStyle = g.style
		pl.Add(s)
	}
	style := pl.Title.TextStyle
	style.Font = sans
	style.Font.Size = vg.Points(8)
	pl.Add(placedLabels{named: named, names: names, all: all, radius: vg.Points(radius), style: style})
	// Room around the points, so none sits on an axis and names fit.
	pad := func(lo, hi, frac float64) (float64, float64) {
		d := (hi - lo) * frac
		if d == 0 {
			d = math.Max(math.Abs(hi)*0.05, 0.01)
		}
		return lo - d, hi + d
	}
	xmin, xmax, ymin, ymax := math.Inf(1), math.Inf(-1), math.Inf(1), math.Inf(-1)
	for _, pt := range all {
		xmin, xmax = math.Min(xmin, pt.X), math.Max(xmax, pt.X)
		ymin, ymax = math.Min(ymin, pt.Y), math.Max(ymax, pt.Y)
	}
	pl.X.Min, pl.X.Max = pad(xmin, xmax, 0.25)
	pl.Y.Min, pl.Y.Max = pad(ymin, ymax, 0.12)
	floor := analysis.DefaultMinSuccess
	if res.Frontier != nil {
		floor = res.Frontier.MinSuccess
	}
	caption := fmt.Sprintf("Each point is one setting of the grid, placed by amplification and p99 completion time, the two objectives the frontier is computed on (both lower is better). "+
		"Filled and named: the Pareto frontier among the settings whose success rate is at least %s (--min-success), where no other such setting is at least as good on both and better on one. "+
		"Rings: settings above the floor that another beats. Crosses: settings below the floor, never on the frontier. The winner by the ranking rule is named with (rank 1).", percent(floor))
	f, err := single(pl, figWidth, singleHeight+0.6*vg.Inch).render("frontier", "Settings and the Pareto frontier", caption)
	return f, err == nil, err
}

// cdfSteps turns CDF points into a staircase starting from zero.
func cdfSteps(pts []analysis.Point) plotter.XYs {
	if len(pts) == 0 {
		return nil
	}
	out := make(plotter.XYs, 0, 2*len(pts)+1)
	prev := 0.0
	out = append(out, plotter.XY{X: pts[0].X, Y: 0})
	for _, p := range pts {
		out = append(out, plotter.XY{X: p.X, Y: prev}, plotter.XY{X: p.X, Y: p.Y})
		prev = p.Y
	}
	return out
}

func pointsXY(pts []analysis.Point) plotter.XYs {
	out := make(plotter.XYs, len(pts))
	for i, p := range pts {
		out[i] = plotter.XY{X: p.X, Y: p.Y}
	}
	return out
}

// translucent is c with the given opacity.
func translucent(c color.RGBA, alpha uint8) color.NRGBA {
	return color.NRGBA{c.R, c.G, c.B, alpha}
}
