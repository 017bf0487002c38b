package model_test

import (
	"fmt"
	"math"
	"math/rand/v2"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/studentperf/studentperf/shared/dataset"
	"github.com/studentperf/studentperf/shared/ensemble"
	"github.com/studentperf/studentperf/shared/explain"
	"github.com/studentperf/studentperf/shared/features"
	"github.com/studentperf/studentperf/shared/knn"
	"github.com/studentperf/studentperf/shared/linear"
	"github.com/studentperf/studentperf/shared/model"
	"github.com/studentperf/studentperf/shared/tree"
)

// missingSchema is an inferred schema's rules on two columns: an unseen
// level reads as missing.
var missingSchema = dataset.Schema{
	Features: []dataset.Column{
		{Name: "shop", Kind: dataset.Category, Unknown: dataset.UnknownMissing},
		{Name: "x", Kind: dataset.Numeric},
	},
	Target: "y",
	Task:   dataset.Regression,
}

// missingTable is n rows where a missing shop is worth 10 more than the
// most frequent shop (a), which a model that imputes a could not learn.
func missingTable(tb testing.TB, n int) *dataset.Table {
	tb.Helper()
	rng := rand.New(rand.NewPCG(7, 7))
	var b strings.Builder
	b.WriteString("shop,x,y\n")
	for range n {
		shop, effect := "a", 0.0
		switch u := rng.Float64(); {
		case u < 0.2:
			shop, effect = "", 10
		case u < 0.5:
			shop, effect = "b", 3
		}
		x := rng.Float64()
		fmt.Fprintf(&b, "%s,%.4f,%.4f\n", shop, x, 2*x+effect+0.1*rng.NormFloat64())
	}
	tab, err := dataset.Read(strings.NewReader(b.String()), missingSchema)
	require.NoError(tb, err)
	return tab
}

// TestMissingLevelEveryFamily: every family learns the missing level of a
// column with missing cells in training; serving reads a missing value and
// an unseen level as it, through model.json too; a level named like it is
// unseen, not it.
func TestMissingLevelEveryFamily(t *testing.T) {
	tab := missingTable(t, 2000)
	tr, err := features.Fit(tab)
	require.NoError(t, err)
	require.Equal(t, []string{"a", "b", "(missing)"}, tr.Categorical[0].Levels)

	X, err := tr.Matrix(tab)
	require.NoError(t, err)
	lin, err := linear.Fit(X, tab.Target, linear.Candidate{Name: linear.OLS, Family: linear.OLS})
	require.NoError(t, err)
	d, err := model.TreeData(tr, tab)
	require.NoError(t, err)
	binner, err := tree.FitBinner(d, nil, tree.MaxBins)
	require.NoError(t, err)
	bd, err := binner.Bin(d, nil)
	require.NoError(t, err)
	boost, err := ensemble.FitBoost(bd, tab.Target, ensemble.Boost{Trees: 50, LearningRate: 0.2, Subsample: 1, Tree: tree.Params{MaxDepth: 3}}, 1)
	require.NoError(t, err)
	rows, err := tr.Rows(tab)
	require.NoError(t, err)
	w := tr.Width()
	kx := make([]float64, len(rows)*w)
	for i, r := range rows {
		require.True(t, model.KNNRow(tr, r, kx[i*w:(i+1)*w]))
	}
	nn, err := knn.Fit(kx, w, tab.Target, 20, false)
	require.NoError(t, err)

	for _, est := range []model.Estimator{
		{Name: "ols", Family: "ols", Linear: lin},
		{Name: "boost", Family: "boost", Trees: boost},
		{Name: "knn", Family: "knn", KNN: nn},
	} {
		t.Run(est.Name, func(t *testing.T) {
			m, err := model.New("m", missingSchema, tr, est, model.Provenance{})
			require.NoError(t, err)
			b, err := model.Encode(m)
			require.NoError(t, err)
			assert.True(t, strings.Contains(string(b), `"missing": "(missing)"`), "model.json names the missing level")
			m, err = model.Load(b, model.Sum(b))
			require.NoError(t, err)
			at := func(shop string) float64 {
				t.Helper()
				y, err := m.Predict(features.Row{Cat: []string{shop}, Num: []float64{0.5}})
				require.NoError(t, err, "%q", shop)
				return y
			}
			missing, a := at(""), at("a")
			assert.InDelta(t, 10, missing-a, 1, "the missing level's effect: a model that imputes a would give 0")
			assert.Equal(t, missing, at("NA"))
			assert.Equal(t, missing, at("never seen"), "an unseen level reads as missing")
			assert.Equal(t, missing, at("(missing)"), "the missing level's name is an unseen level")
			assert.InDelta(t, 3, at("b")-a, 1)

			// Explanations of a missing cell add up, and credit the shop.
			ex, err := explain.New(m)
			require.NoError(t, err)
			e, err := ex.Explain(features.Row{Cat: []string{""}, Num: []float64{0.5}})
			require.NoError(t, err)
			assert.Equal(t, missing, e.Prediction)
			assert.InDelta(t, missing, e.Baseline+e.Contributions[0]+e.Contributions[1], 1e-9)
			assert.Greater(t, e.Contributions[0], 5.0, "the missing shop's share")
		})
	}
}

// TestNoMissingLevelWithoutMissingCells: a column without missing cells in
// training imputes its most frequent level, as before.
func TestNoMissingLevelWithoutMissingCells(t *testing.T) {
	tab := missingTable(t, 300)
	keep := make([]int, 0, tab.Len())
	for i, c := range tab.Cols[0].Codes {
		if c >= 0 {
			keep = append(keep, i)
		}
	}
	tab = tab.Subset(keep)
	tr, err := features.Fit(tab)
	require.NoError(t, err)
	c := &tr.Categorical[0]
	assert.Equal(t, []string{"a", "b"}, c.Levels)
	assert.Empty(t, c.Missing)
	l, ok := c.Lookup("")
	assert.True(t, ok)
	assert.Equal(t, c.MostFrequent, l)
	assert.False(t, math.IsNaN(c.Scale[0]))
}
