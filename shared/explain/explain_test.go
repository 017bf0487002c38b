package explain_test

import (
	"math"
	"math/bits"
	"math/rand/v2"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/studentperf/studentperf/shared/ensemble"
	"github.com/studentperf/studentperf/shared/explain"
	"github.com/studentperf/studentperf/shared/tree"
)

const tol = 1e-9

// levels of the features of the random trees: three numeric, three
// categorical with 4, 5 and 64 levels.
var levels = []int{0, 0, 0, 4, 5, 64}

// randomTree grows a random tree over levels, up to depth deep, with
// features drawn from a small range so that paths split on the same
// feature again.
func randomTree(rng *rand.Rand, depth int) tree.Tree {
	var t tree.Tree
	var grow func(d int) int32
	grow = func(d int) int32 {
		i := int32(len(t.Nodes))
		if d == depth || rng.Float64() < 0.15 {
			t.Nodes = append(t.Nodes, tree.Node{Feature: -1, Value: rng.NormFloat64() * 10})
			return i
		}
		f := rng.IntN(len(levels))
		n := tree.Node{Feature: int32(f)}
		if l := levels[f]; l > 0 {
			for n.Cats == 0 {
				n.Cats = rng.Uint64()
				if l < 64 {
					n.Cats &= 1<<uint(l) - 1
				}
			}
		} else {
			n.Threshold = float64(rng.IntN(10)) + 0.5
		}
		t.Nodes = append(t.Nodes, n)
		l := grow(d + 1)
		r := grow(d + 1)
		t.Nodes[i].Left, t.Nodes[i].Right = l, r
		return i
	}
	grow(0)
	return t
}

func randomRecord(rng *rand.Rand) []float64 {
	x := make([]float64, len(levels))
	for j, l := range levels {
		if l == 0 {
			x[j] = float64(rng.IntN(11))
		} else {
			x[j] = float64(rng.IntN(l))
		}
	}
	return x
}

// bruteForce is the oracle: Exact over f on mixed records.
func bruteForce(t testing.TB, f func([]float64) float64, x, ref []float64) []float64 {
	t.Helper()
	phi := make([]float64, len(x))
	mix := make([]float64, len(x))
	full, empty, err := explain.Exact(len(x), func(s uint64) float64 {
		explain.Mix(mix, x, ref, s)
		return f(mix)
	}, phi)
	require.NoError(t, err)
	require.Equal(t, f(x), full)
	require.Equal(t, f(ref), empty)
	return phi
}

func sum(xs []float64) float64 {
	var s float64
	for _, v := range xs {
		s += v
	}
	return s
}

// TestTreeMatchesBruteForce: the one-walk values of random trees (deep,
// repeated features, categorical splits up to 64 levels) equal the
// enumerated ones, and the tree's predictions come back exact.
func TestTreeMatchesBruteForce(t *testing.T) {
	rng := rand.New(rand.NewPCG(1, 2))
	for k := range 300 {
		tr := randomTree(rng, 1+k%9)
		require.NoError(t, tr.Check(levels))
		x, ref := randomRecord(rng), randomRecord(rng)
		if k%5 == 0 {
			copy(ref[:3], x[:3]) // some features agree
		}
		phi := make([]float64, len(x))
		fx, fr := explain.Tree(&tr, x, ref, phi)
		require.Equal(t, tr.Predict(x), fx, "tree %d", k)
		require.Equal(t, tr.Predict(ref), fr, "tree %d", k)
		want := bruteForce(t, tr.Predict, x, ref)
		require.InDeltaSlice(t, want, phi, tol, "tree %d", k)
		require.InDelta(t, fx-fr, sum(phi), tol, "tree %d: efficiency", k)
	}
}

