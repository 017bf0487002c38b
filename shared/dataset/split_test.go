package dataset

import (
	"math"
	"math/rand/v2"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// indexTable returns a table of n rows whose target is the row number.
func indexTable(n int) *Table {
	s := Schema{Features: []Column{{Name: "c", Kind: Category}, {Name: "x", Kind: Numeric}}, Target: "y"}
	t := &Table{Schema: s, Cols: make([]Col, 2), Target: make([]float64, n)}
	t.Cols[0].Levels = []string{"even", "odd"}
	for i := range n {
		t.Cols[0].Codes = append(t.Cols[0].Codes, int32(i%2))
		t.Cols[1].Values = append(t.Cols[1].Values, float64(i)/2)
		t.Target[i] = float64(i)
	}
	return t
}

func TestSplit(t *testing.T) {
	tests := []struct {
		n               int
		fraction        float64
		wantTrain, want int
	}{
		{1000, 0.2, 800, 200},
		{1000, 0.25, 750, 250},
		{10, 0.01, 9, 1},
		{10, 0.15, 8, 2}, // ceil(1.5)
		{2, 0.5, 1, 1},
		{7, 0.99, 0, 0}, // error: train would be empty
	}
	for _, tt := range tests {
		tab := indexTable(tt.n)
		train, test, err := Split(tab, tt.fraction, 42)
		if tt.want == 0 {
			assert.ErrorIs(t, err, ErrInvalid, "Split(%d rows, %v)", tt.n, tt.fraction)
			continue
		}
		require.NoError(t, err, "Split(%d rows, %v)", tt.n, tt.fraction)
		assert.Equal(t, tt.wantTrain, train.Len(), "Split(%d rows, %v): train rows", tt.n, tt.fraction)
		assert.Equal(t, tt.want, test.Len(), "Split(%d rows, %v): test rows", tt.n, tt.fraction)
		// Disjoint and complete; every row intact.
		seen := make([]int, tt.n)
		for _, part := range []*Table{train, test} {
			for i, y := range part.Target {
				r := int(y)
				seen[r]++
				assert.Equal(t, int32(r%2), part.Cols[0].Codes[i], "row %d was not kept together", r)
				assert.Equal(t, float64(r)/2, part.Cols[1].Values[i], "row %d was not kept together", r)
			}
		}
		for r, k := range seen {
			assert.Equal(t, 1, k, "Split(%d rows, %v): times row %d appears", tt.n, tt.fraction, r)
		}
	}
}

func TestSplitDeterministic(t *testing.T) {
	tab := indexTable(1000)
	split := func(seed uint64) (train, test *Table) {
		t.Helper()
		train, test, err := Split(tab, 0.2, seed)
		require.NoError(t, err)
		return train, test
	}
	train1, test1 := split(7)
	train2, test2 := split(7)
	_, test3 := split(8)
	assert.Equal(t, train1.Target, train2.Target, "two splits with seed 7: train")
	assert.Equal(t, test1.Target, test2.Target, "two splits with seed 7: test")
	assert.NotEqual(t, test1.Target, test3.Target, "splits with seeds 7 and 8 are equal")
	// The documented recipe: test is the start of the permutation, train
	// the rest, both in permutation order.
	perm := rand.New(rand.NewPCG(7, 7)).Perm(1000)
	for i, r := range perm {
		got, at := test1.Target, i
		if i >= 200 {
			got, at = train1.Target, i-200
		}
		require.Equal(t, float64(r), got[at], "position %d of the permutation", i)
	}
}

func TestSplitBadFraction(t *testing.T) {
	tab := indexTable(10)
	for _, f := range []float64{0, 1, -0.1, 1.5, math.NaN()} {
		_, _, err := Split(tab, f, 1)
		require.Error(t, err, "Split(fraction %v)", f)
		assert.NotErrorIs(t, err, ErrInvalid, "Split(fraction %v): a bad fraction is not bad data", f)
	}
	_, _, err := Split(indexTable(1), 0.5, 1)
	assert.ErrorIs(t, err, ErrInvalid, "Split(1 row)")
	_, _, err = Split(indexTable(0), 0.5, 1)
	assert.ErrorIs(t, err, ErrInvalid, "Split(0 rows)")
}
