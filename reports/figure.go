package reports

import (
	"bytes"
	"fmt"
	"image/png"

	"gonum.org/v1/plot"
	"gonum.org/v1/plot/vg"
	"gonum.org/v1/plot/vg/draw"
	"gonum.org/v1/plot/vg/vgimg"
	"gonum.org/v1/plot/vg/vgsvg"
)

// Figure is one plot of a report, rendered as SVG (inlined in the HTML) and
// PNG (for places that do not show SVG).
type Figure struct {
	Name    string // file stem: Name.svg and Name.png
	Title   string
	Caption string
	SVG     []byte
	PNG     []byte
}

// pngDPI renders PNGs at twice the screen density, so they stay sharp on
// high-density displays.
const pngDPI = 192

// panels lays plots out in a grid of tiles (rows of equal length) sharing
// their axes' placement (plot.Align), and renders them at width × height.
type panels struct {
	rows          [][]*plot.Plot
	width, height vg.Length
}

func column(plots []*plot.Plot, width, rowHeight vg.Length) panels {
	rows := make([][]*plot.Plot, len(plots))
	for i, p := range plots {
		rows[i] = []*plot.Plot{p}
	}
	return panels{rows: rows, width: width, height: rowHeight * vg.Length(len(plots))}
}

func single(p *plot.Plot, width, height vg.Length) panels {
	return panels{rows: [][]*plot.Plot{{p}}, width: width, height: height}
}

// render draws the panels to SVG and PNG.
func (ps panels) render(name, title, caption string) (Figure, error) {
	f := Figure{Name: name, Title: title, Caption: caption}
	svg := vgsvg.New(ps.width, ps.height)
	ps.draw(svg)
	var buf bytes.Buffer
	if _, err := svg.WriteTo(&buf); err != nil {
		return f, fmt.Errorf("figure %s: svg: %w", name, err)
	}
	f.SVG = append([]byte(nil), buf.Bytes()...)

	img := vgimg.NewWith(vgimg.UseWH(ps.width, ps.height), vgimg.UseDPI(pngDPI))
	ps.draw(img)
	buf.Reset()
	// Plots are flat colour, so the fastest deflate level costs little in size
	// and most of the encoding time.
	enc := png.Encoder{CompressionLevel: png.BestSpeed}
	if err := enc.Encode(&buf, img.Image()); err != nil {
		return f, fmt.Errorf("figure %s: png: %w", name, err)
	}
	f.PNG = buf.Bytes()
	return f, nil
}

func (ps panels) draw(c vg.CanvasSizer) {
	dc := draw.New(c)
	if len(ps.rows) == 1 && len(ps.rows[0]) == 1 {
		ps.rows[0][0].Draw(dc)
		return
	}
	tiles := draw.Tiles{Rows: len(ps.rows), Cols: len(ps.rows[0]), PadX: vg.Points(10), PadY: vg.Points(6), PadTop: vg.Points(2), PadBottom: vg.Points(2), PadLeft: vg.Points(2), PadRight: vg.Points(8)}
	canvases := plot.Align(ps.rows, tiles, dc)
	for i, row := range ps.rows {
		for j, p := range row {
			p.Draw(canvases[i][j])
		}
	}
}