// TestEnsembleMatchesBruteForce: a sum (boosting) and a mean (forest) of
// random trees, and a weighted median, against enumeration; predictions
// are bit for bit Ensemble.Predict's.
func TestEnsembleMatchesBruteForce(t *testing.T) {
	rng := rand.New(rand.NewPCG(3, 4))
	for _, combine := range []string{ensemble.Sum, ensemble.Mean, ensemble.Median} {
		for k := range 40 {
			e := &ensemble.Ensemble{Combine: combine}
			if combine == ensemble.Sum {
				e.Base = rng.NormFloat64() * 50
			}
			for i := range 1 + k {
				e.Trees = append(e.Trees, randomTree(rng, 2+i%5))
				if combine == ensemble.Median {
					e.Weights = append(e.Weights, rng.Float64())
				}
			}
			require.NoError(t, e.Check(levels))
			x, ref := randomRecord(rng), randomRecord(rng)
			phi := make([]float64, len(x))
			fx, fr, err := explain.Ensemble(e, x, ref, phi)
			require.NoError(t, err)
			require.Equal(t, math.Float64bits(e.Predict(x)), math.Float64bits(fx), "%s %d", combine, k)
			require.Equal(t, math.Float64bits(e.Predict(ref)), math.Float64bits(fr), "%s %d", combine, k)
			want := bruteForce(t, e.Predict, x, ref)
			require.InDeltaSlice(t, want, phi, tol, "%s %d", combine, k)
			require.InDelta(t, fx-fr, sum(phi), tol, "%s %d: efficiency", combine, k)
		}
	}
}

// TestLinearMatchesBruteForce: one-hot and scaled columns owned by their
// features, against enumeration of the linear function.
func TestLinearMatchesBruteForce(t *testing.T) {
	rng := rand.New(rand.NewPCG(5, 6))
	owner := []int{0, 1, 1, 1, 2, 3, 3}
	for k := range 50 {
		w := make([]float64, len(owner))
		x := make([]float64, len(owner))
		ref := make([]float64, len(owner))
		for c := range w {
			w[c], x[c], ref[c] = rng.NormFloat64(), rng.NormFloat64()*3, rng.NormFloat64()*3
		}
		b := rng.NormFloat64()
		f := func(xs []float64) float64 {
			y := b
			for c, v := range xs {
				y += w[c] * v
			}
			return y
		}
		// The oracle mixes whole features, not columns.
		phiWant := make([]float64, 4)
		mix := make([]float64, len(owner))
		_, _, err := explain.Exact(4, func(s uint64) float64 {
			for c, o := range owner {
				if s>>uint(o)&1 == 1 {
					mix[c] = x[c]
				} else {
					mix[c] = ref[c]
				}
			}
			return f(mix)
		}, phiWant)
		require.NoError(t, err)
		phi := make([]float64, 4)
		require.NoError(t, explain.Linear(w, x, ref, owner, phi))
		require.InDeltaSlice(t, phiWant, phi, tol, "model %d", k)
		require.InDelta(t, f(x)-f(ref), sum(phi), tol, "model %d: efficiency", k)
	}
	assert.Error(t, explain.Linear([]float64{1}, []float64{1}, []float64{1}, []int{4}, make([]float64, 4)), "owner out of range")
	assert.Error(t, explain.Linear([]float64{1}, []float64{1, 2}, []float64{1}, []int{0}, make([]float64, 4)), "lengths differ")
}

// TestExactAxioms checks Exact on games whose values are known without it:
// a symmetric game splits equally, a dummy player gets 0, an additive game
// gives each player its own term, and unanimity games of a set A give
// 1/|A| to each member.
func TestExactAxioms(t *testing.T) {
	phi := make([]float64, 5)
	_, _, err := explain.Exact(5, func(s uint64) float64 { c := float64(bits.OnesCount64(s)); return c * c }, phi)
	require.NoError(t, err)
	for i := range phi {
		assert.InDelta(t, 25.0/5, phi[i], tol, "symmetric player %d", i)
	}
	terms := []float64{3, -1, 0.5, 7, 0}
	_, _, err = explain.Exact(5, func(s uint64) float64 {
		var y float64
		for i, v := range terms {
			if s>>uint(i)&1 == 1 {
				y += v
			}
		}
		return y * 2
	}, phi)
	require.NoError(t, err)
	for i := range phi {
		assert.InDelta(t, 2*terms[i], phi[i], tol, "additive player %d", i)
	}
	const a = 0b01011
	_, _, err = explain.Exact(5, func(s uint64) float64 {
		if s&a == a {
			return 6
		}
		return 0
	}, phi)
	require.NoError(t, err)
	assert.InDeltaSlice(t, []float64{2, 2, 0, 2, 0}, phi, tol, "unanimity of {0, 1, 3}")

	_, _, err = explain.Exact(explain.MaxExact+1, func(uint64) float64 { return 0 }, make([]float64, explain.MaxExact+1))
	assert.ErrorIs(t, err, explain.ErrTooManyFeatures)
	_, _, err = explain.Exact(3, func(uint64) float64 { return 0 }, make([]float64, 2))
	assert.Error(t, err, "phi of the wrong length")
}

