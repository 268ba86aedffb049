package reports

import (
	"gonum.org/v1/plot"
	"gonum.org/v1/plot/plotter"
	"gonum.org/v1/plot/vg"
	"gonum.org/v1/plot/vg/draw"
)

// labelRings bounds how far placeLabels moves a label from its point, in
// label heights.
const labelRings = 12

// placeLabels finds, for each anchor in order, a box of sizes[i] beside it
// that overlaps no box placed before, none of the obstacles (the markers of
// the points) and stays inside area. It tries right of the point, left,
// above and below at gap from it, then the same one label height further
// out at each step (up to labelRings), right and left also shifted up and
// down, so labels of points that crowd together stack instead of covering
// each other. A label that finds no room gets ok false and is not drawn:
// labels never overlap.
func placeLabels(anchors []vg.Point, sizes []vg.Point, obstacles []vg.Rectangle, area vg.Rectangle, gap vg.Length) (boxes []vg.Rectangle, ok []bool) {
	boxes, ok = make([]vg.Rectangle, len(anchors)), make([]bool, len(anchors))
	taken := append([]vg.Rectangle{}, obstacles...)
	free := func(b vg.Rectangle) bool {
		if b.Min.X < area.Min.X || b.Min.Y < area.Min.Y || b.Max.X > area.Max.X || b.Max.Y > area.Max.Y {
			return false
		}
		for _, t := range taken {
			if overlaps(b, t) {
				return false
			}
		}
		return true
	}
	for i, a := range anchors {
		w, h := sizes[i].X, sizes[i].Y
		for _, min := range labelCandidates(a, w, h, gap) {
			b := vg.Rectangle{Min: min, Max: vg.Point{X: min.X + w, Y: min.Y + h}}
			if free(b) {
				boxes[i], ok[i] = b, true
				taken = append(taken, b)
				break
			}
		}
	}
	return boxes, ok
}

// labelCandidates are the lower-left corners placeLabels tries, nearest
// first.
func labelCandidates(a vg.Point, w, h, gap vg.Length) []vg.Point {
	var out []vg.Point
	for k := range labelRings + 1 {
		step := vg.Length(k) * h
		mid := a.Y - h/2
		out = append(out,
			vg.Point{X: a.X + gap, Y: mid + step}, vg.Point{X: a.X - gap - w, Y: mid + step},
			vg.Point{X: a.X - w/2, Y: a.Y + gap + step}, vg.Point{X: a.X - w/2, Y: a.Y - gap - h - step})
		if k > 0 {
			out = append(out, vg.Point{X: a.X + gap, Y: mid - step}, vg.Point{X: a.X - gap - w, Y: mid - step})
		}
	}
	return out
}

// overlaps reports whether two boxes share more than an edge.
func overlaps(a, b vg.Rectangle) bool {
	return a.Min.X < b.Max.X && b.Min.X < a.Max.X && a.Min.Y < b.Max.Y && b.Min.Y < a.Max.Y
}

// placedLabels is a plotter that names points with placeLabels, so no two
// names overlap each other or any point's marker. Markers are squares of
// half-side radius around every point in all.
type placedLabels struct {
	named  plotter.XYs
	names  []string
	all    plotter.XYs
	radius vg.Length
	style  draw.TextStyle
}

// Plot implements plot.Plotter.
func (l placedLabels) Plot(c draw.Canvas, plt *plot.Plot) {
	trX, trY := plt.Transforms(&c)
	at := func(p plotter.XY) vg.Point { return vg.Point{X: trX(p.X), Y: trY(p.Y)} }
	var obstacles []vg.Rectangle
	for _, p := range l.all {
		pt := at(p)
		obstacles = append(obstacles, vg.Rectangle{Min: vg.Point{X: pt.X - l.radius, Y: pt.Y - l.radius}, Max: vg.Point{X: pt.X + l.radius, Y: pt.Y + l.radius}})
	}
	anchors, sizes := make([]vg.Point, len(l.named)), make([]vg.Point, len(l.named))
	for i, p := range l.named {
		anchors[i] = at(p)
		sizes[i] = vg.Point{X: l.style.Width(l.names[i]), Y: l.style.Height(l.names[i])}
	}
	boxes, ok := placeLabels(anchors, sizes, obstacles, c.Rectangle, l.radius+vg.Points(2))
	style := l.style
	style.XAlign, style.YAlign = draw.XLeft, draw.YBottom
	for i, b := range boxes {
		if ok[i] {
			c.FillText(style, b.Min, l.names[i])
		}
	}
}
