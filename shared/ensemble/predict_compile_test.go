package ensemble

import (
	"errors"
	"math"
	"math/rand/v2"
	"sync"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/studentperf/studentperf/shared/tree"
)

// levels is the layout of the random trees: two scores, then categories
// of 2, 5, 6, 2 and 2 levels, as the served model.
var levels = []int{0, 0, 2, 5, 6, 2, 2}

// randomEnsemble is m random valid trees (of 1 to 64 leaves, thresholds
// on a grid of halves so that they repeat) combined as combine.
func randomEnsemble(rng *rand.Rand, combine string, m int) *Ensemble {
	e := &Ensemble{Combine: combine}
	if combine == Sum {
		e.Base = 61.25
	}
	for range m {
		t := tree.Tree{Nodes: []tree.Node{{}}}
		open, leaves, most := []int{0}, 1, 1+rng.IntN(64)
		for len(open) > 0 {
			i := open[0]
			open = open[1:]
			if leaves >= most || rng.IntN(5) == 0 {
				t.Nodes[i] = tree.Node{Feature: -1, Value: rng.NormFloat64()}
				continue
			}
			leaves++
			f := rng.IntN(len(levels))
			nd := tree.Node{Feature: int32(f), Left: int32(len(t.Nodes)), Right: int32(len(t.Nodes) + 1)}
			if l := levels[f]; l > 0 {
				nd.Cats = 1 + rng.Uint64N(1<<l-2)
			} else {
				nd.Threshold = float64(rng.IntN(201)) / 2
			}
			t.Nodes[i] = nd
			open = append(open, len(t.Nodes), len(t.Nodes)+1)
			t.Nodes = append(t.Nodes, tree.Node{}, tree.Node{})
		}
		e.Trees = append(e.Trees, t)
		if combine == Median {
			e.Weights = append(e.Weights, float64(1+rng.IntN(4)))
		}
	}
	return e
}

// randomRows is n rows of values at, just beside and beyond the
// thresholds, and every level.
func randomRows(rng *rand.Rand, n int) []float64 {
	x := make([]float64, 0, n*len(levels))
	for r := range n {
		for _, l := range levels {
			if l > 0 {
				x = append(x, float64((r+rng.IntN(2))%l))
				continue
			}
			v := float64(rng.IntN(221)-10) / 2 // below 0, every threshold, above 100
			switch rng.IntN(4) {
			case 0:
				v = math.Nextafter(v, math.Inf(-1))
			case 1:
				v = math.Nextafter(v, math.Inf(1))
			}
			x = append(x, v)
		}
	}
	return x
}

// TestCompiledPredictsAsTheWalk: for sum, mean and median ensembles,
// Predict and PredictBatch (batches small, odd and large enough to split
// between goroutines) give bit for bit what walking every tree gives.
func TestCompiledPredictsAsTheWalk(t *testing.T) {
	rng := rand.New(rand.NewPCG(5, 6))
	p := len(levels)
	x := randomRows(rng, 3*minRowsPerWorker+5)
	for _, combine := range []string{Sum, Mean, Median} {
		e := randomEnsemble(rng, combine, 64)
		require.NoError(t, e.Check(levels), combine)
		require.NotNil(t, e.compiled(), "%s: the trees compile", combine)
		want := make([]float64, len(x)/p)
		for r := range want {
			want[r] = e.walk(x[r*p : (r+1)*p])
			got := e.Predict(x[r*p : (r+1)*p])
			require.Equal(t, math.Float64bits(want[r]), math.Float64bits(got), "%s: row %d", combine, r)
		}
		for _, n := range []int{1, 9, 777, len(want)} {
			out := make([]float64, n)
			e.PredictBatch(x[:n*p], p, out)
			for r := range out {
				require.Equal(t, math.Float64bits(want[r]), math.Float64bits(out[r]), "%s: batch of %d: row %d", combine, n, r)
			}
		}
	}
}

// TestCompiledFollowsTheTrees: an ensemble over the same trees but
// truncated, or given other trees, predicts with its own trees, not the
// ones compiled before; so does the ensemble itself, truncated.
func TestCompiledFollowsTheTrees(t *testing.T) {
	rng := rand.New(rand.NewPCG(7, 8))
	e := randomEnsemble(rng, Sum, 20)
	row := randomRows(rng, 1)
	full := e.Predict(row)
	cut := sameTrees(e)
	cut.Truncate(5)
	require.Equal(t, cut.walk(row), cut.Predict(row))
	other := sameTrees(e)
	other.Trees = randomEnsemble(rng, Sum, 20).Trees
	require.Equal(t, other.walk(row), other.Predict(row))
	require.Equal(t, full, e.Predict(row), "the original is unchanged")
	e.Truncate(5)
	require.Equal(t, e.walk(row), e.Predict(row), "truncated in place")
	require.NotEqual(t, full, e.Predict(row), "five trees of twenty predict otherwise")
}

// sameTrees is a second ensemble over e's trees, compiled on its own.
func sameTrees(e *Ensemble) *Ensemble {
	return &Ensemble{Combine: e.Combine, Base: e.Base, Weights: e.Weights, Trees: e.Trees}
}

// TestCompiledConcurrently: goroutines predicting with one model, which
// compiles on first use, agree with the walk (run with -race).
func TestCompiledConcurrently(t *testing.T) {
	rng := rand.New(rand.NewPCG(9, 10))
	e := randomEnsemble(rng, Sum, 32)
	p := len(levels)
	x := randomRows(rng, 2*minRowsPerWorker)
	var wg sync.WaitGroup
	errs := make(chan error, 8)
	for g := range 8 {
		wg.Go(func() {
			if g%2 == 0 {
				out := make([]float64, len(x)/p)
				e.PredictBatch(x, p, out)
				for r, y := range out {
					if y != e.walk(x[r*p:(r+1)*p]) {
						errs <- errMismatch
						return
					}
				}
				return
			}
			for r := range len(x) / p {
				if e.Predict(x[r*p:(r+1)*p]) != e.walk(x[r*p:(r+1)*p]) {
					errs <- errMismatch
					return
				}
			}
		})
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		require.NoError(t, err)
	}
}

var errMismatch = errors.New("a concurrent prediction differs from the walk")

// TestPredictAllocatesNothing: one compiled row allocates nothing.
func TestPredictAllocatesNothing(t *testing.T) {
	rng := rand.New(rand.NewPCG(11, 12))
	for _, combine := range []string{Sum, Mean, Median} {
		e := randomEnsemble(rng, combine, 256)
		row := randomRows(rng, 1)
		e.Prepare()
		require.Zero(t, testing.AllocsPerRun(100, func() { _ = e.Predict(row) }), combine)
	}
}
