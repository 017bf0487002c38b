package explain_test

import (
	"math"
	"math/rand/v2"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/studentperf/studentperf/shared/ensemble"
	"github.com/studentperf/studentperf/shared/explain"
	"github.com/studentperf/studentperf/shared/tree"
)

// widen lays the features of levels out among wide features: feature f
// of a narrow record is feature at[f] of the wide one; the others are
// numeric and unused by the trees.
func widen(at []int, wide int) []int {
	wl := make([]int, wide)
	for f, w := range at {
		wl[w] = levels[f]
	}
	return wl
}

// TestEnsembleWideIsTheNarrowOne: a sum or mean of random trees over 100
// features (more than a mask holds), of which the trees use six, gets the
// values of the same trees over those six (which enumeration checks) and 0
// for the rest, and the ensemble's own predictions bit for bit.
func TestEnsembleWideIsTheNarrowOne(t *testing.T) {
	const wide = 100
	at := []int{3, 40, 70, 99, 65, 10}
	wl := widen(at, wide)
	rng := rand.New(rand.NewPCG(41, 42))
	for _, combine := range []string{ensemble.Sum, ensemble.Mean} {
		for k := range 30 {
			narrow := &ensemble.Ensemble{Combine: combine, Base: rng.NormFloat64()}
			w := &ensemble.Ensemble{Combine: combine, Base: narrow.Base}
			for i := range 1 + k {
				tr := randomTree(rng, 2+i%7)
				narrow.Trees = append(narrow.Trees, tr)
				wt := tree.Tree{Nodes: append([]tree.Node(nil), tr.Nodes...)}
				for n := range wt.Nodes {
					if f := wt.Nodes[n].Feature; f >= 0 {
						wt.Nodes[n].Feature = int32(at[f])
					}
				}
				w.Trees = append(w.Trees, wt)
			}
			require.NoError(t, w.Check(wl))
			x, ref := randomRecord(rng), randomRecord(rng)
			wx, wref := make([]float64, wide), make([]float64, wide)
			for j := range wide {
				wx[j], wref[j] = float64(rng.IntN(11)), float64(rng.IntN(11))
			}
			for f, j := range at {
				wx[j], wref[j] = x[f], ref[f]
			}
			phi, wphi := make([]float64, len(x)), make([]float64, wide)
			_, _, err := explain.Ensemble(narrow, x, ref, phi)
			require.NoError(t, err)
			fx, fr, err := explain.Ensemble(w, wx, wref, wphi)
			require.NoError(t, err)
			require.Equal(t, math.Float64bits(w.Predict(wx)), math.Float64bits(fx), "%s %d", combine, k)
			require.Equal(t, math.Float64bits(w.Predict(wref)), math.Float64bits(fr), "%s %d", combine, k)
			want := make([]float64, wide)
			for f, j := range at {
				want[j] = phi[f]
			}
			require.InDeltaSlice(t, want, wphi, tol, "%s %d", combine, k)
		}
	}
}

// TestTreeNotesMoreThanAMask: a path on which x and ref part on 70
// features (x's way on to the end, ref's way to a 0 leaf) is the game
// "all 70 take x's value", whose value V splits into 70 equal shares:
// the coefficient past the table, from log-gamma.
func TestTreeNotesMoreThanAMask(t *testing.T) {
	const p, v = 70, 7.0
	var tr tree.Tree
	for j := range p {
		i := int32(len(tr.Nodes))
		// ref (0) goes left to a 0 leaf, x (1) right, on down the chain.
		tr.Nodes = append(tr.Nodes, tree.Node{Feature: int32(j), Threshold: 0.5, Left: i + 1, Right: i + 2},
			tree.Node{Feature: -1, Value: 0})
	}
	tr.Nodes = append(tr.Nodes, tree.Node{Feature: -1, Value: v})
	require.NoError(t, tr.Check(make([]int, p)))
	x, ref := make([]float64, p), make([]float64, p)
	for j := range x {
		x[j] = 1
	}
	e := &ensemble.Ensemble{Combine: ensemble.Sum, Trees: []tree.Tree{tr}}
	phi := make([]float64, p)
	fx, fr, err := explain.Ensemble(e, x, ref, phi)
	require.NoError(t, err)
	require.Equal(t, v, fx)
	require.Equal(t, 0.0, fr)
	for j := range phi {
		require.InDelta(t, v/p, phi[j], 1e-12, "feature %d", j)
	}
	require.InDelta(t, v, sum(phi), tol)
}
