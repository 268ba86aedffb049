package reports

import (
	"image/color"

	"gonum.org/v1/plot"
	"gonum.org/v1/plot/font"
	"gonum.org/v1/plot/plotter"
	"gonum.org/v1/plot/vg"
	"gonum.org/v1/plot/vg/draw"
)

// palette is Okabe and Ito's colour-blind-safe set ("Color Universal Design",
// 2008), in the order strategies take them.
var palette = []color.RGBA{
	{0x00, 0x72, 0xB2, 0xff}, // blue
	{0xE6, 0x9F, 0x00, 0xff}, // orange
	{0x00, 0x9E, 0x73, 0xff}, // bluish green
	{0xCC, 0x79, 0xA7, 0xff}, // reddish purple
	{0x56, 0xB4, 0xE9, 0xff}, // sky blue
	{0xD5, 0x5E, 0x00, 0xff}, // vermillion
	{0x00, 0x00, 0x00, 0xff}, // black
	{0xF0, 0xE4, 0x42, 0xff}, // yellow, last: faint on white
}

func colorOf(i int) color.RGBA { return palette[i%len(palette)] }

var (
	faultShade = color.NRGBA{0xD5, 0x5E, 0x00, 0x30} // translucent vermillion
	gridColor  = color.RGBA{0xdd, 0xdd, 0xdd, 0xff}
	mutedColor = color.RGBA{0x99, 0x99, 0x99, 0xff}
	// capacityColor is dark red, apart from every strategy's colour.
	capacityColor = color.RGBA{0xA0, 0x10, 0x10, 0xff}
)

// sans is the face of every text in the plots: Liberation Sans, metrically
// compatible with Arial, so an SVG shown where Liberation is missing keeps its
// layout.
var sans = font.Font{Typeface: "Liberation", Variant: "Sans"}

// newPlot returns a plot with the report's look: sans text, light grid.
func newPlot(title, xLabel, yLabel string) *plot.Plot {
	p := plot.New()
	p.Title.Text = title
	p.X.Label.Text = xLabel
	p.Y.Label.Text = yLabel
	for _, s := range []*font.Font{
		&p.Title.TextStyle.Font, &p.X.Label.TextStyle.Font, &p.Y.Label.TextStyle.Font,
		&p.X.Tick.Label.Font, &p.Y.Tick.Label.Font, &p.Legend.TextStyle.Font,
	} {
		size := s.Size
		*s = sans
		s.Size = size
	}
	p.Title.TextStyle.Font.Size = vg.Points(11)
	p.X.Label.TextStyle.Font.Size = vg.Points(10)
	p.Y.Label.TextStyle.Font.Size = vg.Points(10)
	p.X.Tick.Label.Font.Size = vg.Points(9)
	p.Y.Tick.Label.Font.Size = vg.Points(9)
	p.Legend.TextStyle.Font.Size = vg.Points(9)
	p.Title.Padding = vg.Points(4)
	return p
}

// textLabels are value or name labels beside points, in the report's small
// sans face, aligned vertically as asked.
func textLabels(pl *plot.Plot, labels plotter.XYLabels, align draw.YAlignment) (*plotter.Labels, error) {
	l, err := plotter.NewLabels(labels)
	if err != nil {
		return nil, err
	}
	for i := range l.TextStyle {
		l.TextStyle[i].Font = sans
		l.TextStyle[i].Font.Size = vg.Points(8)
		l.TextStyle[i].Handler = pl.Title.TextStyle.Handler
		l.TextStyle[i].YAlign = align
	}
	return l, nil
}
