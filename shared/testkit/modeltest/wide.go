package modeltest

import (
	"math/rand/v2"
	"strconv"
	"testing"

	"github.com/stretchr/testify/require"
	"github.com/studentperf/studentperf/shared/dataset"
	"github.com/studentperf/studentperf/shared/ensemble"
	"github.com/studentperf/studentperf/shared/features"
	"github.com/studentperf/studentperf/shared/knn"
	"github.com/studentperf/studentperf/shared/linear"
	"github.com/studentperf/studentperf/shared/model"
	"github.com/studentperf/studentperf/shared/tree"
)

// WideTable generates rows of a table wider than the student data:
// numeric columns n0, n1, … in [0, 100] and categorical columns c0, c1, …
// with the given numbers of levels, and a target that depends on every
// column (the first ones most), with noise. The same arguments give the
// same table.
func WideTable(tb testing.TB, rows, numeric int, levels []int, seed uint64) *dataset.Table {
	tb.Helper()
	rng := rand.New(rand.NewPCG(seed, uint64(numeric)))
	tab := &dataset.Table{Target: make([]float64, rows)}
	for j := range numeric {
		col := dataset.Col{Values: make([]float64, rows)}
		for r := range rows {
			col.Values[r] = float64(rng.IntN(1001)) / 10
			tab.Target[r] += col.Values[r] / float64(j+1)
		}
		tab.Schema.Features = append(tab.Schema.Features, dataset.Column{Name: "n" + strconv.Itoa(j), Kind: dataset.Numeric})
		tab.Cols = append(tab.Cols, col)
	}
	for i, n := range levels {
		col := dataset.Col{Codes: make([]int32, rows), Levels: make([]string, n)}
		effect := make([]float64, n)
		for l := range n {
			col.Levels[l] = "c" + strconv.Itoa(i) + "_" + strconv.Itoa(l)
			effect[l] = rng.NormFloat64() * 10
		}
		for r := range rows {
			col.Codes[r] = int32(rng.IntN(n))
			tab.Target[r] += effect[col.Codes[r]]
		}
		tab.Schema.Features = append(tab.Schema.Features, dataset.Column{Name: "c" + strconv.Itoa(i), Kind: dataset.Category})
		tab.Cols = append(tab.Cols, col)
	}
	for r := range tab.Target {
		tab.Target[r] += rng.NormFloat64()
	}
	tab.Schema.Target = "y"
	return tab
}

// FitWide fits a small model of family ("linear", "boost", "adaboost" or
// "knn") on tab, through the same transforms and model code train uses.
func FitWide(tb testing.TB, family string, tab *dataset.Table) *model.Model {
	tb.Helper()
	tr, err := features.Fit(tab)
	require.NoError(tb, err, "fit transforms")
	est := model.Estimator{Name: family, Family: family}
	switch family {
	case "linear":
		X, err := tr.Matrix(tab)
		require.NoError(tb, err)
		est.Linear, err = linear.Fit(X, tab.Target, linear.Candidate{Name: linear.OLS, Family: linear.OLS})
		require.NoError(tb, err)
	case "knn":
		rows, err := tr.Rows(tab)
		require.NoError(tb, err)
		w := tr.Width()
		X := make([]float64, len(rows)*w)
		for i, r := range rows {
			require.True(tb, model.KNNRow(tr, r, X[i*w:(i+1)*w]))
		}
		est.KNN, err = knn.Fit(X, w, tab.Target, 5, false)
		require.NoError(tb, err)
	default:
		d, err := model.TreeData(tr, tab)
		require.NoError(tb, err)
		b, err := tree.FitBinner(d, nil, tree.MaxBins)
		require.NoError(tb, err)
		bd, err := b.Bin(d, nil)
		require.NoError(tb, err)
		if family == "adaboost" {
			est.Trees, err = ensemble.FitAdaBoost(bd, tab.Target, ensemble.AdaBoost{Trees: 10, LearningRate: 1, Tree: tree.Params{MaxDepth: 5}}, 1)
		} else {
			est.Trees, err = ensemble.FitBoost(bd, tab.Target, ensemble.Boost{Trees: 30, LearningRate: 0.1, Subsample: 1, Tree: tree.Params{MaxLeaves: 31}}, 1)
		}
		require.NoError(tb, err, family)
	}
	m, err := model.New("wide-"+family, tab.Schema, tr, est, model.Provenance{Folds: 5})
	require.NoError(tb, err, "new model")
	return m
}
