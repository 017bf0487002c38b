package explain_test

import (
	"context"
	"errors"
	"math"
	"math/rand/v2"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/studentperf/studentperf/shared/explain"
	"github.com/studentperf/studentperf/shared/features"
	"github.com/studentperf/studentperf/shared/model"
	"github.com/studentperf/studentperf/shared/testkit/modeltest"
)

// requireAddsUp explains rows with ex and requires each prediction to be
// m.Predict's bit for bit, the baseline Predict(Reference()) bit for bit,
// and baseline + Σ contributions the prediction within 1e-9; a missing
// feature contributes exactly 0.
func requireAddsUp(t *testing.T, name string, m *model.Model, ex *explain.Explainer, rows []features.Row) {
	t.Helper()
	base, err := m.Predict(ex.Reference())
	require.NoError(t, err)
	for k, r := range rows {
		e, err := ex.Explain(r)
		require.NoError(t, err, "%s row %d", name, k)
		want, err := m.Predict(r)
		require.NoError(t, err)
		require.Equal(t, math.Float64bits(want), math.Float64bits(e.Prediction), "%s row %d", name, k)
		require.Equal(t, math.Float64bits(base), math.Float64bits(e.Baseline), "%s row %d", name, k)
		require.InDelta(t, e.Prediction, e.Baseline+sum(e.Contributions), 1e-9, "%s row %d: baseline + Σ contributions", name, k)
		require.Equal(t, ex.Method(), e.Method)
		for s, f := range m.Features {
			// A family that imputes a missing number with the reference's
			// median gives it nothing; trees route it natively, where it
			// may carry its own effect.
			if missing(m, r, f.Name) && (m.Estimator.Trees == nil || f.Kind == "category") {
				require.Zero(t, e.Contributions[s], "%s row %d: missing %s", name, k, f.Name)
			}
		}
	}
}

// wideRows are rows of the model's transform with some cells missing.
func wideRows(m *model.Model, n int, seed uint64) []features.Row {
	rng := rand.New(rand.NewPCG(seed, 1))
	rows := make([]features.Row, n)
	for i := range rows {
		rows[i] = randomRow(rng, m.Transform)
	}
	return rows
}

// TestExplainWideModels: every family on tables wider than the student
// data (more features than a mask holds, categories of hundreds of
// levels, rows wider than a prediction keeps on its stack) is explained
// with its method, adding up.
func TestExplainWideModels(t *testing.T) {
	for _, c := range []struct {
		family, method string
		rows, numeric  int
		levels         []int
	}{
		{"linear", explain.MethodLinear, 3000, 100, []int{300, 3}},
		{"boost", explain.MethodTreePath, 400, 70, []int{5, 40}},
		{"knn", explain.MethodSampledPermutations, 400, 16, []int{3, 4}},
		{"adaboost", explain.MethodSampledPermutations, 400, 16, []int{3, 4}},
		{"knn", explain.MethodExactEnumeration, 400, 10, []int{3, 4}},
		{"knn", explain.MethodExactEnumeration, 3000, 2, []int{300}}, // about 300 inputs one-hot
		{"boost", explain.MethodTreePath, 400, 300, []int{3}},        // 301 tree inputs
		{"adaboost", explain.MethodSampledPermutations, 400, 300, nil},
	} {
		tab := modeltest.WideTable(t, c.rows, c.numeric, c.levels, 5)
		m := modeltest.FitWide(t, c.family, tab)
		for i, n := range c.levels {
			if n >= 300 { // rare levels fold into one (features.MaxLevels, dataset.RareLevel)
				require.Greater(t, len(m.Transform.Categorical[i].Levels), 250, "%s: levels kept of %d", c.family, n)
			}
		}
		ex := newExplainer(t, m)
		assert.Equal(t, c.method, ex.Method(), "%s over %d features", c.family, len(m.Features))
		assert.Greater(t, ex.Cost(), 0.0)
		n := 20
		if c.family == "adaboost" || c.family == "knn" {
			n = 5
		}
		requireAddsUp(t, c.family, m, ex, wideRows(m, n, 9))
	}
}

// TestSampledExplanationIsDeterministic: a kNN model over 18 features,
// explained twice by one explainer and once by another built from the
// same model bytes, gets the same contributions bit for bit.
func TestSampledExplanationIsDeterministic(t *testing.T) {
	m := modeltest.FitWide(t, "knn", modeltest.WideTable(t, 300, 16, []int{3, 4}, 6))
	b, err := model.Encode(m)
	require.NoError(t, err)
	m2, err := model.Decode(b)
	require.NoError(t, err)
	ex, ex2 := newExplainer(t, m), newExplainer(t, m2)
	require.Equal(t, explain.MethodSampledPermutations, ex.Method())
	for k, r := range wideRows(m, 4, 10) {
		a, err := ex.Explain(r)
		require.NoError(t, err)
		again, err := ex.Explain(r)
		require.NoError(t, err)
		other, err := ex2.Explain(r)
		require.NoError(t, err)
		for j := range a.Contributions {
			require.Equal(t, math.Float64bits(a.Contributions[j]), math.Float64bits(again.Contributions[j]), "row %d feature %d", k, j)
			require.Equal(t, math.Float64bits(a.Contributions[j]), math.Float64bits(other.Contributions[j]), "row %d feature %d", k, j)
		}
	}
}

// TestExplainContextStops: an explanation whose context has ended is an
// error wrapping the context's, for the families that take long.
func TestExplainContextStops(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	for _, c := range []struct {
		family  string
		numeric int
	}{{"knn", 16}, {"knn", 10}, {"adaboost", 16}} {
		m := modeltest.FitWide(t, c.family, modeltest.WideTable(t, 200, c.numeric, []int{3, 4}, 7))
		ex := newExplainer(t, m)
		_, err := ex.ExplainContext(ctx, wideRows(m, 1, 11)[0])
		assert.True(t, errors.Is(err, context.Canceled), "%s %s: %v", c.family, ex.Method(), err)
	}
}
