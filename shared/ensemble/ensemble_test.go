package ensemble_test

import (
	"encoding/json"
	"math"
	"math/rand/v2"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/studentperf/studentperf/shared/ensemble"
	"github.com/studentperf/studentperf/shared/tree"
)

func data(t testing.TB, n int, seed uint64) (*tree.Data, *tree.Binned, []float64) {
	t.Helper()
	rng := rand.New(rand.NewPCG(seed, 3))
	d := &tree.Data{Rows: n, Levels: []int{0, 0, 3}}
	y := make([]float64, n)
	for i := range n {
		a, b, c := float64(rng.IntN(30)), rng.Float64()*5, float64(rng.IntN(3))
		d.X = append(d.X, a, b, c)
		y[i] = a/3 + b*b + 4*c + rng.NormFloat64() + 20
	}
	bn, err := tree.FitBinner(d, nil, tree.MaxBins)
	require.NoError(t, err)
	bd, err := bn.Bin(d, nil)
	require.NoError(t, err)
	return d, bd, y
}

func TestBadHyperParameters(t *testing.T) {
	_, bd, y := data(t, 50, 1)
	tp := tree.Params{MaxDepth: 3}
	for name, fit := range map[string]func() error{
		"forest zero trees": func() error { _, err := ensemble.FitForest(bd, y, ensemble.Forest{Trees: 0, Tree: tp}, 1); return err },
		"forest negative depth": func() error {
			_, err := ensemble.FitForest(bd, y, ensemble.Forest{Trees: 2, Tree: tree.Params{MaxDepth: -1}}, 1)
			return err
		},
		"forest too many features": func() error {
			_, err := ensemble.FitForest(bd, y, ensemble.Forest{Trees: 2, Tree: tree.Params{MaxFeatures: 4}}, 1)
			return err
		},
		"boost negative trees": func() error {
			_, err := ensemble.FitBoost(bd, y, ensemble.Boost{Trees: -1, LearningRate: 0.1, Subsample: 1, Tree: tp}, 1)
			return err
		},
		"boost rate 0": func() error {
			_, err := ensemble.FitBoost(bd, y, ensemble.Boost{Trees: 2, LearningRate: 0, Subsample: 1, Tree: tp}, 1)
			return err
		},
		"boost rate 1.5": func() error {
			_, err := ensemble.FitBoost(bd, y, ensemble.Boost{Trees: 2, LearningRate: 1.5, Subsample: 1, Tree: tp}, 1)
			return err
		},
		"boost subsample 0": func() error {
			_, err := ensemble.FitBoost(bd, y, ensemble.Boost{Trees: 2, LearningRate: 0.1, Subsample: 0, Tree: tp}, 1)
			return err
		},
		"boost NaN rate": func() error {
			_, err := ensemble.FitBoost(bd, y, ensemble.Boost{Trees: 2, LearningRate: math.NaN(), Subsample: 1, Tree: tp}, 1)
			return err
		},
		"boost one leaf": func() error {
			_, err := ensemble.FitBoost(bd, y, ensemble.Boost{Trees: 2, LearningRate: 0.1, Subsample: 1, Tree: tree.Params{MaxLeaves: 1}}, 1)
			return err
		},
		"adaboost zero trees": func() error {
			_, err := ensemble.FitAdaBoost(bd, y, ensemble.AdaBoost{Trees: 0, LearningRate: 0.5, Tree: tp}, 1)
			return err
		},
		"adaboost rate 2": func() error {
			_, err := ensemble.FitAdaBoost(bd, y, ensemble.AdaBoost{Trees: 3, LearningRate: 2, Tree: tp}, 1)
			return err
		},
		"targets short": func() error {
			_, err := ensemble.FitForest(bd, y[:10], ensemble.Forest{Trees: 1, Tree: tp}, 1)
			return err
		},
	} {
		err := fit()
		assert.Error(t, err, name)
	}
}

