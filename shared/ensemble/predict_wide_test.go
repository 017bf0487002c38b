package ensemble

import (
	"math"
	"math/rand/v2"
	"sync"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/studentperf/studentperf/shared/tree"
)

// wideLevels is the layout of the wide benchmark table (infra/bench/table)
// as the trees see it: ten categories of 3 to 200 levels, each with one
// more for a missing level, then twenty numbers.
var wideLevels = func() []int {
	l := []int{4, 6, 9, 13, 21, 36, 61, 101, 151, 201}
	return append(l, make([]int, 20)...)
}()

// wideTable draws n rows shaped as the wide table's: skewed levels, a
// level past every one seen now and then, numbers of several kinds, 5% of
// them missing (NaN), some ±Inf; and a target that only native category
// and missing-value splits learn well.
func wideTable(n int, seed uint64) (*tree.Data, []float64) {
	rng := rand.New(rand.NewPCG(seed, 18))
	effect := make([]float64, 201)
	for l := range effect {
		effect[l] = rng.NormFloat64()
	}
	d := &tree.Data{Rows: n, Levels: wideLevels, X: make([]float64, 0, n*len(wideLevels))}
	y := make([]float64, n)
	for r := range n {
		row := len(d.X)
		for _, l := range wideLevels[:10] {
			u := rng.Float64()
			d.X = append(d.X, float64(min(l-1, int(u*u*float64(l)))))
		}
		for j := range 20 {
			v := math.Round(rng.NormFloat64()*1000) / 1000
			if j%4 == 3 {
				v = float64(rng.IntN(51))
			}
			if rng.Float64() < 0.05 {
				v = math.NaN()
			}
			d.X = append(d.X, v)
		}
		x := d.X[row:]
		y[r] = effect[int(x[9])] + effect[int(x[8])]/2 + effect[int(x[4])]/3 + rng.NormFloat64()/4
		if v := x[10]; v == v {
			y[r] += 1.5 * v
		} else {
			y[r] += 2
		}
		if x[13] > 25 {
			y[r] += 0.8
		}
	}
	return d, y
}

// TestPredictBatchWideBoost: a boosting fit like issue 18's (31 leaves,
// rate 0.1, native category and missing-value splits) on a wide table is
// too large for the compiled tables, so batches go through the flat
// kernel; every combination of its trees (a sum, a mean, a weighted
// median) predicts in batches, of any size and from two goroutines at
// once, what walking the trees row by row predicts, bit for bit, on rows
// with missing numbers, infinities and levels past every seen one.
func TestPredictBatchWideBoost(t *testing.T) {
	d, y := wideTable(6000, 1)
	b, err := tree.FitBinner(d, nil, tree.MaxBins)
	require.NoError(t, err)
	bd, err := b.Bin(d, nil)
	require.NoError(t, err)
	boost, err := FitBoost(bd, y, Boost{Trees: 30, LearningRate: 0.1, Subsample: 1,
		Tree: tree.Params{MaxLeaves: 31, MinSamplesLeaf: 20, Workers: 2}}, 7)
	require.NoError(t, err)
	require.NoError(t, boost.Check(d.Levels))
	c, err := tree.Compile(boost.Trees)
	require.NoError(t, err)
	require.Equal(t, len(boost.Trees), c.Routed(), "every tree goes through the flat kernel")

	test, _ := wideTable(2500, 2)
	p := len(wideLevels)
	rng := rand.New(rand.NewPCG(3, 3))
	for i := range test.X {
		switch f := i % p; {
		case f < 10 && rng.IntN(40) == 0:
			test.X[i] = float64(wideLevels[f] + rng.IntN(100)) // past every level
		case f >= 10 && rng.IntN(100) == 0:
			test.X[i] = math.Inf(1 - 2*rng.IntN(2))
		}
	}
	weights := make([]float64, len(boost.Trees))
	for i := range weights {
		weights[i] = float64(1 + rng.IntN(5))
	}
	for _, e := range []*Ensemble{
		boost,
		{Combine: Mean, Trees: boost.Trees},
		{Combine: Median, Trees: boost.Trees, Weights: weights},
	} {
		want := make([]float64, test.Rows)
		for r := range want {
			want[r] = e.walk(test.Row(r))
		}
		for _, block := range []int{1, 7, 256, 4096, test.Rows} {
			got := make([]float64, test.Rows)
			var wg sync.WaitGroup
			for half := range 2 { // two callers at once, as predict batch's
				wg.Go(func() {
					for lo := half * block; lo < test.Rows; lo += 2 * block {
						hi := min(lo+block, test.Rows)
						e.PredictBatch(test.X[lo*p:hi*p], p, got[lo:hi])
					}
				})
			}
			wg.Wait()
			for r := range want {
				require.Equal(t, math.Float64bits(want[r]), math.Float64bits(got[r]), "%s, blocks of %d: row %d", e.Combine, block, r)
				if block == 1 {
					require.Equal(t, math.Float64bits(want[r]), math.Float64bits(e.Predict(test.Row(r))), "%s: Predict row %d", e.Combine, r)
				}
			}
		}
	}
}
