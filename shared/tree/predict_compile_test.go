package tree

import (
	"math"
	"math/rand/v2"
	"testing"

	"github.com/stretchr/testify/require"
)

// compileLevels is the layout the compile tests draw trees over: two
// scores, then categories of 2, 5, 6, 2 and 2 levels, as the served model.
var compileLevels = []int{0, 0, 2, 5, 6, 2, 2}

// compileThresholds are the numeric thresholds random trees draw from, so
// that trees share some and not others.
var compileThresholds = []float64{-0.5, 0, 3, 17.5, 33, 33.25, 50, 64.5, 71, 88, 99.5, 100}

// randomTree grows a random valid tree of up to leaves leaves over
// compileLevels: every split drawn at random, children after parents.
func randomTree(rng *rand.Rand, leaves int) Tree {
	t := Tree{Nodes: []Node{{}}}
	open := []int{0} // nodes not yet decided
	n := 1
	for len(open) > 0 {
		k := rng.IntN(len(open))
		i := open[k]
		open = append(open[:k], open[k+1:]...)
		if n >= leaves || (n > 1 && rng.IntN(4) == 0) {
			t.Nodes[i] = Node{Feature: -1, Value: math.Round(rng.NormFloat64()*1000) / 64}
			continue
		}
		n++
		f := rng.IntN(len(compileLevels))
		nd := Node{Feature: int32(f), Left: int32(len(t.Nodes)), Right: int32(len(t.Nodes) + 1)}
		if l := compileLevels[f]; l > 0 {
			nd.Cats = 1 + rng.Uint64N(1<<l-2) // a proper, non-empty subset
		} else {
			nd.Threshold = compileThresholds[rng.IntN(len(compileThresholds))]
		}
		t.Nodes[i] = nd
		open = append(open, len(t.Nodes), len(t.Nodes)+1)
		t.Nodes = append(t.Nodes, Node{}, Node{})
	}
	return t
}

// edgeRows are rows at every edge the coding has: each threshold exactly
// and a hair either side of it, below the smallest and above the largest,
// NaN, every level and levels no split names.
func edgeRows(rng *rand.Rand, n int) [][]float64 {
	var nums []float64
	for _, t := range compileThresholds {
		nums = append(nums, t, math.Nextafter(t, math.Inf(-1)), math.Nextafter(t, math.Inf(1)))
	}
	nums = append(nums, -1000, 1000, math.NaN(), math.Copysign(0, -1), 42.42)
	rows := make([][]float64, n)
	for r := range rows {
		x := make([]float64, len(compileLevels))
		for f, l := range compileLevels {
			switch {
			case l == 0:
				x[f] = nums[rng.IntN(len(nums))]
			case rng.IntN(20) == 0:
				x[f] = float64(l + rng.IntN(70)) // a level beyond the known ones
			default:
				x[f] = float64(r % l) // every level, row after row
			}
		}
		rows[r] = x
	}
	return rows
}

// TestCompiledMatchesWalk: for random trees (small ones tabulated, large
// ones walked) and edge rows, the compiled trees give, bit for bit, what
// walking each tree gives: one tree at a time, summed, and in batches of
// sizes that do and do not fill a chunk.
func TestCompiledMatchesWalk(t *testing.T) {
	rng := rand.New(rand.NewPCG(1, 2))
	var trees []Tree
	for i := range 40 {
		leaves := []int{1, 2, 8, 31, 64, 400}[i%6]
		trees = append(trees, randomTree(rng, leaves))
	}
	for i := range trees {
		require.NoError(t, trees[i].Check(compileLevels), "tree %d", i)
	}
	c, err := Compile(trees)
	require.NoError(t, err)
	require.Equal(t, len(trees), c.Trees())
	tables, walks := 0, 0
	for _, ct := range c.trees {
		if ct.walk != nil {
			walks++
		} else {
			tables++
		}
	}
	require.NotZero(t, tables, "some trees are tabulated")
	require.NotZero(t, walks, "some trees are too large to tabulate")

	rows := edgeRows(rng, 1500)
	codes := make([]uint16, c.Codes())
	each := make([]float64, len(trees))
	want := make([]float64, len(rows))
	for r, x := range rows {
		c.Encode(x, codes)
		c.Each(x, codes, each)
		s := 0.5
		for i := range trees {
			p := trees[i].Predict(x)
			require.Equal(t, math.Float64bits(p), math.Float64bits(each[i]), "row %d %v tree %d", r, x, i)
			s += p
		}
		want[r] = s
		require.Equal(t, math.Float64bits(s), math.Float64bits(c.Sum(x, codes, 0.5)), "row %d", r)
	}
	p := len(compileLevels)
	flat := make([]float64, 0, len(rows)*p)
	for _, x := range rows {
		flat = append(flat, x...)
	}
	for _, n := range []int{0, 1, 7, batchRows, batchRows + 3, len(rows)} {
		out := make([]float64, n)
		for r := range out {
			out[r] = 0.5
		}
		c.AddBatch(flat[:n*p], p, out)
		for r := range out {
			require.Equal(t, math.Float64bits(want[r]), math.Float64bits(out[r]), "batch of %d: row %d", n, r)
		}
	}
}

// TestCompileRefuses: trees that split one feature both ways, and nodes
// out of order, are refused rather than mispredicted.
func TestCompileRefuses(t *testing.T) {
	leaf := Node{Feature: -1, Value: 1}
	mixed := []Tree{
		{Nodes: []Node{{Feature: 0, Left: 1, Right: 2, Threshold: 3}, leaf, leaf}},
		{Nodes: []Node{{Feature: 0, Left: 1, Right: 2, Cats: 1}, leaf, leaf}},
	}
	_, err := Compile(mixed)
	require.ErrorIs(t, err, ErrNotCompilable)
	for name, trees := range map[string][]Tree{
		"no nodes":      {{}},
		"child before":  {{Nodes: []Node{{Feature: 0, Left: 0, Right: 1}, leaf}}},
		"child outside": {{Nodes: []Node{{Feature: 0, Left: 1, Right: 5}, leaf}}},
	} {
		_, err := Compile(trees)
		require.Error(t, err, name)
	}
}

// TestCompileNodesReachedTwice: a node reached by 2^40 paths compiles in
// no time and predicts as Predict does.
func TestCompileNodesReachedTwice(t *testing.T) {
	// Node i splits to i+1 both ways: 2^40 paths to the last node.
	var nodes []Node
	for i := range 40 {
		nodes = append(nodes, Node{Feature: 0, Left: int32(i + 1), Right: int32(i + 1), Threshold: float64(i)})
	}
	nodes = append(nodes, Node{Feature: -1, Value: 3})
	c, err := Compile([]Tree{{Nodes: nodes}})
	require.NoError(t, err)
	require.Equal(t, 3.0, c.Sum([]float64{5}, make([]uint16, c.Codes()), 0))
}
