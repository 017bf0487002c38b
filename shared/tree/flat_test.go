package tree

import (
	"fmt"
	"math"
	"math/rand/v2"
	"testing"

	"github.com/stretchr/testify/require"
)

// flatLevels is the layout the flat kernel's tests draw over: numeric
// features (0), categories of at most 64 levels (Node.Cats) and wider
// ones (Node.Set), one of them wider than a byte of codes.
var flatLevels = []int{0, 0, 0, 3, 40, 64, 65, 200, 300}

// flatThresholds are the numeric thresholds random trees draw from.
var flatThresholds = []float64{-2.5, -1, math.Copysign(0, -1), 0, 0.25, 1, 3.75, 10, 1e6}

// randomWideTree grows a random valid tree of up to leaves leaves over
// levels: numeric splits with a random side for missing values, level
// sets of either kind; feature 2 draws from thresholds of its own, many
// of them (manyThr of them: more than a byte codes makes its trees walk).
func randomWideTree(rng *rand.Rand, leaves int, levels []int, manyThr int) Tree {
	t := Tree{Nodes: []Node{{}}}
	open := []int{0}
	n := 1
	for len(open) > 0 {
		k := rng.IntN(len(open))
		i := open[k]
		open = append(open[:k], open[k+1:]...)
		if n >= leaves || (n > 1 && rng.IntN(5) == 0) {
			t.Nodes[i] = Node{Feature: -1, Value: math.Round(rng.NormFloat64()*1e6) / 1024}
			continue
		}
		n++
		f := rng.IntN(len(levels))
		if levels[f] > 255 && rng.IntN(3) > 0 {
			f = 0 // the widest feature only now and then
		}
		nd := Node{Feature: int32(f), Left: int32(len(t.Nodes)), Right: int32(len(t.Nodes) + 1)}
		switch l := levels[f]; {
		case l > wideLevels:
			set := make(LevelSet, (l+63)/64)
			for v := range l {
				if rng.IntN(2) == 0 {
					set[v/64] |= 1 << (v % 64)
				}
			}
			set[0] |= 1 // never empty
			nd.Set = &set
		case l > 0:
			nd.Cats = 1 + rng.Uint64N(uint64(1)<<(l-1)) // non-empty
			if l < 64 {
				nd.Cats &= 1<<l - 1
			}
		case f == 2 && manyThr > 0:
			nd.Threshold = float64(rng.IntN(manyThr)) / 4
			nd.MissingLeft = rng.IntN(2) == 0
		default:
			nd.Threshold = flatThresholds[rng.IntN(len(flatThresholds))]
			nd.MissingLeft = rng.IntN(2) == 0
		}
		t.Nodes[i] = nd
		open = append(open, len(t.Nodes), len(t.Nodes)+1)
		t.Nodes = append(t.Nodes, Node{}, Node{})
	}
	return t
}

// flatRowsAt draws n rows over levels at every edge: each threshold
// exactly and a hair either side, beyond all of them, ±Inf, NaN, −0,
// every level, levels past every set and past every level.
func flatRowsAt(rng *rand.Rand, levels []int, n int) []float64 {
	var nums []float64
	for _, t := range flatThresholds {
		nums = append(nums, t, math.Nextafter(t, math.Inf(-1)), math.Nextafter(t, math.Inf(1)))
	}
	nums = append(nums, -1e300, 1e300, math.Inf(1), math.Inf(-1), math.NaN(), math.Copysign(0, -1), 42.42)
	x := make([]float64, 0, n*len(levels))
	for r := range n {
		for f, l := range levels {
			switch {
			case l == 0 && f == 2 && rng.IntN(2) == 0:
				x = append(x, float64(rng.IntN(1200))/8-10)
			case l == 0:
				x = append(x, nums[rng.IntN(len(nums))])
			case rng.IntN(15) == 0:
				x = append(x, float64(l+rng.IntN(300))) // a level past the known ones
			default:
				x = append(x, float64((r*7+f)%l))
			}
		}
	}
	return x
}

// sumPredict is base plus each tree's Predict of row x, in tree order.
func sumPredict(trees []Tree, x []float64, base float64) float64 {
	s := base
	for i := range trees {
		s += trees[i].Predict(x)
	}
	return s
}

// requireBatchIsPredict runs c.AddBatch over the first n rows of x for
// several n and requires, bit for bit, Predict summed tree by tree.
func requireBatchIsPredict(t *testing.T, c *Compiled, trees []Tree, x []float64, p int) {
	t.Helper()
	rows := len(x) / p
	want := make([]float64, rows)
	for r := range want {
		want[r] = sumPredict(trees, x[r*p:(r+1)*p], 0.25)
	}
	for _, n := range []int{0, 1, 5, flatRows - 1, flatRows, flatRows + 1, batchRows, batchRows + 1, 2*batchRows + 77, rows} {
		n = min(n, rows)
		out := make([]float64, n)
		for r := range out {
			out[r] = 0.25
		}
		c.AddBatch(x[:n*p], p, out)
		for r := range out {
			require.Equal(t, math.Float64bits(want[r]), math.Float64bits(out[r]), "batch of %d: row %d %v", n, r, x[r*p:(r+1)*p])
		}
	}
}

