package reports

import (
	"fmt"

	. "github.com/onsi/ginkgo/v2"
	g "github.com/onsi/gomega"
	"gonum.org/v1/plot/vg"
)

var _ = Describe("placeLabels", func() {
	area := vg.Rectangle{Max: vg.Point{X: 400, Y: 300}}
	const gap, radius = 5, 3
	marker := func(p vg.Point) vg.Rectangle {
		return vg.Rectangle{Min: vg.Point{X: p.X - radius, Y: p.Y - radius}, Max: vg.Point{X: p.X + radius, Y: p.Y + radius}}
	}
	// noOverlap checks every placed box against the others, every marker and
	// the area.
	noOverlap := func(anchors []vg.Point, boxes []vg.Rectangle, ok []bool) {
		for i, b := range boxes {
			if !ok[i] {
				continue
			}
			Expect(b.Min.X >= area.Min.X && b.Min.Y >= area.Min.Y && b.Max.X <= area.Max.X && b.Max.Y <= area.Max.Y).To(g.BeTrue(), "box %d %v outside", i, b)
			for _, a := range anchors {
				Expect(overlaps(b, marker(a))).To(g.BeFalse(), "box %d %v on the marker at %v", i, b, a)
			}
			for j := range i {
				if ok[j] {
					Expect(overlaps(b, boxes[j])).To(g.BeFalse(), "boxes %d %v and %d %v", i, b, j, boxes[j])
				}
			}
		}
	}
	place := func(anchors []vg.Point, w, h vg.Length) ([]vg.Rectangle, []bool) {
		sizes := make([]vg.Point, len(anchors))
		var obstacles []vg.Rectangle
		for i, a := range anchors {
			sizes[i] = vg.Point{X: w, Y: h}
			obstacles = append(obstacles, marker(a))
		}
		return placeLabels(anchors, sizes, obstacles, area, gap)
	}

	It("puts a lone label right of its point, centred on it", func() {
		boxes, ok := place([]vg.Point{{X: 100, Y: 100}}, 60, 10)
		Expect(ok).To(Equal([]bool{true}))
		// Lower left at (100 + 5, 100 − 10/2).
		Expect(boxes[0]).To(Equal(vg.Rectangle{Min: vg.Point{X: 105, Y: 95}, Max: vg.Point{X: 165, Y: 105}}))
	})

	It("moves a label to the left when the right runs out of the area", func() {
		boxes, ok := place([]vg.Point{{X: 380, Y: 100}}, 60, 10)
		Expect(ok).To(Equal([]bool{true}))
		// 380 + 5 + 60 > 400, so left: 380 − 5 − 60 = 315.
		Expect(boxes[0].Min).To(Equal(vg.Point{X: 315, Y: 95}))
	})

	It("stacks the labels of nine points on one spot and of a tight cluster without any overlap", func() {
		same := make([]vg.Point, 9)
		cluster := make([]vg.Point, 9)
		for i := range 9 {
			same[i] = vg.Point{X: 200, Y: 150}
			cluster[i] = vg.Point{X: vg.Length(190 + 4*(i%3)), Y: vg.Length(140 + 3*(i/3))}
		}
		for _, anchors := range [][]vg.Point{same, cluster} {
			boxes, ok := place(anchors, 110, 10)
			Expect(ok).NotTo(g.ContainElement(false), fmt.Sprint(boxes))
			noOverlap(anchors, boxes, ok)
		}
	})

	It("leaves out the labels that find no room rather than overlap", func() {
		anchors := make([]vg.Point, 30)
		for i := range anchors {
			anchors[i] = vg.Point{X: 200, Y: 150}
		}
		boxes, ok := place(anchors, 180, 40) // 30 boxes of 180×40 cannot all fit in 400×300
		Expect(ok).To(g.ContainElement(false))
		Expect(ok).To(g.ContainElement(true))
		noOverlap(anchors, boxes, ok)
	})
})
