package model_test

import (
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/studentperf/studentperf/shared/dataset"
	"github.com/studentperf/studentperf/shared/ensemble"
	"github.com/studentperf/studentperf/shared/features"
	"github.com/studentperf/studentperf/shared/model"
	"github.com/studentperf/studentperf/shared/modeltest"
	"github.com/studentperf/studentperf/shared/tree"
)

// boosted31 fits 256 trees of 31 leaves as shared/ensemble's benchmarks
// grow them (learning rate 0.1, 20 rows per leaf) on 5,000 generated rows.
func boosted31(tb testing.TB) (*model.Model, []features.Row) {
	tb.Helper()
	lin, tab := modeltest.Fit(tb, "m", "synthetic:5000", 3)
	d, err := model.TreeData(lin.Transform, tab)
	require.NoError(tb, err)
	b, err := tree.FitBinner(d, nil, tree.MaxBins)
	require.NoError(tb, err)
	bd, err := b.Bin(d, nil)
	require.NoError(tb, err)
	e, err := ensemble.FitBoost(bd, tab.Target, ensemble.Boost{Trees: 256, LearningRate: 0.1, Subsample: 1,
		Tree: tree.Params{MaxLeaves: 31, MinSamplesLeaf: 20}}, 1)
	require.NoError(tb, err)
	m, err := model.New("m", dataset.Students, lin.Transform, model.Estimator{Name: "boost", Family: "boost", Trees: e}, lin.Provenance)
	require.NoError(tb, err)
	rows, err := m.Transform.Rows(tab)
	require.NoError(tb, err)
	return m, rows[:1024]
}

// benchExplain runs predict, Explain and ExplainInto side by side over
// the same 1,024 distinct records (the reference itself would be one path
// per tree), so that explain − predict is the added cost.
func benchExplain(b *testing.B, m *model.Model, rows []features.Row) {
	b.Run("predict", func(b *testing.B) {
		b.ReportAllocs()
		var sink float64
		i := 0
		for b.Loop() {
			y, err := m.Predict(rows[i&1023])
			if err != nil {
				b.Fatal(err)
			}
			sink += y
			i++
		}
		_ = sink
	})
	b.Run("explain", func(b *testing.B) {
		b.ReportAllocs()
		i := 0
		for b.Loop() {
			if _, err := m.Explain(rows[i&1023]); err != nil {
				b.Fatal(err)
			}
			i++
		}
	})
	b.Run("explain-into", func(b *testing.B) {
		b.ReportAllocs()
		contrib := make([]float64, len(m.Features))
		i := 0
		for b.Loop() {
			if _, _, err := m.ExplainInto(rows[i&1023], contrib); err != nil {
				b.Fatal(err)
			}
			i++
		}
	})
}

// BenchmarkExplain is one explained prediction beside one plain
// prediction. Targets: explain adds ≤ 20 µs to a 256-tree, 31-leaf boosted
// model and ≤ 2 µs to a linear one, with 0 allocations in ExplainInto.
func BenchmarkExplain(b *testing.B) {
	b.Run("boost256", func(b *testing.B) {
		m, rows := boosted31(b)
		benchExplain(b, m, rows)
	})
	b.Run("linear", func(b *testing.B) {
		m, tab := modeltest.Fit(b, "m", "synthetic:1024", 3)
		rows, err := m.Transform.Rows(tab)
		require.NoError(b, err)
		benchExplain(b, m, rows)
	})
}