// TestFlatMatchesPredict: trees of every size over numeric features
// (missing values either side), narrow and wide categories, rows at every
// edge; AddBatch routes them through the flat kernel and gives, bit for
// bit, the sum of Predict tree by tree.
func TestFlatMatchesPredict(t *testing.T) {
	rng := rand.New(rand.NewPCG(3, 4))
	var trees []Tree
	for i := range 60 {
		trees = append(trees, randomWideTree(rng, []int{1, 2, 5, 31, 31, 64, 300}[i%7], flatLevels, 0))
	}
	for i := range trees {
		require.NoError(t, trees[i].Check(flatLevels), "tree %d", i)
	}
	c, err := Compile(trees)
	require.NoError(t, err)
	require.NotNil(t, c.flat, "trees too large to tabulate lay the model out flat")
	require.Positive(t, c.Routed())
	require.Less(t, c.Routed(), len(trees), "trees splitting the 300-level feature on levels past 255 are walked")
	p := len(flatLevels)
	requireBatchIsPredict(t, c, trees, flatRowsAt(rng, flatLevels, 1500), p)
}

// TestFlatFallsBackPerTree: a numeric feature with more thresholds than a
// byte codes leaves the trees splitting it to be walked, the rest routed,
// and the sum is still Predict's, bit for bit.
func TestFlatFallsBackPerTree(t *testing.T) {
	rng := rand.New(rand.NewPCG(5, 6))
	levels := []int{0, 0, 0, 3, 40}
	var trees []Tree
	for i := range 30 {
		trees = append(trees, randomWideTree(rng, []int{31, 120}[i%2], levels, 1000))
	}
	c, err := Compile(trees)
	require.NoError(t, err)
	require.NotNil(t, c.flat)
	var onTwo int
	for i := range trees {
		for _, n := range trees[i].Nodes {
			if n.Feature == 2 {
				onTwo++
				break
			}
		}
	}
	require.Positive(t, onTwo)
	require.Equal(t, len(trees)-onTwo, c.Routed(), "every tree off feature 2 is routed")
	requireBatchIsPredict(t, c, trees, flatRowsAt(rng, levels, 1200), len(levels))
}

// TestFlatWideLike: an ensemble grown by the package's own grower on rows
// shaped as the wide benchmark table's (ten categories of up to 201
// levels, twenty numbers, 5% missing) predicts in batches what its trees
// predict row by row.
func TestFlatWideLike(t *testing.T) {
	d, _ := wideLike(6000, 11)
	rng := rand.New(rand.NewPCG(11, 12))
	effect := make([]float64, 201)
	for l := range effect {
		effect[l] = rng.NormFloat64()
	}
	res := make([]float64, d.Rows)
	for r := range res {
		x := d.Row(r)
		res[r] = effect[int(x[9])] + effect[int(x[7])]/2 + rng.NormFloat64()/4
		if v := x[10]; v == v {
			res[r] += v
		}
	}
	g, err := NewGrower(binned(t, d), Params{MaxLeaves: 31, MinSamplesLeaf: 20, Workers: 1})
	require.NoError(t, err)
	var trees []Tree
	for range 12 {
		tr, _, err := g.Grow(res, allRows(d.Rows), nil)
		require.NoError(t, err)
		tr.Scale(0.3)
		for r := range res {
			res[r] -= tr.Predict(d.Row(r))
		}
		trees = append(trees, *tr)
	}
	c, err := Compile(trees)
	require.NoError(t, err)
	require.Equal(t, len(trees), c.Routed(), "every tree is routed")
	requireBatchIsPredict(t, c, trees, d.X, d.Cols())
}

// FuzzFlatMatchesPredict draws trees and rows from the fuzzer's seed and
// sizes and requires AddBatch to be Predict summed, bit for bit.
func FuzzFlatMatchesPredict(f *testing.F) {
	f.Add(uint64(1), uint8(31), uint8(10), uint16(300))
	f.Add(uint64(2), uint8(200), uint8(3), uint16(513))
	f.Add(uint64(3), uint8(1), uint8(1), uint16(1))
	f.Fuzz(func(t *testing.T, seed uint64, leaves, ntrees uint8, rows uint16) {
		rng := rand.New(rand.NewPCG(seed, 7))
		trees := make([]Tree, 1+int(ntrees)%20)
		for i := range trees {
			trees[i] = randomWideTree(rng, 1+int(leaves), flatLevels, 0)
		}
		c, err := Compile(trees)
		require.NoError(t, err)
		p := len(flatLevels)
		n := int(rows) % 2000
		x := flatRowsAt(rng, flatLevels, n)
		out := make([]float64, n)
		c.AddBatch(x, p, out)
		for r := range out {
			want := sumPredict(trees, x[r*p:(r+1)*p], 0)
			require.Equal(t, math.Float64bits(want), math.Float64bits(out[r]), fmt.Sprintf("row %d", r))
		}
	})
}