// TestTreeIgnoredAndSymmetric: a feature no split reads gets 0, and a tree
// symmetric in two features (the same split on either, then the same
// leaves) gives them equal values.
func TestTreeIgnoredAndSymmetric(t *testing.T) {
	// y = 10 if x0 > 5 and x1 > 5, else 0: an AND of two features.
	tr := tree.Tree{Nodes: []tree.Node{
		{Feature: 0, Left: 1, Right: 2, Threshold: 5},
		{Feature: -1},
		{Feature: 1, Left: 3, Right: 4, Threshold: 5},
		{Feature: -1},
		{Feature: -1, Value: 10},
	}}
	require.NoError(t, tr.Check([]int{0, 0, 0}))
	x, ref := []float64{9, 9, 9}, []float64{1, 1, 1}
	phi := make([]float64, 3)
	fx, fr := explain.Tree(&tr, x, ref, phi)
	assert.Equal(t, 10.0, fx)
	assert.Equal(t, 0.0, fr)
	assert.InDeltaSlice(t, []float64{5, 5, 0}, phi, tol, "AND: halves for the two, 0 for the ignored third")
}

// TestEnsembleRefusesTooWide: a median over more features than Exact
// enumerates is an error, not a wrong answer (an Explainer samples it).
func TestEnsembleRefusesTooWide(t *testing.T) {
	leaf := tree.Tree{Nodes: []tree.Node{{Feature: -1, Value: 1}}}
	p := explain.MaxExact + 1
	e := &ensemble.Ensemble{Combine: ensemble.Median, Trees: []tree.Tree{leaf}, Weights: []float64{1}}
	_, _, err := explain.Ensemble(e, make([]float64, p), make([]float64, p), make([]float64, p))
	assert.ErrorIs(t, err, explain.ErrTooManyFeatures)
	_, _, err = explain.Ensemble(&ensemble.Ensemble{Combine: ensemble.Sum, Trees: []tree.Tree{leaf}}, make([]float64, 2), make([]float64, 3), make([]float64, 2))
	assert.Error(t, err, "lengths differ")
}

// TestTreeAllocatesNothing: one walk of an explained tree allocates
// nothing.
func TestTreeAllocatesNothing(t *testing.T) {
	rng := rand.New(rand.NewPCG(7, 8))
	e := &ensemble.Ensemble{Combine: ensemble.Sum}
	for range 20 {
		e.Trees = append(e.Trees, randomTree(rng, 6))
	}
	x, ref, phi := randomRecord(rng), randomRecord(rng), make([]float64, len(levels))
	assert.Zero(t, testing.AllocsPerRun(100, func() { _, _, _ = explain.Ensemble(e, x, ref, phi) }))
	e.Combine = ensemble.Median
	e.Weights = make([]float64, len(e.Trees))
	for i := range e.Weights {
		e.Weights[i] = 1
	}
	assert.Zero(t, testing.AllocsPerRun(20, func() { _, _, _ = explain.Ensemble(e, x, ref, phi) }))
}

