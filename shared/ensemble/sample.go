package ensemble

import (
	"math"
	"slices"
)

// weightedDraw draws row indices in proportion to weights by inverting
// their cumulative sum, in O(1) expected time a draw with a guide table
// (Chen and Asau's indexed search): bucket j of the table holds the first
// index whose cumulative weight falls in bucket j or later, and a draw
// scans forward from its bucket's entry. It gives exactly the index a
// binary search of the cumulative sums gives.
type weightedDraw struct {
	cdf   []float64 // cumulative weights
	guide []int32   // guide[j]: the first k with bucket(cdf[k]) ≥ j
	scale float64   // buckets per unit of weight; 0: binary search
}

// newWeightedDraw allocates a draw over n weights.
func newWeightedDraw(n int) *weightedDraw {
	return &weightedDraw{cdf: make([]float64, n), guide: make([]int32, n+1)}
}

// reset sums w (len(w) = n) into the cumulative weights, builds the guide
// table, and returns the total weight.
func (d *weightedDraw) reset(w []float64) float64 {
	var c float64
	for i, v := range w {
		c += v
		d.cdf[i] = c
	}
	m := len(d.guide) - 1
	d.scale = float64(m) / c
	if !(c > 0) || math.IsInf(c, 0) || math.IsInf(d.scale, 0) {
		d.scale = 0 // no buckets for weights that are zero, not finite or tiny
		return c
	}
	j := 0
	for k, v := range d.cdf {
		for b := d.bucket(v); j <= b; j++ {
			d.guide[j] = int32(k)
		}
	}
	for ; j <= m; j++ {
		d.guide[j] = int32(len(d.cdf))
	}
	return c
}

// bucket is v's bucket, in [0, m]. It never decreases as v grows (a
// correctly rounded product and the conversion both keep order), which is
// all the guide table relies on: a row before guide[bucket(u)] has a
// smaller bucket than u, so a smaller cumulative weight.
func (d *weightedDraw) bucket(v float64) int {
	return min(int(v*d.scale), len(d.guide)-1)
}

// index returns the first k with cdf[k] ≥ u, or the last row when there is
// none. A u outside [0, total] (which a draw never makes) falls back to the
// binary search.
func (d *weightedDraw) index(u float64) int {
	n := len(d.cdf)
	if d.scale == 0 || !(u >= 0 && u <= d.cdf[n-1]) {
		k, _ := slices.BinarySearch(d.cdf, u)
		return min(n-1, k)
	}
	k := int(d.guide[d.bucket(u)])
	for k < n-1 && d.cdf[k] < u {
		k++
	}
	return min(n-1, k)
}
