package tree

import (
	"encoding/json"
	"fmt"
	"math"
	"math/rand/v2"
	"runtime"
	"slices"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// wideData draws rows of a categorical feature of the given levels, each
// level's target +1 or −1 by a coin of its own (so that no threshold on
// the level index separates them), plus a little noise, and a numeric
// feature of noise. Every level has rows.
func wideData(levels, perLevel int, seed uint64) (*Data, []float64, []float64) {
	rng := rand.New(rand.NewPCG(seed, 2))
	effect := make([]float64, levels)
	for l := range effect {
		effect[l] = float64(2*rng.IntN(2) - 1)
	}
	n := levels * perLevel
	d := &Data{Rows: n, Levels: []int{0, levels}, X: make([]float64, 0, 2*n)}
	y := make([]float64, n)
	for i := range n {
		l := rng.IntN(levels)
		if i < levels {
			l = i
		}
		d.X = append(d.X, rng.NormFloat64(), float64(l))
		y[i] = effect[l] + 0.01*rng.NormFloat64()
	}
	return d, y, effect
}

func TestWideCategoricalSplitsNatively(t *testing.T) {
	for _, levels := range []int{65, 200, 300, 5000} {
		for _, crit := range []Criterion{SquaredError, AbsoluteError} {
			t.Run(fmt.Sprintf("%d/%s", levels, crit), func(t *testing.T) {
				d, y, effect := wideData(levels, 20, uint64(levels))
				bd := binned(t, d)
				g, err := NewGrower(bd, Params{Criterion: crit, MaxDepth: 1})
				require.NoError(t, err)
				tr, _, err := g.Grow(y, allRows(d.Rows), nil)
				require.NoError(t, err)
				require.NoError(t, tr.Check(d.Levels))
				root := tr.Nodes[0]
				require.Equal(t, int32(1), root.Feature, "the stump splits the categorical feature")
				require.NotNil(t, root.Set)
				assert.Zero(t, root.Cats)
				// One split separates the levels exactly: every level goes
				// to the side of its sign.
				for l, e := range effect {
					got := tr.Predict([]float64{0, float64(l)})
					assert.InDelta(t, e, got, 0.05, "level %d", l)
				}
				for i := range d.Rows {
					require.Equal(t, tr.Predict(d.Row(i)), tr.PredictBinned(bd, i), "row %d", i)
				}
				rows := allRows(d.Rows)
				got := make([]float64, len(rows))
				g.PredictRows(tr, rows, got)
				out := make([]float64, d.Rows)
				tr.PredictAdd(d.X, 2, out)
				for i := range rows {
					require.Equal(t, tr.Predict(d.Row(i)), got[i], "PredictRows row %d", i)
					require.Equal(t, tr.Predict(d.Row(i)), out[i], "PredictAdd row %d", i)
				}
			})
		}
	}
}

func TestWideTreeDeterministicAndRoundTrips(t *testing.T) {
	// 2,500 levels and 20,000 rows: a histogram wider than wideBins,
	// counted in halves
	d, y, _ := wideData(2500, 8, 7)
	// a numeric signal too, so that the tree mixes both kinds of split
	for i := range d.Rows {
		y[i] += 2 * math.Sin(d.X[2*i])
	}
	grow := func(workers int) (*Tree, []byte) {
		g, err := NewGrower(binned(t, d), Params{MaxLeaves: 31, MinSamplesLeaf: 5, Workers: workers})
		require.NoError(t, err)
		tr, _, err := g.Grow(y, allRows(d.Rows), nil)
		require.NoError(t, err)
		b, err := json.Marshal(tr)
		require.NoError(t, err)
		return tr, b
	}
	tr, first := grow(1)
	_, again := grow(2)
	require.Equal(t, string(first), string(again), "the same data gives the same bytes")
	assert.Contains(t, string(first), `"s":[`)

	var back Tree
	require.NoError(t, json.Unmarshal(first, &back))
	require.NoError(t, back.Check(d.Levels))
	for i := range d.Rows {
		require.Equal(t, tr.Predict(d.Row(i)), back.Predict(d.Row(i)), "row %d", i)
	}
	b, err := json.Marshal(&back)
	require.NoError(t, err)
	assert.Equal(t, string(first), string(b))

	c, err := Compile([]Tree{*tr, back})
	require.NoError(t, err)
	out := make([]float64, d.Rows)
	c.AddBatch(d.X, 2, out)
	codes := make([]uint16, c.Codes())
	for i := range d.Rows {
		want := tr.Predict(d.Row(i))
		require.Equal(t, want+want, out[i], "compiled batch row %d", i)
		c.Encode(d.Row(i), codes)
		require.Equal(t, want+want, c.Sum(d.Row(i), codes, 0), "compiled row %d", i)
	}
}

// TestOldTreeJSONDecodes is a tree written before level sets: it decodes,
// checks, predicts as it did and writes the same bytes back.
func TestOldTreeJSONDecodes(t *testing.T) {
	const old = `{"nodes":[{"f":1,"l":1,"r":2,"c":5},{"f":0,"l":3,"r":4,"t":1.5},{"f":-1,"v":-2},{"f":-1,"v":1},{"f":-1,"v":3}]}`
	var tr Tree
	require.NoError(t, json.Unmarshal([]byte(old), &tr))
	require.NoError(t, tr.Check([]int{0, 4}))
	assert.Equal(t, 1.0, tr.Predict([]float64{1, 0}))
	assert.Equal(t, 3.0, tr.Predict([]float64{2, 2}))
	assert.Equal(t, -2.0, tr.Predict([]float64{1, 1}))
	b, err := json.Marshal(&tr)
	require.NoError(t, err)
	assert.Equal(t, old, string(b))
}

func TestCheckRefusesBadLevelSets(t *testing.T) {
	leaves := `{"f":-1,"v":1},{"f":-1,"v":2}`
	for _, tt := range []struct {
		name, split string
		levels      int
	}{
		{"level past the feature's", `"s":[0,0,1]`, 100},
		{"more words than levels", `"s":[1,0,0]`, 100},
		{"empty set", `"s":[0]`, 100},
		{"empty list", `"s":[]`, 100},
		{"set on a narrow feature", `"s":[1]`, 10},
		{"cats on a wide feature", `"c":1`, 100},
		{"both", `"c":1,"s":[1,0]`, 100},
		{"set with a threshold", `"t":1,"s":[1,0]`, 100},
		{"set on a numeric feature", `"s":[1]`, 0},
	} {
		t.Run(tt.name, func(t *testing.T) {
			var tr Tree
			src := `{"nodes":[{"f":0,"l":1,"r":2,` + tt.split + `},` + leaves + `]}`
			require.NoError(t, json.Unmarshal([]byte(src), &tr))
			assert.Error(t, tr.Check([]int{tt.levels}))
		})
	}
	var tr Tree
	require.NoError(t, json.Unmarshal([]byte(`{"nodes":[{"f":0,"l":1,"r":2,"s":[0,8]},`+leaves+`]}`), &tr))
	require.NoError(t, tr.Check([]int{100}))
	assert.Equal(t, 1.0, tr.Predict([]float64{67}))
	assert.Equal(t, 2.0, tr.Predict([]float64{66}))
	assert.Equal(t, 2.0, tr.Predict([]float64{99}))
}

func TestBinRefusesTooManySlots(t *testing.T) {
	d := &Data{Rows: 2, Levels: []int{MaxLevels, MaxLevels, MaxLevels}, X: []float64{0, 1, 2, 3, 4, 5}}
	b, err := FitBinner(d, nil, MaxBins)
	require.NoError(t, err)
	_, err = b.Bin(d, nil)
	assert.ErrorContains(t, err, "bins in all")
	d.Levels = []int{MaxLevels + 1}
	d.X = d.X[:2]
	assert.Error(t, d.Check())
}

// TestMissingGoesWhereItFits: NaN in a numeric feature is a value of its
// own; the split sends it to the side whose targets it shares, and every
// way of predicting (a walk, binned codes, a batch, compiled tables, the
// JSON round trip) sends it there too.
func TestMissingGoesWhereItFits(t *testing.T) {
	rng := rand.New(rand.NewPCG(8, 8))
	const n = 4000
	for _, missLow := range []bool{true, false} {
		d := &Data{Rows: n, Levels: []int{0, 0}}
		y := make([]float64, n)
		for i := range n {
			x, z := rng.Float64()*10, rng.Float64()
			y[i] = 0
			if x > 5 {
				y[i] = 10
			}
			if i%7 == 0 {
				x = math.NaN()
				y[i] = 10
				if missLow {
					y[i] = 0
				}
			}
			d.X = append(d.X, x, z)
			y[i] += 0.1 * rng.NormFloat64()
		}
		require.NoError(t, d.Check())
		bd := binned(t, d)
		g, err := NewGrower(bd, Params{MaxLeaves: 4, MinSamplesLeaf: 5})
		require.NoError(t, err)
		tr, _, err := g.Grow(y, allRows(n), nil)
		require.NoError(t, err)
		require.NoError(t, tr.Check(d.Levels))
		root := tr.Nodes[0]
		require.Equal(t, int32(0), root.Feature)
		assert.Equal(t, missLow, root.MissingLeft)
		want := 10.0
		if missLow {
			want = 0
		}
		assert.InDelta(t, want, tr.Predict([]float64{math.NaN(), 0.5}), 0.1)

		b, err := json.Marshal(tr)
		require.NoError(t, err)
		var back Tree
		require.NoError(t, json.Unmarshal(b, &back))
		require.NoError(t, back.Check(d.Levels))
		c, err := Compile([]Tree{back})
		require.NoError(t, err)
		batch := make([]float64, n)
		c.AddBatch(d.X, 2, batch)
		walked := make([]float64, n)
		back.PredictAdd(d.X, 2, walked)
		for i := range n {
			w := tr.Predict(d.Row(i))
			require.Equal(t, w, tr.PredictBinned(bd, i), "binned row %d", i)
			require.Equal(t, w, back.Predict(d.Row(i)), "decoded row %d", i)
			require.Equal(t, w, batch[i], "compiled row %d", i)
			require.Equal(t, w, walked[i], "PredictAdd row %d", i)
		}
	}
}

func TestDataRefusesNaNLevels(t *testing.T) {
	d := &Data{Rows: 1, Levels: []int{3}, X: []float64{math.NaN()}}
	assert.Error(t, d.Check())
	d.Levels = []int{0}
	assert.NoError(t, d.Check())
	d.X[0] = math.Inf(1)
	assert.Error(t, d.Check())
}

// TestBinSameOnOneOrTwoProcs: large data is binned on two goroutines
// (edges feature by feature, codes half by half); the result is the one
// goroutine's.
func TestBinSameOnOneOrTwoProcs(t *testing.T) {
	if testing.Short() {
		t.Skip("bins 140,000 rows twice")
	}
	d, _ := wideLike(parallelRows+8000, 3)
	bin := func(procs int) *Binned {
		defer runtime.GOMAXPROCS(runtime.GOMAXPROCS(procs))
		return binned(t, d)
	}
	one, two := bin(1), bin(2)
	assert.Equal(t, one.Edges, two.Edges)
	assert.Equal(t, one.NBins, two.NBins)
	// slices.Equal: assert.Equal takes seconds over millions of codes
	assert.True(t, slices.Equal(one.Codes, two.Codes), "codes")
	assert.True(t, slices.Equal(one.cols, two.cols), "columns")
	assert.True(t, slices.Equal(one.gslots, two.gslots), "group slots")
}