// TestCompiledMatchesWalkAndBruteForce: a compiled sum or mean gives the
// walk's values and enumeration's, and Predict's predictions bit for bit,
// with trees of more than 64 leaves (walked) among ones it tabulates.
func TestCompiledMatchesWalkAndBruteForce(t *testing.T) {
	rng := rand.New(rand.NewPCG(9, 10))
	sawBig := false
	for _, combine := range []string{ensemble.Sum, ensemble.Mean} {
		for k := range 30 {
			e := &ensemble.Ensemble{Combine: combine}
			if combine == ensemble.Sum {
				e.Base = rng.NormFloat64() * 50
			}
			big := false
			for i := range 1 + k {
				tr := randomTree(rng, 2+i%9)
				big = big || tr.Leaves() > 64
				sawBig = sawBig || big
				e.Trees = append(e.Trees, tr)
			}
			ref := randomRecord(rng)
			c, err := explain.Compile(e, levels, ref)
			require.NoError(t, err)
			for range 5 {
				x := randomRecord(rng)
				if rng.IntN(3) == 0 {
					x[0] = rng.Float64() * 12 // between thresholds, and past the last
				}
				phi := make([]float64, len(x))
				fx, fr, err := c.Explain(x, phi)
				require.NoError(t, err)
				require.Equal(t, math.Float64bits(e.Predict(x)), math.Float64bits(fx), "%s %d", combine, k)
				require.Equal(t, math.Float64bits(e.Predict(ref)), math.Float64bits(fr), "%s %d", combine, k)
				walked := make([]float64, len(x))
				_, _, err = explain.Ensemble(e, x, ref, walked)
				require.NoError(t, err)
				require.InDeltaSlice(t, walked, phi, tol, "%s %d: compiled vs walk (big trees: %v)", combine, k, big)
				require.InDeltaSlice(t, bruteForce(t, e.Predict, x, ref), phi, tol, "%s %d: compiled vs brute force", combine, k)
			}
		}
	}
	require.True(t, sawBig, "some tree had more than 64 leaves, so was walked")
}

// TestCompileRefuses: a median, a reference of the wrong width, an
// unchecked ensemble and tables past MaxCompiledBytes are errors, and so
// are a level out of range and a record of the wrong width.
func TestCompileRefuses(t *testing.T) {
	leaf := tree.Tree{Nodes: []tree.Node{{Feature: -1, Value: 1}}}
	_, err := explain.Compile(&ensemble.Ensemble{Combine: ensemble.Median, Weights: []float64{1}, Trees: []tree.Tree{leaf}}, levels, make([]float64, len(levels)))
	assert.Error(t, err, "median")
	_, err = explain.Compile(&ensemble.Ensemble{Combine: ensemble.Sum, Trees: []tree.Tree{leaf}}, levels, make([]float64, 2))
	assert.Error(t, err, "reference width")
	_, err = explain.Compile(&ensemble.Ensemble{Combine: ensemble.Sum, Trees: []tree.Tree{{Nodes: []tree.Node{{Feature: 9, Left: 1, Right: 2}, {Feature: -1}, {Feature: -1}}}}}, levels, make([]float64, len(levels)))
	assert.Error(t, err, "tree reading a feature that is not there")

	// 3,000 stumps on distinct thresholds: 3,001 bins × 3,000 trees × 8 bytes.
	e := &ensemble.Ensemble{Combine: ensemble.Sum}
	for i := range 3000 {
		e.Trees = append(e.Trees, tree.Tree{Nodes: []tree.Node{{Feature: 0, Left: 1, Right: 2, Threshold: float64(i)}, {Feature: -1}, {Feature: -1, Value: 1}}})
	}
	_, err = explain.Compile(e, []int{0}, []float64{0})
	assert.ErrorIs(t, err, explain.ErrTooLarge)

	c, err := explain.Compile(&ensemble.Ensemble{Combine: ensemble.Sum, Trees: []tree.Tree{leaf}}, levels, make([]float64, len(levels)))
	require.NoError(t, err)
	x := make([]float64, len(levels))
	x[3] = 4 // feature 3 has 4 levels
	_, _, err = c.Explain(x, make([]float64, len(levels)))
	assert.Error(t, err, "level out of range")
	_, _, err = c.Explain(x[:2], make([]float64, 2))
	assert.Error(t, err, "record width")
}

// TestCompiledAllocatesNothing per explained record.
func TestCompiledAllocatesNothing(t *testing.T) {
	rng := rand.New(rand.NewPCG(11, 12))
	e := &ensemble.Ensemble{Combine: ensemble.Sum}
	for i := range 30 {
		e.Trees = append(e.Trees, randomTree(rng, 3+i%8))
	}
	c, err := explain.Compile(e, levels, randomRecord(rng))
	require.NoError(t, err)
	x, phi := randomRecord(rng), make([]float64, len(levels))
	assert.Zero(t, testing.AllocsPerRun(100, func() { _, _, _ = c.Explain(x, phi) }))
}
