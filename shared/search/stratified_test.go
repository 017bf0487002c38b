package search_test

import (
	"errors"
	"math/rand/v2"
	"slices"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/studentperf/studentperf/shared/search"
)

// TestStratifiedFoldsSpread checks every class spread over the folds by
// ⌊n_c/k⌋ or ⌈n_c/k⌉ rows, fold sizes within one row, on unbalanced
// classes and some class indices unused.
func TestStratifiedFoldsSpread(t *testing.T) {
	rng := rand.New(rand.NewPCG(1, 2))
	for trial := range 30 {
		k := 2 + rng.IntN(9)
		var y []int
		for c := range 1 + rng.IntN(6) {
			if c == 1 && trial%3 == 0 {
				continue // an unused class index
			}
			for range k + rng.IntN(40) {
				y = append(y, 3*c)
			}
		}
		rng.Shuffle(len(y), func(a, b int) { y[a], y[b] = y[b], y[a] })
		folds, err := search.StratifiedFolds(y, k, uint64(trial))
		require.NoError(t, err)
		require.Len(t, folds, len(y))
		sizes := make([]int, k)
		perClass := map[int][]int{}
		total := map[int]int{}
		for i, f := range folds {
			require.True(t, f >= 0 && f < k, "fold %d of row %d", f, i)
			sizes[f]++
			if perClass[y[i]] == nil {
				perClass[y[i]] = make([]int, k)
			}
			perClass[y[i]][f]++
			total[y[i]]++
		}
		assert.LessOrEqual(t, slices.Max(sizes)-slices.Min(sizes), 1, "trial %d fold sizes %v", trial, sizes)
		for c, counts := range perClass {
			lo := total[c] / k
			for f, n := range counts {
				assert.True(t, n == lo || n == lo+1 && total[c]%k != 0, "trial %d: class %d has %d rows in fold %d of %d; want ⌊%d/%d⌋ or ⌈⌉", trial, c, n, f, k, total[c], k)
			}
		}
	}
}

func TestStratifiedFoldsSeeded(t *testing.T) {
	y := make([]int, 200)
	for i := range y {
		y[i] = i % 3
	}
	a, err := search.StratifiedFolds(y, 5, 42)
	require.NoError(t, err)
	b, err := search.StratifiedFolds(y, 5, 42)
	require.NoError(t, err)
	assert.Equal(t, a, b, "same seed, same folds")
	c, err := search.StratifiedFolds(y, 5, 43)
	require.NoError(t, err)
	assert.NotEqual(t, a, c, "another seed, other folds")
	// Shuffled, not dealt in row order: row i of a class is not simply in
	// fold (i/3) % 5.
	inOrder := 0
	for i, f := range a {
		if f == (i/3)%5 {
			inOrder++
		}
	}
	assert.Less(t, inOrder, 100, "%d of 200 rows in their round-robin fold", inOrder)
}

func TestStratifiedFoldsRefuses(t *testing.T) {
	y := []int{0, 0, 0, 0, 0, 1, 1, 1, 2, 2, 2, 2, 2, 2}
	_, err := search.StratifiedFolds(y, 5, 1)
	require.ErrorIs(t, err, search.ErrTooFewRows)
	var small *search.ClassTooSmallError
	require.True(t, errors.As(err, &small))
	assert.Equal(t, search.ClassTooSmallError{Class: 1, Rows: 3, Folds: 5}, *small)
	assert.EqualError(t, err, "too few rows: class 1 has 3 rows; 5-fold cross-validation needs at least 5 rows of each class")
	_, err = search.StratifiedFolds(y, 3, 1)
	assert.NoError(t, err, "three folds: every class has 3 rows or more")
	for _, tt := range []struct {
		name string
		y    []int
		k    int
		want string
	}{
		{"one fold", y, 1, "1 folds; want at least 2"},
		{"no rows", nil, 2, "no rows"},
		{"negative class", []int{0, 0, -1, -1}, 2, "class -1 of row 2 is negative"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			_, err := search.StratifiedFolds(tt.y, tt.k, 1)
			assert.ErrorContains(t, err, tt.want)
		})
	}
}
