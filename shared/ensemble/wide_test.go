package ensemble_test

import (
	"encoding/json"
	"math/rand/v2"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/studentperf/studentperf/shared/ensemble"
	"github.com/studentperf/studentperf/shared/metrics"
	"github.com/studentperf/studentperf/shared/tree"
)

// TestBoostWideCategorical: boosting on a feature of 1,000 levels whose
// effects are in no order of the level index learns them (a threshold on
// the index cannot), decodes from its JSON and predicts the same through
// the compiled trees, row by row and in batches, as tree by tree.
func TestBoostWideCategorical(t *testing.T) {
	const levels, n = 1000, 40_000
	rng := rand.New(rand.NewPCG(5, 5))
	effect := make([]float64, levels)
	for l := range effect {
		effect[l] = rng.NormFloat64()
	}
	d := &tree.Data{Rows: n, Levels: []int{levels, 0, 70}}
	y := make([]float64, n)
	for i := range n {
		l, k := rng.IntN(levels), rng.IntN(70)
		d.X = append(d.X, float64(l), rng.Float64(), float64(k))
		y[i] = effect[l] + float64(k%3) + 0.1*rng.NormFloat64()
	}
	bn, err := tree.FitBinner(d, nil, tree.MaxBins)
	require.NoError(t, err)
	bd, err := bn.Bin(d, nil)
	require.NoError(t, err)
	e, err := ensemble.FitBoost(bd, y, ensemble.Boost{Trees: 60, LearningRate: 0.3, Subsample: 1,
		Tree: tree.Params{MaxLeaves: 31, MinSamplesLeaf: 5, Workers: 2}}, 1)
	require.NoError(t, err)
	require.NoError(t, e.Check(d.Levels))

	b, err := json.Marshal(e)
	require.NoError(t, err)
	var back ensemble.Ensemble
	require.NoError(t, json.Unmarshal(b, &back))
	require.NoError(t, back.Check(d.Levels))

	batch := make([]float64, n)
	back.PredictBatch(d.X, 3, batch)
	for i := range n {
		want := e.Base
		for k := range e.Trees {
			want += e.Trees[k].Predict(d.Row(i))
		}
		require.Equal(t, want, back.Predict(d.Row(i)), "row %d", i)
		require.Equal(t, want, batch[i], "batch row %d", i)
	}
	m, err := metrics.EvaluateRegression(y, batch)
	require.NoError(t, err)
	assert.Greater(t, m.R2, 0.97, "the level effects are learned")
}
