package analysis

import (
	"math"
	"slices"

	"gonum.org/v1/gonum/stat/distuv"
)

// MannWhitney is the result of a two-sided Mann-Whitney U test.
type MannWhitney struct {
	// U is the statistic of the first sample: the number of pairs (x, y) with
	// x > y, counting ties as one half.
	U float64 `json:"u"`
	// Z is the standardised statistic with continuity and tie corrections.
	Z float64 `json:"z"`
	// P is the two-sided p-value from the normal approximation.
	P  float64 `json:"p"`
	NX int     `json:"n_x"`
	NY int     `json:"n_y"`
}

// MannWhitneyU runs the two-sided Mann-Whitney U test (Mann and Whitney 1947)
// on two independent samples with the normal approximation, a continuity
// correction of ½ and the tie-corrected variance
//
//	σ² = nx·ny/12 · ((N + 1) − Σ(t³ − t)/(N(N − 1))),
//
// where t runs over the sizes of groups of tied values. This is what R's
// wilcox.test(exact = FALSE) and SciPy's mannwhitneyu(method="asymptotic")
// compute. The inputs are not modified. With an empty sample, or when every
// value is tied, there is no evidence either way and P is 1.
func MannWhitneyU(x, y []float64) MannWhitney {
	nx, ny := len(x), len(y)
	res := MannWhitney{NX: nx, NY: ny, P: 1}
	if nx == 0 || ny == 0 {
		return res
	}
	type obs struct {
		v     float64
		fromX bool
	}
	all := make([]obs, 0, nx+ny)
	for _, v := range x {
		all = append(all, obs{v, true})
	}
	for _, v := range y {
		all = append(all, obs{v, false})
	}
	slices.SortFunc(all, func(a, b obs) int {
		switch {
		case a.v < b.v:
			return -1
		case a.v > b.v:
			return 1
		}
		return 0
	})
	// Mid-ranks: a group of t tied values at ranks i+1..i+t all get the mean rank.
	var rankSumX, tieSum float64
	for i := 0; i < len(all); {
		j := i + 1
		for j < len(all) && all[j].v == all[i].v {
			j++
		}
		t := float64(j - i)
		midRank := float64(i+1+j) / 2
		for k := i; k < j; k++ {
			if all[k].fromX {
				rankSumX += midRank
			}
		}
		tieSum += t*t*t - t
		i = j
	}
	fx, fy, n := float64(nx), float64(ny), float64(nx+ny)
	res.U = rankSumX - fx*(fx+1)/2
	mean := fx * fy / 2
	variance := fx * fy / 12 * ((n + 1) - tieSum/(n*(n-1)))
	if variance <= 0 {
		return res
	}
	dev := math.Abs(res.U-mean) - 0.5
	if dev < 0 {
		dev = 0
	}
	z := dev / math.Sqrt(variance)
	if res.U < mean {
		z = -z
	}
	res.Z = z
	res.P = math.Min(1, 2*distuv.UnitNormal.Survival(math.Abs(z)))
	return res
}
