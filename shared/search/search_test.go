package search

import (
	"context"
	"crypto/sha256"
	"fmt"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/studentperf/studentperf/shared/dataset"
	"github.com/studentperf/studentperf/shared/features"
	"github.com/studentperf/studentperf/shared/model"
)

func sample(t testing.TB) (*features.Transform, *dataset.Table, *Input) {
	t.Helper()
	tab, _, err := dataset.Load(context.Background(), "sample", dataset.Students, dataset.SourceOptions{})
	require.NoError(t, err)
	tab = tab.Subset(seq(400))
	tr, err := features.Fit(tab)
	require.NoError(t, err)
	in, err := Inputs(tr, tab)
	require.NoError(t, err)
	return tr, tab, in
}

func seq(n int) []int {
	s := make([]int, n)
	for i := range s {
		s[i] = i
	}
	return s
}

// smallGrids forces each family to win by searching it alone.
var smallGrids = map[string]Grid{
	Linear:   {Linear: {{}}},
	KNN:      {KNN: {{"k": {3, 10}, "weights": {0, 1}}}},
	Tree:     {Tree: {{"criterion": {0, 2, 3}, "max_depth": {4}}}},
	Forest:   {Forest: {{counts: {4, 8}, "max_features": {3}, "max_depth": {6}}}},
	AdaBoost: {AdaBoost: {{"learning_rate": {0.5}, counts: {4, 8}}}},
	Boost:    {Boost: {{"learning_rate": {0.1}, "subsample": {0.8}, counts: {8, 16}}, {"max_leaves": {7}, counts: {8}, "learning_rate": {0.3}}}},
}

// TestSameSeedSameBytes: for every family, 1 and 2 workers give the same
// CV scores and a byte-identical model.json, whose decoded model predicts
// what the search's estimator predicts.
func TestSameSeedSameBytes(t *testing.T) {
	tr, tab, in := sample(t)
	for _, fam := range Families {
		var encoded [][]byte
		var scores [][]float64
		for _, workers := range []int{1, 2} {
			res, err := Run(in, smallGrids[fam], Options{Folds: 3, Workers: workers, Seed: 7})
			require.NoError(t, err, fam)
			var s []float64
			for _, r := range res.Results {
				s = append(s, r.FoldR2...)
			}
			scores = append(scores, s)
			m, err := model.New("m", dataset.Students, tr, res.Estimator, model.Provenance{Seed: 7, Folds: 3})
			require.NoError(t, err, fam)
			b, err := model.Encode(m)
			require.NoError(t, err)
			encoded = append(encoded, b)

			back, err := model.Load(b, model.Sum(b))
			require.NoError(t, err, fam)
			got, err := back.PredictTable(tab)
			require.NoError(t, err)
			want, err := m.PredictTable(tab)
			require.NoError(t, err)
			require.Equal(t, want, got, "%s: decoded model predicts differently", fam)
		}
		assert.Equal(t, scores[0], scores[1], "%s: CV scores differ with 1 and 2 workers", fam)
		require.Equal(t, encoded[0], encoded[1], "%s: model.json differs with 1 and 2 workers", fam)
		t.Logf("%-8s model.json %7d bytes sha256 %x (1 and 2 workers)", fam, len(encoded[0]), sha256.Sum256(encoded[0]))
	}
}

