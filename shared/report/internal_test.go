package report

import (
	"math"
	"math/rand/v2"
	"slices"
	"testing"

	"github.com/stretchr/testify/assert"
)

// median selects what sorting would find, with ties, NaNs and both
// parities, and leaves its input as it was.
func TestMedian(t *testing.T) {
	r := rand.New(rand.NewPCG(3, 4))
	for n := range 60 {
		vs := make([]float64, n)
		for i := range vs {
			switch r.IntN(4) {
			case 0:
				vs[i] = math.NaN()
			case 1:
				vs[i] = float64(r.IntN(3)) // many ties
			default:
				vs[i] = r.NormFloat64() * 1e4
			}
		}
		orig := slices.Clone(vs)
		sorted := finite(vs)
		slices.Sort(sorted)
		want := math.NaN()
		if k := len(sorted); k > 0 {
			want = (sorted[(k-1)/2] + sorted[k/2]) / 2
		}
		got := median(vs)
		if math.IsNaN(want) {
			assert.True(t, math.IsNaN(got), "n=%d: %v; want NaN", n, got)
		} else {
			assert.Equal(t, want, got, "n=%d", n)
		}
		assert.Equal(t, len(orig), len(vs))
		for i := range vs {
			assert.True(t, vs[i] == orig[i] || math.IsNaN(vs[i]) && math.IsNaN(orig[i]), "n=%d: the input changed at %d", n, i)
		}
	}
}

// The bins span the data whatever its scale, with a round width and a
// bounded count.
func TestBinsFor(t *testing.T) {
	for _, c := range []struct {
		name         string
		values       []float64
		lo, hi, step float64
	}{
		{"scores", []float64{17, 42, 100}, 15, 100, 5},
		{"prices", []float64{326, 18823}, 0, 19000, 1000},
		{"small counts: whole numbers get bins of 1, centred", []float64{0, 1, 2, 5}, -0.5, 5.5, 1},
		{"fractions", []float64{0.012, 0.087}, 0.01, 0.09, 0.005},
		{"negative", []float64{-2500, -40}, -2600, 0, 200},
		{"constant", []float64{7.5, 7.5}, 7, 8, 1},
		{"no values", []float64{math.NaN()}, 0, 1, 1},
	} {
		lo, hi, step := binsFor(c.values, 20)
		assert.InDelta(t, c.lo, lo, 1e-9, "%s: from", c.name)
		assert.InDelta(t, c.hi, hi, 1e-9, "%s: to", c.name)
		assert.InDelta(t, c.step, step, 1e-12, "%s: by", c.name)
		assert.LessOrEqual(t, (hi-lo)/step, 41.0, c.name)
	}
}

// A few outliers do not flatten a histogram: beyond a threefold stretch,
// the bins span the rest and the outliers land in the end bins.
func TestHistogramBinsFoldOutliers(t *testing.T) {
	vs := make([]float64, 1000)
	for i := range vs {
		vs[i] = float64(i%100) / 10 // 0 to 9.9
	}
	lo, hi, step, clipped := histogramBins(vs, 20)
	assert.False(t, clipped)
	assert.Equal(t, []float64{0, 10, 0.5}, []float64{lo, hi, step})

	vs[0], vs[1] = 58.9, -31.8 // two of a thousand, far out
	lo, hi, step, clipped = histogramBins(vs, 20)
	assert.True(t, clipped)
	assert.Equal(t, []float64{0, 10, 0.5}, []float64{lo, hi, step}, "the bins of the values without the outliers")

	vs[2], vs[3], vs[4], vs[5], vs[6], vs[7] = 60, 61, 62, 63, 64, 65 // eight far out: too many to fold
	_, hi, _, clipped = histogramBins(vs, 20)
	assert.False(t, clipped)
	assert.GreaterOrEqual(t, hi, 65.0)
}
