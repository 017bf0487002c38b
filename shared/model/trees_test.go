package model_test

import (
	"math"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/studentperf/studentperf/shared/dataset"
	"github.com/studentperf/studentperf/shared/ensemble"
	"github.com/studentperf/studentperf/shared/features"
	"github.com/studentperf/studentperf/shared/knn"
	"github.com/studentperf/studentperf/shared/model"
	"github.com/studentperf/studentperf/shared/tree"
)

// boosted fits a gradient-boosted model of the given size on generated
// rows (XGBoost's default depth 6) and returns it with its table.
func boosted(tb testing.TB, rows, trees int) (*model.Model, *dataset.Table) {
	tb.Helper()
	lin, tab := trained(tb, rows)
	d, err := model.TreeData(lin.Transform, tab)
	require.NoError(tb, err)
	b, err := tree.FitBinner(d, nil, tree.MaxBins)
	require.NoError(tb, err)
	bd, err := b.Bin(d, nil)
	require.NoError(tb, err)
	e, err := ensemble.FitBoost(bd, tab.Target, ensemble.Boost{Trees: trees, LearningRate: 0.05, Subsample: 1, Tree: tree.Params{MaxDepth: 6}}, 1)
	require.NoError(tb, err)
	m, err := model.New("m", dataset.Students, lin.Transform, model.Estimator{Name: "boost", Family: "boost", Trees: e}, lin.Provenance)
	require.NoError(tb, err)
	return m, tab
}

// TestTreePredictorMatchesEnsemble: the served path (raw row, lookups,
// imputation) predicts what the ensemble predicts on TreeData, for rows
// with missing cells too, and allocates nothing.
func TestTreePredictorMatchesEnsemble(t *testing.T) {
	m, tab := boosted(t, 500, 32)
	d, err := model.TreeData(m.Transform, tab)
	require.NoError(t, err)
	rows, err := m.Transform.Rows(tab)
	require.NoError(t, err)
	for i, r := range rows {
		got, err := m.Predict(r)
		require.NoError(t, err)
		require.Equal(t, m.Estimator.Trees.Predict(d.Row(i)), got, "row %d", i)
	}
	missing := features.Row{Cat: []string{"", "group B", "", "standard", "none"}, Num: []float64{math.NaN(), 74}}
	_, err = m.Predict(missing)
	require.NoError(t, err)
	allocs := testing.AllocsPerRun(100, func() { _, _ = m.Predict(reference) })
	assert.Zero(t, allocs, "allocations per prediction")

	bad := features.Row{Cat: []string{"female", "group Z", "bachelor's degree", "standard", "none"}, Num: []float64{72, 140}}
	_, err = m.Predict(bad)
	var ps features.Problems
	require.ErrorAs(t, err, &ps)
	assert.Len(t, ps, 2, "both bad fields are named")
}

func TestKNNPredictorAllocatesNothing(t *testing.T) {
	lin, tab := trained(t, 300)
	rows, err := lin.Transform.Rows(tab)
	require.NoError(t, err)
	w := lin.Transform.Width()
	X := make([]float64, len(rows)*w)
	for i, r := range rows {
		require.True(t, model.KNNRow(lin.Transform, r, X[i*w:(i+1)*w]))
	}
	k, err := knn.Fit(X, lin.Transform.Width(), tab.Target, 10, true)
	require.NoError(t, err)
	m, err := model.New("m", dataset.Students, lin.Transform, model.Estimator{Name: "knn", Family: "knn", KNN: k}, lin.Provenance)
	require.NoError(t, err)
	got, err := m.Predict(rows[3])
	require.NoError(t, err)
	assert.Equal(t, tab.Target[3], got, "a training row is its own nearest neighbour at distance 0")
	assert.Zero(t, testing.AllocsPerRun(100, func() { _, _ = m.Predict(reference) }))
}

// TestEstimatorNeedsExactlyOneModel: no fitted member, two members, and a
// tree reading a feature the transform does not have are refused.
func TestEstimatorNeedsExactlyOneModel(t *testing.T) {
	m, _ := boosted(t, 200, 2)
	lin, _ := trained(t, 200)
	for name, est := range map[string]model.Estimator{
		"none": {Name: "x"},
		"two":  {Name: "x", Linear: lin.Estimator.Linear, Trees: m.Estimator.Trees},
		"bad feature": {Name: "x", Trees: &ensemble.Ensemble{Combine: ensemble.Sum, Trees: []tree.Tree{{Nodes: []tree.Node{
			{Feature: 9, Left: 1, Right: 2, Threshold: 1}, {Feature: -1}, {Feature: -1}}}}}},
		"bad level set": {Name: "x", Trees: &ensemble.Ensemble{Combine: ensemble.Sum, Trees: []tree.Tree{{Nodes: []tree.Node{
			{Feature: 2, Left: 1, Right: 2, Cats: 1 << 5}, {Feature: -1}, {Feature: -1}}}}}},
	} {
		_, err := model.New("m", dataset.Students, m.Transform, est, m.Provenance)
		assert.Error(t, err, name)
	}
}

