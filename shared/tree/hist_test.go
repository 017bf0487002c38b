package tree

import (
	"fmt"
	"math/rand/v2"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// studentsLike draws n rows shaped as the students' data: two scores of
// 0 to 100 and five categories of 2, 5, 6, 2 and 2 levels.
func studentsLike(n int, seed uint64) (*Data, []float64) {
	rng := rand.New(rand.NewPCG(seed, 2))
	levels := []int{0, 0, 2, 5, 6, 2, 2}
	d := &Data{Rows: n, Levels: levels, X: make([]float64, 0, n*len(levels))}
	y := make([]float64, n)
	for i := range n {
		r := float64(rng.IntN(101))
		w := min(100, max(0, r+float64(rng.IntN(21)-10)))
		d.X = append(d.X, r, w)
		s := 0.6*r + 0.3*w
		for _, l := range levels[2:] {
			c := rng.IntN(l)
			d.X = append(d.X, float64(c))
			s += float64(c)
		}
		y[i] = s + rng.NormFloat64()*5
	}
	return d, y
}

// TestGroupedHistogramMatchesDirect: a histogram counted by group (joint
// cells, then marginalised) has the counts of one counted feature by
// feature and the same sums to rounding, for nodes below and above the
// grouped threshold, the four-way threshold and the chunk size.
func TestGroupedHistogramMatchesDirect(t *testing.T) {
	d, y := studentsLike(3*chunkRows+123, 3)
	bd := binned(t, d)
	require.NotNil(t, bd.gslots, "the five categories form a joint group")
	assert.Equal(t, 3, bd.groups, "two scores alone, the categories together")
	rng := rand.New(rand.NewPCG(9, 9))
	for _, n := range []int{1, bd.minRows - 1, bd.minRows, wideRows + 3, chunkRows + 1, bd.Rows} {
		t.Run(fmt.Sprint(n), func(t *testing.T) {
			rows := allRows(bd.Rows)
			rng.Shuffle(len(rows), func(i, j int) { rows[i], rows[j] = rows[j], rows[i] })
			rows = rows[:n]
			pool, ext := &histPool{size: bd.total}, &histPool{size: bd.extent()}
			got := pool.get()
			got.build(bd, y, rows, 2, pool, ext)
			want := make(histogram, bd.total)
			p := bd.Cols()
			for _, r := range rows {
				for j, c := range bd.Codes[int(r)*p : int(r+1)*p] {
					want[bd.offset[j]+int(c)].Sum += y[r]
					want[bd.offset[j]+int(c)].N++
				}
			}
			for i := range want {
				require.Equal(t, want[i].N, got[i].N, "slot %d count", i)
				require.InDelta(t, want[i].Sum, got[i].Sum, 1e-9*(1+abs(want[i].Sum)), "slot %d sum", i)
			}
		})
	}
}

func abs(v float64) float64 {
	if v < 0 {
		return -v
	}
	return v
}

// BenchmarkHistogram counts the histogram of 800,000 students-like rows
// (every row, and every third row as a child node would have them) by
// group and feature by feature, on one and two goroutines.
func BenchmarkHistogram(b *testing.B) {
	d, y := studentsLike(800_000, 5)
	bd := binned(b, d)
	all := allRows(bd.Rows)
	var third []int32
	for r := int32(0); r < int32(bd.Rows); r += 3 {
		third = append(third, r)
	}
	for _, grouped := range []bool{true, false} {
		for _, rows := range [][]int32{all, third} {
			for _, workers := range []int{1, 2} {
				b.Run(fmt.Sprintf("grouped=%v/rows=%d/workers=%d", grouped, len(rows), workers), func(b *testing.B) {
					g := *bd
					if !grouped {
						g.gslots = nil
					}
					pool, ext := &histPool{size: g.total}, &histPool{size: g.extent()}
					for b.Loop() {
						h := pool.get()
						h.build(&g, y, rows, workers, pool, ext)
						pool.put(h)
					}
					b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N*len(rows)), "ns/row")
				})
			}
		}
	}
}

// TestShiftCarriesTheRoot: after Carry, Grow and Shift, the root histogram
// the grower keeps for the next tree is the one counting the shifted
// targets would give (counts exactly, sums to rounding), tree after tree,
// and a Grow on other rows counts them afresh.
func TestShiftCarriesTheRoot(t *testing.T) {
	d, y := studentsLike(40_000, 4)
	bd := binned(t, d)
	g, err := NewGrower(bd, Params{MaxLeaves: 15, MinSamplesLeaf: 20, Workers: 2})
	require.NoError(t, err)
	g.Carry()
	y = append([]float64(nil), y...)
	for it := range 5 {
		rows := allRows(bd.Rows)
		tr, leaves, err := g.Grow(y, rows, nil)
		require.NoError(t, err)
		require.Len(t, leaves, 15)
		delta := make([]float64, len(leaves))
		for i, lf := range leaves {
			delta[i] = 0.1 * tr.Nodes[lf.Node].Value
			for _, r := range rows[lf.Lo:lf.Hi] {
				y[r] -= delta[i]
			}
		}
		g.Shift(delta)
		require.True(t, g.rootOK, "tree %d", it)
		pool, ext := &histPool{size: bd.total}, &histPool{size: bd.extent()}
		want := pool.get()
		want.build(bd, y, allRows(bd.Rows), 1, pool, ext)
		var sum float64
		for _, v := range y {
			sum += v
		}
		assert.InDelta(t, sum, g.rootSum, 1e-6, "tree %d: root sum", it)
		for b := range want {
			require.Equal(t, want[b].N, g.root[b].N, "tree %d slot %d", it, b)
			require.InDelta(t, want[b].Sum, g.root[b].Sum, 1e-6, "tree %d slot %d", it, b)
		}
	}
	_, _, err = g.Grow(y, allRows(bd.Rows/2), nil)
	require.NoError(t, err)
	g.Shift([]float64{1})
	assert.False(t, g.rootOK, "a delta per leaf missing: the next Grow counts")
}
