package ensemble_test

import (
	"math"
	"math/rand/v2"
	"testing"

	"github.com/studentperf/studentperf/shared/ensemble"
	"github.com/studentperf/studentperf/shared/tree"
)

// TestStagedBatchIsStaged: on random ensembles whose trees tie (equal
// predictions, −0 beside +0, equal and zero weights, the odd NaN), every
// stage of StagedBatch is bit for bit what Staged gives row by row.
func TestStagedBatchIsStaged(t *testing.T) {
	rng := rand.New(rand.NewPCG(11, 11))
	values := []float64{-2, -1, math.Copysign(0, -1), 0, 0.1, 0.2, 0.30000000000000004, 1, 1, 3}
	weights := []float64{0, 0.5, 1, 1, math.Log(3), 2}
	stageLists := [][]int{{1}, {1, 2, 5, 8, 16}, {8, 16, 32, 64, 128, 256}, {0, 3, 7, 1000}}
	for trial := range 40 {
		m := 1 + rng.IntN(300)
		const rows, p = 150, 2
		x := make([]float64, rows*p)
		for i := range x {
			x[i] = rng.Float64()
		}
		leaf := func() tree.Node {
			v := values[rng.IntN(len(values))]
			if trial%10 == 9 && rng.IntN(50) == 0 {
				v = math.NaN()
			}
			return tree.Node{Feature: -1, Value: v}
		}
		e := &ensemble.Ensemble{Combine: ensemble.Median, Base: 0.5}
		switch trial % 5 {
		case 3:
			e.Combine = ensemble.Sum
		case 4:
			e.Combine = ensemble.Mean
		}
		for range m {
			root := tree.Node{Feature: int32(rng.IntN(p)), Threshold: rng.Float64(), Left: 1, Right: 2}
			e.Trees = append(e.Trees, tree.Tree{Nodes: []tree.Node{root, leaf(), leaf()}})
			if e.Combine == ensemble.Median {
				e.Weights = append(e.Weights, weights[rng.IntN(len(weights))])
			}
		}
		for _, counts := range append(stageLists, []int{m}, []int{max(1, m/3), m}) {
			got := make([][]float64, len(counts))
			for s := range got {
				got[s] = make([]float64, rows)
			}
			e.StagedBatch(x, p, counts, got)
			want := make([]float64, len(counts))
			for r := range rows {
				e.Staged(x[r*p:(r+1)*p], counts, want, nil)
				for s := range counts {
					if math.Float64bits(got[s][r]) != math.Float64bits(want[s]) {
						t.Fatalf("trial %d (%s, %d trees), counts %v, row %d: stage %d is %v; Staged gives %v",
							trial, e.Combine, m, counts, r, counts[s], got[s][r], want[s])
					}
				}
			}
		}
	}
}