// stump is the brute-force best depth-1 split of r over numeric feature
// values (every threshold between distinct values, sums from scratch).
func stump(d *tree.Data, r []float64) func(x []float64) float64 {
	best := math.Inf(1)
	var f func(x []float64) float64
	for j := range d.Cols() {
		seen := map[float64]bool{}
		for i := range d.Rows {
			v := d.Row(i)[j]
			if seen[v] {
				continue
			}
			seen[v] = true
			var ls, rs float64
			var ln, rn int
			for k := range d.Rows {
				if d.Row(k)[j] <= v {
					ls += r[k]
					ln++
				} else {
					rs += r[k]
					rn++
				}
			}
			if ln == 0 || rn == 0 || d.Levels[j] > 0 {
				continue
			}
			lm, rm := ls/float64(ln), rs/float64(rn)
			var sse float64
			for k := range d.Rows {
				m := rm
				if d.Row(k)[j] <= v {
					m = lm
				}
				sse += (r[k] - m) * (r[k] - m)
			}
			if sse < best-1e-9 {
				best = sse
				jj, vv := j, v
				f = func(x []float64) float64 {
					if x[jj] <= vv {
						return lm
					}
					return rm
				}
			}
		}
	}
	return f
}

// TestBoostIsMeanPlusStumpsOnResiduals: three boosting rounds of stumps at
// rate 0.5 against the mean plus brute-force stumps fitted to successive
// residuals.
func TestBoostIsMeanPlusStumpsOnResiduals(t *testing.T) {
	d, _, y := data(t, 40, 2)
	d.Levels[2] = 0 // numeric only: the brute force has no level sets
	bn, err := tree.FitBinner(d, nil, tree.MaxBins)
	require.NoError(t, err)
	bd, err := bn.Bin(d, nil)
	require.NoError(t, err)
	e, err := ensemble.FitBoost(bd, y, ensemble.Boost{Trees: 3, LearningRate: 0.5, Subsample: 1, Tree: tree.Params{MaxDepth: 1}}, 7)
	require.NoError(t, err)
	var mean float64
	for _, v := range y {
		mean += v
	}
	mean /= float64(len(y))
	pred := make([]float64, len(y))
	for i := range pred {
		pred[i] = mean
	}
	for range 3 {
		r := make([]float64, len(y))
		for i := range y {
			r[i] = y[i] - pred[i]
		}
		s := stump(d, r)
		for i := range pred {
			pred[i] += 0.5 * s(d.Row(i))
		}
	}
	for i := range y {
		require.InDelta(t, pred[i], e.Predict(d.Row(i)), 1e-9, "row %d", i)
	}
}

// TestStagedIsTruncated: every stage of every ensemble predicts what the
// ensemble cut to that many trees predicts.
func TestStagedIsTruncated(t *testing.T) {
	d, bd, y := data(t, 120, 3)
	fits := map[string]func() (*ensemble.Ensemble, error){
		"forest": func() (*ensemble.Ensemble, error) {
			return ensemble.FitForest(bd, y, ensemble.Forest{Trees: 16, Bootstrap: true, Tree: tree.Params{MaxFeatures: 2}}, 5)
		},
		"boost": func() (*ensemble.Ensemble, error) {
			return ensemble.FitBoost(bd, y, ensemble.Boost{Trees: 16, LearningRate: 0.1, Subsample: 0.7, Tree: tree.Params{MaxDepth: 3}}, 5)
		},
		"adaboost": func() (*ensemble.Ensemble, error) {
			return ensemble.FitAdaBoost(bd, y, ensemble.AdaBoost{Trees: 16, LearningRate: 0.5, Tree: tree.Params{MaxDepth: 3}}, 5)
		},
	}
	counts := []int{1, 2, 5, 8, 16}
	for name, fit := range fits {
		e, err := fit()
		require.NoError(t, err, name)
		require.NoError(t, e.Check(d.Levels), name)
		dst := make([]float64, len(counts))
		for i := range d.Rows {
			e.Staged(d.Row(i), counts, dst, nil)
			for s, c := range counts {
				cut := &ensemble.Ensemble{Combine: e.Combine, Base: e.Base, Weights: e.Weights, Trees: e.Trees}
				cut.Truncate(c)
				require.Equal(t, cut.Predict(d.Row(i)), dst[s], "%s row %d stage %d", name, i, c)
			}
		}
		// A smaller fit with the same seed is the prefix of the larger.
		again, err := fit()
		require.NoError(t, err)
		assert.Equal(t, e, again, "%s: same seed, same ensemble", name)
	}
}

