package tree

import (
	"math"
	"math/rand/v2"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// TestGrowNewtonHandComputed checks one split and its leaves against the
// gains worked out by hand: one numeric feature of values 0..3 with
// gradients (−2, 1, −1, 2) and hessians (1, 0.5, 0.5, 1.5).
//
//	after 0: G_L −2, H_L 1   | G_R  2, H_R 2.5: 4/1 + 4/2.5 = 5.6
//	after 1: G_L −1, H_L 1.5 | G_R  1, H_R 2:   1/1.5 + 1/2  ≈ 1.1667
//	after 2: G_L −2, H_L 2   | G_R  2, H_R 1.5: 4/2 + 4/1.5 ≈ 4.6667
//
// (G = 0, so the parent's term is 0.) The first wins: leaves −(−2)/1 = 2
// and −2/2.5 = −0.8; with λ = 1 they are 2/2 = 1 and −2/3.5.
func TestGrowNewtonHandComputed(t *testing.T) {
	d := &Data{Rows: 4, Levels: []int{0}, X: []float64{0, 1, 2, 3}}
	bd := binned(t, d)
	grad := []float64{-2, 1, -1, 2}
	hess := []float64{1, 0.5, 0.5, 1.5}
	for _, tc := range []struct {
		l2          float64
		left, right float64
	}{{0, 2, -0.8}, {1, 1, -2 / 3.5}} {
		g, err := NewGrower(bd, Params{MaxLeaves: 2, L2: tc.l2})
		require.NoError(t, err)
		tr, leaves, err := g.GrowNewton(grad, hess, allRows(4), nil)
		require.NoError(t, err)
		require.Len(t, tr.Nodes, 3)
		assert.Equal(t, 0.5, tr.Nodes[0].Threshold, "λ=%v: split after the first value", tc.l2)
		// (the leaves divide by H + λ + 1e-15)
		assert.InDelta(t, tc.left, tr.Nodes[tr.Nodes[0].Left].Value, 1e-14)
		assert.InDelta(t, tc.right, tr.Nodes[tr.Nodes[0].Right].Value, 1e-14)
		require.Len(t, leaves, 2)
		assert.Equal(t, Leaf{Node: 1, Lo: 0, Hi: 1}, leaves[0])
	}

	// The gains themselves, from the scan's own arithmetic.
	s := newtonNode{G: 0, H: 3.5, n: 4, msl: 1, minH: 1e-3}
	for _, c := range []struct {
		gl, hl float64
		nl     int
		want   float64
	}{{-2, 1, 1, 5.6}, {-1, 1.5, 2, 1/1.5 + 0.5}, {-2, 2, 3, 2 + 4/1.5}} {
		got, ok := s.gain(c.gl, c.hl, c.nl)
		require.True(t, ok)
		assert.InDelta(t, c.want, got, 1e-12)
	}
	// A side under the least hessian, or under MinSamplesLeaf, is refused.
	s.minH = 1.2
	_, ok := s.gain(-2, 1, 1)
	assert.False(t, ok, "left hessian 1 < 1.2")
	s.minH, s.msl = 1e-3, 2
	_, ok = s.gain(-2, 1, 1)
	assert.False(t, ok, "one row on the left")
}

// TestGrowNewtonLeastHessian: a leaf may not hold less hessian than
// MinHessianLeaf, however good its gain.
func TestGrowNewtonLeastHessian(t *testing.T) {
	d := &Data{Rows: 4, Levels: []int{0}, X: []float64{0, 1, 2, 3}}
	bd := binned(t, d)
	grad := []float64{-2, 1, -1, 2}
	hess := []float64{1, 0.5, 0.5, 1.5}
	g, err := NewGrower(bd, Params{MaxLeaves: 2, MinHessianLeaf: 1.6})
	require.NoError(t, err)
	tr, _, err := g.GrowNewton(grad, hess, allRows(4), nil)
	require.NoError(t, err)
	// After 0 leaves H_L 1, after 1 H_L 1.5: only after 2 (2 | 1.5 < 1.6)
	// … is refused too, so no split at all.
	require.Len(t, tr.Nodes, 1)
	assert.InDelta(t, 0, tr.Nodes[0].Value, 1e-15)

	// Hessians of 0 (p exactly 0 or 1) give a leaf of 0, not NaN.
	zero := []float64{0, 0, 0, 0}
	tr, _, err = g.GrowNewton(zero, zero, allRows(4), nil)
	require.NoError(t, err)
	require.Len(t, tr.Nodes, 1)
	assert.Equal(t, 0.0, tr.Nodes[0].Value)

	g, err = NewGrower(bd, Params{MaxLeaves: 2, MinHessianLeaf: 1.5})
	require.NoError(t, err)
	tr, _, err = g.GrowNewton(grad, hess, allRows(4), nil)
	require.NoError(t, err)
	require.Len(t, tr.Nodes, 3)
	assert.Equal(t, 2.5, tr.Nodes[0].Threshold, "the one split leaving 1.5 a side")
}

// newtonData draws rows of two numeric features (one with missing
// values), a category of five levels and one of 90 (a LevelSet split), and
// a continuous target.
func newtonData(n int, seed uint64) (*Data, []float64) {
	rng := rand.New(rand.NewPCG(seed, 3))
	d := &Data{Rows: n, Levels: []int{0, 0, 5, 90}, X: make([]float64, 0, 4*n)}
	eff := make([]float64, 90)
	for i := range eff {
		eff[i] = rng.NormFloat64() * 2
	}
	y := make([]float64, n)
	for i := range n {
		a, b := rng.NormFloat64(), rng.Float64()*10
		c, w := float64(rng.IntN(5)), float64(rng.IntN(90))
		y[i] = 2*a + math.Sin(b) + []float64{0, 3, -1, 2, -2}[int(c)] + eff[int(w)] + 0.3*rng.NormFloat64()
		if rng.Float64() < 0.1 {
			b = math.NaN()
			y[i] += 4
		}
		d.X = append(d.X, a, b, c, w)
	}
	return d, y
}

// TestGrowNewtonIsSquaredError: squared error is the case g = −y (the
// prediction 0), h = 1, whose Newton leaves Σy/(n+λ) are Grow's; the two
// trees predict the same for every row, numeric, missing and categorical
// splits alike (the categories are ordered the other way round, so a set
// may be the complement of the other's).
func TestGrowNewtonIsSquaredError(t *testing.T) {
	d, y := newtonData(3000, 7)
	bd := binned(t, d)
	grad, hess := make([]float64, len(y)), make([]float64, len(y))
	for i, v := range y {
		grad[i], hess[i] = -v, 1
	}
	for _, p := range []Params{{MaxLeaves: 31, MinSamplesLeaf: 20}, {MaxDepth: 6, L2: 2.5}} {
		g, err := NewGrower(bd, p)
		require.NoError(t, err)
		want, _, err := g.Grow(y, allRows(d.Rows), nil)
		require.NoError(t, err)
		got, _, err := g.GrowNewton(grad, hess, allRows(d.Rows), nil)
		require.NoError(t, err)
		assert.Equal(t, want.Leaves(), got.Leaves(), "%+v", p)
		wide := false
		for _, n := range got.Nodes {
			wide = wide || n.Set != nil
		}
		assert.True(t, wide, "%+v: a split of the 90 levels", p)
		for i := range d.Rows {
			x := d.Row(i)
			require.InDelta(t, want.Predict(x), got.Predict(x), 1e-9, "%+v row %d", p, i)
		}
	}
}

// TestGrowNewtonDeterministic: the same gradients give the same tree on
// one goroutine or two, and a grower reused gives it again.
func TestGrowNewtonDeterministic(t *testing.T) {
	d, y := newtonData(40000, 11)
	bd := binned(t, d)
	grad, hess := make([]float64, len(y)), make([]float64, len(y))
	for i, v := range y {
		p := 1 / (1 + math.Exp(-v))
		grad[i], hess[i] = p-btof(v > 0.5), p*(1-p)
	}
	var trees []*Tree
	for _, w := range []int{1, 2, 2} {
		g, err := NewGrower(bd, Params{MaxLeaves: 31, MinSamplesLeaf: 20, Workers: w})
		require.NoError(t, err)
		for range 2 {
			tr, _, err := g.GrowNewton(grad, hess, allRows(d.Rows), nil)
			require.NoError(t, err)
			trees = append(trees, tr)
		}
	}
	for _, tr := range trees[1:] {
		assert.Equal(t, trees[0].Nodes, tr.Nodes)
	}
	assert.Equal(t, 31, trees[0].Leaves())
}

func btof(b bool) float64 {
	if b {
		return 1
	}
	return 0
}

// TestGrowNewtonRefuses: gradients or hessians that are not numbers, a
// negative hessian, mismatched lengths and a carrying grower are errors.
func TestGrowNewtonRefuses(t *testing.T) {
	d := &Data{Rows: 4, Levels: []int{0}, X: []float64{0, 1, 2, 3}}
	bd := binned(t, d)
	g, err := NewGrower(bd, Params{MaxLeaves: 2})
	require.NoError(t, err)
	ok := []float64{1, 1, 1, 1}
	for name, c := range map[string]struct {
		grad, hess []float64
		want       string
	}{
		"NaN gradient":     {[]float64{0, math.NaN(), 0, 0}, ok, "gradient of row 2 is NaN"},
		"infinite hessian": {ok, []float64{1, 1, math.Inf(1), 1}, "hessian of row 3 is +Inf"},
		"negative hessian": {ok, []float64{1, -1, 1, 1}, "hessian of row 2 is -1"},
		"short hessians":   {ok, []float64{1}, "1 hessians for 4 rows"},
		"short gradients":  {[]float64{1}, ok, "1 targets for 4 rows"},
	} {
		_, _, err := g.GrowNewton(c.grad, c.hess, allRows(4), nil)
		require.Error(t, err, name)
		assert.Contains(t, err.Error(), c.want, name)
	}
	_, err = NewGrower(bd, Params{MinHessianLeaf: -1})
	assert.ErrorContains(t, err, "min hessian per leaf -1")
	g.carry = true // as Carry sets it on data of enough rows
	_, _, err = g.GrowNewton(ok, ok, allRows(4), nil)
	assert.ErrorContains(t, err, "Carry")
}

// TestBuildPairIsTwoBuilds: counting gradients and hessians in one pass
// gives exactly the two histograms counted one after the other, on data
// of wide histograms (one pass) and of a joint group (two), for nodes of
// every size and one or two goroutines.
func TestBuildPairIsTwoBuilds(t *testing.T) {
	for name, mk := range map[string]func(int, uint64) (*Data, []float64){"wide": wideLike, "students": studentsLike} {
		d, y := mk(3*chunkRows, 5)
		bd := binned(t, d)
		hess := make([]float64, len(y))
		for i := range hess {
			hess[i] = float64(i%7) / 7
		}
		for _, n := range []int{100, chunkRows - 1, 3 * chunkRows} {
			rows := allRows(n)
			for _, w := range []int{1, 2} {
				pool, ext := histPool{size: bd.total}, histPool{size: bd.extent()}
				h, hh := pool.get(), pool.get()
				buildPair(bd, y, hess, rows, h, hh, w, &pool, &ext)
				wh, whh := pool.get(), pool.get()
				wh.build(bd, y, rows, w, &pool, &ext)
				whh.build(bd, hess, rows, w, &pool, &ext)
				require.Equal(t, wh, h, "%s: %d rows, %d workers: gradients", name, n, w)
				require.Equal(t, whh, hh, "%s: %d rows, %d workers: hessians", name, n, w)
			}
		}
	}
}
