package linear_test

import (
	"fmt"
	"math"
	"slices"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"github.com/studentperf/studentperf/shared/linear"
	"github.com/studentperf/studentperf/shared/metrics"
	"gonum.org/v1/gonum/mat"
)

// bruteForceCV scores spec on k contiguous folds the slow way: for each
// fold, linear.Fit on the other rows and linear.Evaluate on its own. The
// fold sizes follow scikit-learn's KFold: n/k rows each, the first n%k
// folds one more.
func bruteForceCV(tb testing.TB, X *mat.Dense, y []float64, spec linear.Candidate, k int) []float64 {
	tb.Helper()
	n, _ := X.Dims()
	out := make([]float64, k)
	lo := 0
	for f := range k {
		size := n / k
		if f < n%k {
			size++
		}
		hi := lo + size
		xt, yt := rows(X, y, lo, hi, true)
		xv, yv := rows(X, y, lo, hi, false)
		m, err := linear.Fit(xt, yt, spec)
		require.NoError(tb, err, "%s, fold %d: Fit", spec.Name, f+1)
		got, err := metrics.EvaluateRegression(yv, predictAll(m, xv))
		require.NoError(tb, err, "%s, fold %d: Evaluate", spec.Name, f+1)
		out[f] = got.R2
		lo = hi
	}
	require.Equal(tb, n, lo, "rows the folds cover")
	return out
}

func TestSearchMatchesBruteForceCV(t *testing.T) {
	xh, yh := oneHot(103, 12) // 103 rows: folds of unequal size
	xs, ys := sparseProblem(64, 13)
	for _, d := range []struct {
		name string
		X    *mat.Dense
		y    []float64
		k    int
	}{
		{"one-hot, 5 folds", xh, yh, 5},
		{"one-hot, 3 folds", xh, yh, 3},
		{"one-hot, 2 folds", xh, yh, 2},
		{"sparse, 10 folds", xs, ys, 10},
	} {
		t.Run(d.name, func(t *testing.T) {
			specs := linear.Grid()
			res, err := runSearch(d.X, d.y, specs, searchOpts{Folds: d.k})
			require.NoError(t, err, "Search")
			require.Equal(t, d.k, res.Folds, "folds")
			require.Len(t, res.Results, len(specs), "results")
			for i, s := range specs {
				r := res.Results[i]
				assert.Equal(t, s.Name, r.Name, "result %d", i)
				assert.Equal(t, s.Family, r.Family, "result %d", i)
				checkNear(t, s.Name+" fold R²", r.FoldR2, bruteForceCV(t, d.X, d.y, s, d.k), 1e-9)
				var mean, ss float64
				for _, v := range r.FoldR2 {
					mean += v
				}
				mean /= float64(d.k)
				for _, v := range r.FoldR2 {
					ss += (v - mean) * (v - mean)
				}
				assertNear(t, mean, r.CVMean, 1e-12, "%s: CV mean; want the folds' mean", s.Name)
				assertNear(t, math.Sqrt(ss/float64(d.k)), r.CVStd, 1e-12, "%s: CV std; want the folds' population std", s.Name)
				assert.GreaterOrEqual(t, r.FitSeconds, 0.0, "%s: fit time", s.Name)
			}

			// The winner has the best mean (ties aside) and is refitted on
			// every row, as Fit would.
			best := res.Results[res.Best]
			for i, r := range res.Results {
				assert.LessOrEqual(t, r.CVMean, best.CVMean+1e-4,
					"result %d (%s) beats the winner %s (%g) by more than the tie tolerance", i, r.Name, best.Name, best.CVMean)
			}
			m, err := linear.Fit(d.X, d.y, specs[res.Best])
			require.NoError(t, err, "Fit(%s)", specs[res.Best].Name)
			checkNear(t, "refitted predictions", predictAll(res.Model, d.X), predictAll(m, d.X), 1e-9)
		})
	}
}

func TestSearchKnownFoldScores(t *testing.T) {
	// x = 0..9, y = 2x except y[9] = 20 (instead of 18). Two contiguous
	// folds: fitting rows 0-4 gives y = 2x exactly; on rows 5-9 that
	// predicts 10..18, missing only the last row by 2, so SSE 4 and
	// SST = Σ(y−mean)² with y = 10,12,14,16,20: mean 14.4, SST 59.2.
	x := make([]float64, 10)
	y := make([]float64, 10)
	for i := range x {
		x[i], y[i] = float64(i), 2*float64(i)
	}
	y[9] = 20
	res, err := runSearch(mat.NewDense(10, 1, x), y, []linear.Candidate{olsSpec}, searchOpts{Folds: 2})
	require.NoError(t, err, "Search")
	assertNear(t, 1-4/59.2, res.Results[0].FoldR2[1], 1e-12, "second fold R²")
}