// TestWeightedMedianBruteForce checks AdaBoost's combination against the
// definition: the smallest prediction whose cumulative weight (in
// prediction order) reaches half the total.
func TestWeightedMedianBruteForce(t *testing.T) {
	rng := rand.New(rand.NewPCG(4, 4))
	for range 200 {
		m := 1 + rng.IntN(9)
		e := &ensemble.Ensemble{Combine: ensemble.Median}
		for range m {
			e.Trees = append(e.Trees, tree.Tree{Nodes: []tree.Node{{Feature: -1, Value: float64(rng.IntN(5))}}})
			e.Weights = append(e.Weights, rng.Float64())
		}
		var total float64
		for _, w := range e.Weights {
			total += w
		}
		want := math.Inf(1)
		for i := range e.Trees {
			v := e.Trees[i].Nodes[0].Value
			var below float64
			for k := range e.Trees {
				if e.Trees[k].Nodes[0].Value <= v {
					below += e.Weights[k]
				}
			}
			if below >= total/2 && v < want {
				want = v
			}
		}
		require.Equal(t, want, e.Predict(nil))
	}
}

// TestFreeRecyclesWithoutHarm: a freed ensemble's memory serves later fits
// of every family, and a fit kept meanwhile is untouched by them: its
// predictions are bit for bit what they were before the others ran.
func TestFreeRecyclesWithoutHarm(t *testing.T) {
	d, bd, y := data(t, 400, 5)
	tp := tree.Params{MaxDepth: 6}
	fits := []func(seed uint64) (*ensemble.Ensemble, error){
		func(s uint64) (*ensemble.Ensemble, error) {
			// fully grown: some 20,000 nodes, several slabs
			return ensemble.FitForest(bd, y, ensemble.Forest{Trees: 40, Bootstrap: true}, s)
		},
		func(s uint64) (*ensemble.Ensemble, error) {
			return ensemble.FitBoost(bd, y, ensemble.Boost{Trees: 60, LearningRate: 0.1, Subsample: 0.8, Tree: tp}, s)
		},
		func(s uint64) (*ensemble.Ensemble, error) {
			return ensemble.FitAdaBoost(bd, y, ensemble.AdaBoost{Trees: 30, LearningRate: 0.5, Tree: tp}, s)
		},
	}
	// Every tree's prediction of every row, from the nodes themselves (a
	// compiled ensemble would answer from its own tables).
	predict := func(e *ensemble.Ensemble) []uint64 {
		var out []uint64
		for i := range d.Rows {
			for _, tr := range e.Trees {
				out = append(out, math.Float64bits(tr.Predict(d.Row(i))))
			}
		}
		return out
	}
	for i, fit := range fits {
		kept, err := fit(1)
		require.NoError(t, err)
		want := predict(kept)
		for round := range 3 {
			for _, other := range fits {
				e, err := other(uint64(10 + round))
				require.NoError(t, err)
				e.Free()
				assert.Empty(t, e.Trees, "a freed ensemble keeps no trees")
			}
		}
		again, err := fit(1)
		require.NoError(t, err)
		assert.Equal(t, want, predict(again), "family %d: a refit on recycled memory", i)
		assert.Equal(t, want, predict(kept), "family %d: the kept fit after others reused freed memory", i)
	}
}

// TestBoostSameForAnyWorkers: on rows enough for every parallel path (a
// histogram counted in chunks, a partition in chunks, the root carried
// from tree to tree), boosting fits the same trees bit for bit on one
// goroutine and on two, with and without row subsampling.
func TestBoostSameForAnyWorkers(t *testing.T) {
	if testing.Short() {
		t.Skip("fits 150,000 rows four times")
	}
	_, bd, y := data(t, 150_000, 9)
	for _, sub := range []float64{1, 0.8} {
		var fits [][]byte
		for _, workers := range []int{1, 2} {
			e, err := ensemble.FitBoost(bd, y, ensemble.Boost{Trees: 8, LearningRate: 0.1, Subsample: sub,
				Tree: tree.Params{MaxLeaves: 31, MinSamplesLeaf: 20, Workers: workers}}, 3)
			require.NoError(t, err)
			b, err := json.Marshal(e)
			require.NoError(t, err)
			fits = append(fits, b)
		}
		require.Equal(t, string(fits[0]), string(fits[1]), "subsample %v: one and two workers differ", sub)
	}
}
