package tree_test

import (
	"fmt"
	"math/rand/v2"
	"testing"

	"github.com/sjwhitworth/golearn/base"
	"github.com/sjwhitworth/golearn/trees"
	"github.com/stretchr/testify/require"

	"github.com/studentperf/studentperf/shared/tree"
)

// TestOracleGolearnTree grows squared-error trees of depth 1 to 4 on
// continuous data (every value distinct, so golearn's rule of never
// reusing a feature and threshold anywhere in the tree cannot bite) and
// requires golearn's pure-Go CART regressor to predict every training row
// as ours does. golearn thresholds at midpoints within the node, ours at
// midpoints of the whole training set, so only training rows are compared:
// both split them into the same sets.
func TestOracleGolearnTree(t *testing.T) {
	const n, p = 60, 3
	for seed := range uint64(4) {
		rng := rand.New(rand.NewPCG(seed, 9))
		d := &tree.Data{Rows: n, Levels: make([]int, p)}
		y := make([]float64, n)
		g := base.NewDenseInstances()
		specs := make([]base.AttributeSpec, p)
		for j := range p {
			specs[j] = g.AddAttribute(base.NewFloatAttribute(fmt.Sprintf("x%d", j)))
		}
		class := base.NewFloatAttribute("y")
		cs := g.AddAttribute(class)
		require.NoError(t, g.AddClassAttribute(class))
		require.NoError(t, g.Extend(n))
		for i := range n {
			for j := range p {
				v := rng.Float64() * 10
				d.X = append(d.X, v)
				g.Set(specs[j], i, base.PackFloatToBytes(v))
			}
			row := d.Row(i)
			y[i] = row[0]*row[0] - 3*row[1] + rng.NormFloat64()
			g.Set(cs, i, base.PackFloatToBytes(y[i]))
		}
		b, err := tree.FitBinner(d, nil, tree.MaxBins)
		require.NoError(t, err)
		bd, err := b.Bin(d, nil)
		require.NoError(t, err)
		for depth := 1; depth <= 4; depth++ {
			gr, err := tree.NewGrower(bd, tree.Params{MaxDepth: depth})
			require.NoError(t, err)
			rows := make([]int32, n)
			for i := range rows {
				rows[i] = int32(i)
			}
			ours, _, err := gr.Grow(y, rows, nil)
			require.NoError(t, err)
			gl := trees.NewDecisionTreeRegressor("mse", int64(depth))
			require.NoError(t, gl.Fit(g))
			want := gl.Predict(g)
			require.Len(t, want, n)
			for i := range n {
				require.InDelta(t, want[i], ours.Predict(d.Row(i)), 1e-9, "seed %d depth %d row %d", seed, depth, i)
			}
		}
	}
}