func TestBadGrids(t *testing.T) {
	for _, g := range []string{
		`{}`,
		`{"boost": {"learning_rate": [0]}}`,
		`{"boost": {"learning_rate": [1.5]}}`,
		`{"boost": {"subsample": [-0.1]}}`,
		`{"boost": {"n_estimators": [0]}}`,
		`{"forest": {"n_estimators": [2.5]}}`,
		`{"tree": {"max_depth": [-1]}}`,
		`{"tree": {"criterion": ["gini"]}}`,
		`{"tree": {"min_samples_leaf": [0]}}`,
		`{"adaboost": {"learning_rate": [0]}}`,
		`{"knn": {"k": [0]}}`,
		`{"knn": {"weights": ["cosine"]}}`,
		`{"lasso": {}}`,
		`{"boost": {"depth": [3]}}`,
		`{"boost": {"max_depth": []}}`,
		`[1]`,
	} {
		_, err := ParseGrid([]byte(g))
		assert.Error(t, err, g)
	}
	g, err := ParseGrid([]byte(`{"tree": {"criterion": ["friedman_mse", "poisson"]}, "knn": {"k": [3], "weights": ["distance"]}}`))
	require.NoError(t, err)
	cfgs, err := g.configs()
	require.NoError(t, err)
	var names []string
	for _, c := range cfgs {
		names = append(names, c.specs[0].Name)
	}
	assert.Equal(t, []string{"knn(k=3,weights=distance)", "tree(criterion=friedman_mse)", "tree(criterion=poisson)"}, names)
	_, err = DefaultGrid().Only("linear,bogus")
	assert.Error(t, err)
}

// TestDefaultGridSize counts the original's grids: Decision Tree 4,
// Random Forest 6, Gradient Boosting 144, XGBoost 24, CatBoost 27,
// AdaBoost 24, our stumps 8, kNN 20.
func TestDefaultGridSize(t *testing.T) {
	cfgs, err := DefaultGrid().configs()
	require.NoError(t, err)
	count := map[string]int{}
	for _, c := range cfgs {
		count[c.family] += len(c.specs)
	}
	assert.Equal(t, map[string]int{Tree: 4, Forest: 6, Boost: 144 + 24 + 27 + 8, AdaBoost: 24, KNN: 20}, count, fmt.Sprint(count))
}

// TestOnFitCountsEveryJob: OnFit is called once per job, one call at a
// time, done running 1..total, with two workers.
func TestOnFitCountsEveryJob(t *testing.T) {
	_, _, in := sample(t)
	var dones []int
	total := -1
	fams := map[string]bool{}
	g := Grid{Linear: {{}}, KNN: smallGrids[KNN][KNN], Boost: smallGrids[Boost][Boost]}
	_, err := Run(in, g, Options{Folds: 3, Workers: 2, Seed: 7, OnFit: func(family string, done, tot int) {
		dones = append(dones, done) // unguarded: the race detector checks the calls never overlap
		total = tot
		fams[family] = true
	}})
	require.NoError(t, err)
	// two boost configurations and one kNN job on each of 3 folds
	require.Equal(t, 9, total)
	require.Len(t, dones, total)
	for i, d := range dones {
		require.Equal(t, i+1, d)
	}
	assert.Equal(t, map[string]bool{KNN: true, Boost: true}, fams)
}

// TestCancelStopsTheSearch: once the context is done no further job
// starts, and Run returns the context's error, not a winner: a cancelled
// train (Ctrl-C, a client gone, a Lambda deadline) stops computing.
func TestCancelStopsTheSearch(t *testing.T) {
	_, _, in := sample(t)
	g := Grid{Linear: {{}}, KNN: smallGrids[KNN][KNN], Boost: smallGrids[Boost][Boost]}
	ctx, cancel := context.WithCancel(context.Background())
	fits := 0
	out, err := Run(in, g, Options{Folds: 3, Workers: 1, Seed: 7, Context: ctx, OnFit: func(string, int, int) {
		fits++
		if fits == 2 {
			cancel()
		}
	}})
	require.ErrorIs(t, err, context.Canceled)
	assert.Nil(t, out)
	assert.Equal(t, 2, fits, "one worker: no job may start after the one that saw the cancel")
	assert.Contains(t, err.Error(), "stopped after 2 of 9 fits")

	_, err = Run(in, g, Options{Folds: 3, Seed: 7, Context: ctx})
	require.ErrorIs(t, err, context.Canceled, "a context done before the search runs no job")
}