func TestSearchConstantValidationFold(t *testing.T) {
	// A validation fold whose target is constant: Evaluate (like
	// scikit-learn's r2_score) gives 0 for an imperfect prediction, and
	// Search's fold score must agree with it, and in any case never exceed
	// 1. With c = 3.3 it does; with 0.3 and 1.4, SST computed from the
	// moments (Σỹ² − (Σỹ)²/n) is rounding noise of either sign instead of
	// 0, and the fold R² comes out near ±1e16.
	for _, c := range []float64{3.3, 0.3, 1.4} {
		x := []float64{0, 1, 2, 3, 4, 5, 6, 7, 8, 9}
		y := []float64{c, c, c, c, c, 1, 4, 2, 8, 5}
		X := mat.NewDense(10, 1, x)
		res, err := runSearch(X, y, []linear.Candidate{olsSpec}, searchOpts{Folds: 2})
		if !assert.NoError(t, err, "c = %g: Search", c) {
			continue
		}
		got := res.Results[0].FoldR2
		for f, v := range got {
			assert.LessOrEqual(t, v, 1.0, "c = %g: fold %d R²", c, f+1)
		}
		checkNear(t, fmt.Sprintf("c = %g: fold R²", c), got, bruteForceCV(t, X, y, olsSpec, 2), 1e-9)
	}
}

func TestSearchTieGoesToSimplest(t *testing.T) {
	// Noiseless data: OLS is perfect and a weak ridge is within 1e-4 of it.
	pr := synthetic(100, 5, []float64{2, -1}, 0, 14)
	weak := spec(linear.Ridge, 0.01)
	strong := spec(linear.Ridge, 1e6)
	for _, tt := range []struct {
		name  string
		specs []linear.Candidate
		tie   float64
		want  int
	}{
		{"family order: OLS first", linear.Grid(), 0, 0},
		{"tied, weak ridge listed first", []linear.Candidate{weak, olsSpec}, 0, 0},
		{"tied, OLS listed first", []linear.Candidate{olsSpec, weak}, 0, 0},
		{"identical candidates", []linear.Candidate{olsSpec, {Name: "ols again", Family: linear.OLS}}, 0, 0},
		{"clearly better later candidate wins", []linear.Candidate{strong, olsSpec}, 0, 1},
		{"tolerance so small nothing ties", []linear.Candidate{weak, olsSpec}, 1e-300, 1},
		{"tolerance so large everything ties", []linear.Candidate{strong, olsSpec}, 10, 0},
	} {
		t.Run(tt.name, func(t *testing.T) {
			res, err := runSearch(pr.X, pr.y, tt.specs, searchOpts{TieTolerance: tt.tie})
			require.NoError(t, err, "Search")
			means := make([]float64, len(res.Results))
			for i, r := range res.Results {
				means[i] = r.CVMean
			}
			assert.Equal(t, tt.want, res.Best, "best: want %s; CV means %.12g", tt.specs[tt.want].Name, means)
		})
	}
}

func TestSearchNegativeTieTolerance(t *testing.T) {
	// A negative tolerance makes no sense; it must not make the search
	// pick a candidate that is clearly worse. Search takes it as it is, and
	// pick, finding no candidate within a negative distance of the best,
	// falls back to the first.
	pr := synthetic(100, 5, []float64{2, -1}, 0, 14)
	res, err := runSearch(pr.X, pr.y, []linear.Candidate{spec(linear.Ridge, 1e6), olsSpec}, searchOpts{TieTolerance: -0.5})
	if err == nil {
		assert.Equal(t, 1, res.Best, "TieTolerance -0.5: best %s (CV mean %.4f) over OLS (CV mean %.4f); want OLS or an error",
			res.Results[res.Best].Name, res.Results[res.Best].CVMean, res.Results[1].CVMean)
	}
}

func TestSearchDefaultsToFiveFolds(t *testing.T) {
	pr := synthetic(50, 0, []float64{1}, 1, 15)
	res, err := runSearch(pr.X, pr.y, []linear.Candidate{olsSpec}, searchOpts{})
	require.NoError(t, err, "Search")
	assert.Equal(t, 5, res.Folds, "folds")
	assert.Len(t, res.Results[0].FoldR2, 5, "fold scores")
}

func TestSearchProgress(t *testing.T) {
	pr := synthetic(40, 0, []float64{1, 2}, 1, 16)
	type call struct {
		family string
		n      int
	}
	var calls []call
	var last time.Duration
	_, err := runSearch(pr.X, pr.y, linear.Grid(), searchOpts{
		Progress: func(family string, candidates int, elapsed time.Duration) {
			calls = append(calls, call{family, candidates})
			assert.GreaterOrEqual(t, elapsed, last, "%s: elapsed went back", family)
			last = elapsed
		},
	})
	require.NoError(t, err, "Search")
	assert.Equal(t, []call{{linear.OLS, 1}, {linear.Ridge, 5}, {linear.Lasso, 4}, {linear.ElasticNet, 12}}, calls, "progress calls")
}