// BenchmarkPredictTrees256 is one served prediction of a 256-tree,
// depth-6 boosted model. Target: ≤ 5 µs, 0 allocations.
func BenchmarkPredictTrees256(b *testing.B) {
	m, _ := boosted(b, 5000, 256)
	b.ReportAllocs()
	var sink float64
	for b.Loop() {
		y, err := m.Predict(reference)
		if err != nil {
			b.Fatal(err)
		}
		sink += y
	}
	_ = sink
}

// BenchmarkPredictTrees256Batch10k predicts 10,000 distinct rows with the
// same model, split between GOMAXPROCS goroutines as PredictBatch splits
// them. Issue 8's ≤ 10 ms is met by the 31-leaf model of
// ensemble.BenchmarkPredictBatch, whose trees compile to tables; most of
// these depth-6 trees (up to 64 leaves) pass the table limit and are
// routed instead: about 26 ms on 2 cores.
func BenchmarkPredictTrees256Batch10k(b *testing.B) {
	m, _ := boosted(b, 5000, 256)
	_, tab := trained(b, 10000)
	rows, err := m.Transform.Rows(tab)
	if err != nil {
		b.Fatal(err)
	}
	out := make([]float64, len(rows))
	b.ReportAllocs()
	for b.Loop() {
		if err := m.PredictBatch(rows, out); err != nil {
			b.Fatal(err)
		}
	}
}

// TestTreeBatchMatchesRowByRow: the tree-at-a-time batch gives bit for bit
// what Predict gives row by row, for every way an ensemble combines its
// trees (boosting's sum, a forest's mean, AdaBoost's median), with a row
// count that is not a multiple of the walk's block; a bad row is named.
func TestTreeBatchMatchesRowByRow(t *testing.T) {
	m, tab := boosted(t, 503, 16)
	rows, err := m.Transform.Rows(tab)
	require.NoError(t, err)
	for _, combine := range []string{ensemble.Sum, ensemble.Mean, ensemble.Median} {
		src := m.Estimator.Trees
		e := ensemble.Ensemble{Combine: combine, Base: src.Base, Weights: src.Weights, Trees: src.Trees}
		if combine == ensemble.Median {
			e.Weights = make([]float64, len(e.Trees))
			for i := range e.Weights {
				e.Weights[i] = float64(i%3 + 1)
			}
		}
		mm, err := model.New("m", dataset.Students, m.Transform, model.Estimator{Name: combine, Family: "boost", Trees: &e}, m.Provenance)
		require.NoError(t, err)
		out := make([]float64, len(rows))
		require.NoError(t, mm.PredictBatch(rows, out))
		for i, r := range rows {
			want, err := mm.Predict(r)
			require.NoError(t, err)
			require.Equal(t, math.Float64bits(want), math.Float64bits(out[i]), "%s: row %d", combine, i)
		}
	}
	bad := append([]features.Row{rows[0]}, features.Row{Cat: []string{"female", "group Z", "bachelor's degree", "standard", "none"}, Num: []float64{72, 74}})
	err = m.PredictBatch(bad, make([]float64, 2))
	require.ErrorContains(t, err, "row 2")
	var ps features.Problems
	require.ErrorAs(t, err, &ps)
}

// TestTreeDataLevels: TreeData writes each category as the transform's
// level index (features.Transform.Codes) and refuses an unknown value with
// the Problems that name it.
func TestTreeDataLevels(t *testing.T) {
	lin, tab := trained(t, 50)
	d, err := model.TreeData(lin.Transform, tab)
	require.NoError(t, err)
	codes, err := lin.Transform.Codes(tab)
	require.NoError(t, err)
	p, k := len(d.Levels), len(lin.Transform.Numeric)
	for i, idx := range codes {
		for r, l := range idx {
			require.Equal(t, float64(l), d.X[r*p+k+i], "row %d category %d", r+1, i)
		}
	}
	c := lin.Transform.Categorical[0]
	ci := tab.Schema.Index(c.Name)
	bad := *tab
	bad.Cols = append([]dataset.Col(nil), tab.Cols...)
	bad.Cols[ci].Levels = append(append([]string(nil), tab.Cols[ci].Levels...), "robot")
	bad.Cols[ci].Codes = append([]int32(nil), tab.Cols[ci].Codes...)
	bad.Cols[ci].Codes[3] = int32(len(bad.Cols[ci].Levels) - 1)
	_, err = model.TreeData(lin.Transform, &bad)
	var ps features.Problems
	require.ErrorAs(t, err, &ps)
	assert.Equal(t, c.Name, ps[0].Field)
	assert.Equal(t, "robot", ps[0].Value)
	assert.Contains(t, ps[0].Reason, "row 4")
}