func TestSearchProgressInterleavedFamilies(t *testing.T) {
	// Options.Progress promises one call per family, after its last
	// candidate. With the families not grouped, Search calls it at the end
	// of every run of a family instead, each time with the family's total:
	// here ("ols", 2) after the first candidate, ("ridge", 1), ("ols", 2).
	pr := synthetic(40, 0, []float64{1, 2}, 1, 16)
	var calls []string
	specs := []linear.Candidate{olsSpec, spec(linear.Ridge, 1), {Name: "ols again", Family: linear.OLS}}
	_, err := runSearch(pr.X, pr.y, specs, searchOpts{
		Progress: func(family string, candidates int, _ time.Duration) {
			calls = append(calls, fmt.Sprintf("%s:%d", family, candidates))
		},
	})
	require.NoError(t, err, "Search")
	assert.Equal(t, []string{"ridge:1", "ols:2"}, calls, "progress calls")
}

func TestLinearFamily(t *testing.T) {
	specs := linear.Grid()
	assert.Len(t, specs, 22, "1 OLS, 5 ridge, 4 lasso, 12 elastic net")
	assert.Equal(t, linear.OLS, specs[0].Family, "first candidate: want OLS, the simplest")
	order := map[string]int{linear.OLS: 0, linear.Ridge: 1, linear.Lasso: 2, linear.ElasticNet: 3}
	names := map[string]bool{}
	pr := synthetic(30, 0, []float64{1, 1}, 1, 17)
	for i, s := range specs {
		assert.False(t, names[s.Name], "duplicate candidate name %q", s.Name)
		names[s.Name] = true
		assert.Contains(t, order, s.Family, "%q: unknown family", s.Name)
		if i > 0 {
			prev := specs[i-1]
			assert.GreaterOrEqual(t, order[s.Family], order[prev.Family], "%q comes after %q: families out of order", s.Name, prev.Name)
			if s.Family == prev.Family {
				assert.LessOrEqual(t, s.Params["alpha"], prev.Params["alpha"], "%q comes after %q: penalties must go from strongest to weakest", s.Name, prev.Name)
			}
		}
		_, err := linear.Fit(pr.X, pr.y, s)
		assert.NoError(t, err, "%q does not fit", s.Name)
	}
	// A fresh grid each call: changing one must not change the next.
	specs[1].Params["alpha"] = -1
	assert.Equal(t, 100.0, linear.Grid()[1].Params["alpha"], "LinearFamily()[1] alpha after changing an earlier grid")
}

func TestSearchErrors(t *testing.T) {
	pr := synthetic(20, 0, []float64{1, 2}, 1, 18)
	ok := []linear.Candidate{olsSpec}
	for _, tt := range []struct {
		name  string
		X     *mat.Dense
		y     []float64
		specs []linear.Candidate
		opts  searchOpts
		want  string
	}{
		{"nil candidates", pr.X, pr.y, nil, searchOpts{}, "no candidates"},
		{"no candidates", pr.X, pr.y, []linear.Candidate{}, searchOpts{}, "no candidates"},
		{"too few targets", pr.X, pr.y[:19], ok, searchOpts{}, "targets"},
		{"too many targets", pr.X, append(slices.Clone(pr.y), 0), ok, searchOpts{}, "targets"},
		{"one fold", pr.X, pr.y, ok, searchOpts{Folds: 1}, "folds"},
		{"negative folds", pr.X, pr.y, ok, searchOpts{Folds: -3}, "folds"},
		{"too few rows for the folds", pr.X, pr.y, ok, searchOpts{Folds: 11}, "too few"},
		{"no rows", &mat.Dense{}, nil, ok, searchOpts{}, "too few"},
		{"bad candidate after good ones", pr.X, pr.y, []linear.Candidate{olsSpec, spec(linear.Ridge, -1)}, searchOpts{}, "alpha"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			var res *searchResult
			var err error
			require.NotPanics(t, func() { res, err = runSearch(tt.X, tt.y, tt.specs, tt.opts) })
			require.Error(t, err, "Search = %+v", res)
			assert.Nil(t, res, "Search returned a result with an error")
			assert.ErrorContains(t, err, tt.want)
		})
	}
	for _, tt := range badSpecs {
		t.Run("candidate: "+tt.name, func(t *testing.T) {
			var err error
			require.NotPanics(t, func() { _, err = runSearch(pr.X, pr.y, []linear.Candidate{tt.spec}, searchOpts{}) })
			assert.Error(t, err, "Search(%+v)", tt.spec)
		})
	}
	// The boundary: exactly two rows a fold is enough.
	_, err := runSearch(pr.X, pr.y, ok, searchOpts{Folds: 10})
	assert.NoError(t, err, "20 rows in 10 folds")
}
