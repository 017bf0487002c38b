package search

import (
	"errors"
	"slices"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/studentperf/studentperf/shared/features"
)

// firstRows builds every layout of the first n rows of the embedded
// sample, under a transform fitted on them.
func firstRows(t testing.TB, n int) *Input { return sampleRows(t, 0, n) }

// sampleRows builds every layout of n rows of the embedded sample from
// row off on, under a transform fitted on them.
func sampleRows(t testing.TB, off, n int) *Input {
	t.Helper()
	_, tab, _ := sample(t)
	idx := seq(n)
	for i := range idx {
		idx[i] += off
	}
	tab = tab.Subset(idx)
	tr, err := features.Fit(tab)
	require.NoError(t, err)
	in, err := Inputs(tr, tab)
	require.NoError(t, err)
	return in
}

// TestSmallTablesSkipWhatCannotApply: on 60 rows (48 training rows a
// fold) the whole default search runs; the kNN grid points with k above a
// fold's training rows are skipped and named, every other candidate is
// scored, and the winner is a scored one.
func TestSmallTablesSkipWhatCannotApply(t *testing.T) {
	in := firstRows(t, 60)
	out, err := Run(in, DefaultGrid(), Options{Folds: 5, Seed: 42})
	require.NoError(t, err)
	var skipped []string
	for _, r := range out.Results {
		if r.Skipped == "" {
			assert.Len(t, r.FoldR2, 5, r.Name)
			continue
		}
		skipped = append(skipped, r.Name)
		assert.Nil(t, r.FoldR2, r.Name)
		assert.Zero(t, r.CVMean, r.Name)
		if r.Family == KNN {
			assert.Contains(t, r.Skipped, "k 50 is more than the 48 training rows of fold 1", r.Name)
		}
	}
	assert.Subset(t, skipped, []string{"knn(k=50,weights=uniform)", "knn(k=50,weights=distance)"})
	assert.Empty(t, out.Results[out.Best].Skipped, "the winner")
	for _, r := range out.Results {
		if r.Family == KNN && r.Params["k"] <= 48 {
			assert.Empty(t, r.Skipped, "%s fits 48 rows", r.Name)
		}
	}
}

// TestTenRowsTrain: on 10 rows (two a fold) the search still picks and
// refits a winner; whatever fails on so few rows is skipped with its
// reason (kNN's larger k; on rows 21–30 of the sample, lassos that do not
// converge), every family scored otherwise.
func TestTenRowsTrain(t *testing.T) {
	in := sampleRows(t, 20, 10)
	out, err := Run(in, DefaultGrid(), Options{Folds: 5, Seed: 42})
	require.NoError(t, err)
	scored := map[string]bool{}
	var lasso []string
	for _, r := range out.Results {
		if r.Skipped != "" {
			assert.Regexp(t, `fold \d|k \d+ is more than`, r.Skipped, r.Name)
			if r.Family == "lasso" {
				lasso = append(lasso, r.Name)
				assert.Contains(t, r.Skipped, "no convergence", r.Name)
			}
			continue
		}
		scored[r.Family] = true
	}
	assert.Contains(t, lasso, "lasso(alpha=0.001)", "the lasso that does not converge on these rows")
	for _, fam := range []string{KNN, Tree, Forest, AdaBoost, Boost, "ols"} {
		assert.True(t, scored[fam], "family %s has a scored candidate", fam)
	}
	assert.Empty(t, out.Results[out.Best].Skipped, "the winner")
	assert.NotEmpty(t, out.Estimator.Family)
}

// TestTooFewRowsToFold: fewer than two rows a fold is ErrTooFewRows,
// naming the minimum; exactly two a fold searches.
func TestTooFewRowsToFold(t *testing.T) {
	in := firstRows(t, 10)
	for _, n := range []int{0, 1, 9} {
		small := &Input{Trees: in.Trees, Y: in.Y[:n], tr: in.tr}
		_, err := Run(small, Grid{Tree: {{}}}, Options{Folds: 5})
		require.Error(t, err, "%d rows", n)
		assert.True(t, errors.Is(err, ErrTooFewRows), "%d rows: %v", n, err)
		assert.Contains(t, err.Error(), "needs at least 10 (2 a fold)")
	}
	_, err := Run(in, Grid{Tree: {{}}}, Options{Folds: 5})
	assert.NoError(t, err, "10 rows in 5 folds")
}

// TestEverySkippedIsErrNoCandidate: a grid of which nothing applies fails
// with ErrNoCandidate, naming a reason.
func TestEverySkippedIsErrNoCandidate(t *testing.T) {
	_, err := Run(firstRows(t, 20), Grid{KNN: {{"k": {30, 50}}}}, Options{Folds: 5})
	require.Error(t, err)
	assert.True(t, errors.Is(err, ErrNoCandidate), "%v", err)
	assert.Contains(t, err.Error(), "k 30 is more than the 16 training rows")
}

// TestRowCap: a configuration with max_rows fits each fold and the refit
// on a seeded subsample of that many rows: the refitted kNN model holds
// exactly those rows, the same for 1 and 2 workers and for two runs, and a
// different seed draws other rows.
func TestRowCap(t *testing.T) {
	_, _, in := sample(t)
	g := Grid{KNN: {{"k": {5}, rowCap: {100}}}, Forest: {{counts: {4}, rowCap: {100}, "max_depth": {4}}}}
	var first *Outcome
	for _, workers := range []int{1, 2} {
		out, err := Run(in, g, Options{Folds: 3, Workers: workers, Seed: 3})
		require.NoError(t, err)
		if first == nil {
			first = out
			continue
		}
		assert.Equal(t, first.Results, clearSecs(out.Results, first.Results), "workers %d", workers)
	}
	knnOnly, err := Run(in, Grid{KNN: g[KNN]}, Options{Folds: 3, Seed: 3})
	require.NoError(t, err)
	m := knnOnly.Estimator.KNN
	require.NotNil(t, m)
	assert.Len(t, m.Y, 100, "the refit holds max_rows rows")
	other, err := Run(in, Grid{KNN: g[KNN]}, Options{Folds: 3, Seed: 4})
	require.NoError(t, err)
	assert.NotEqual(t, m.Y, other.Estimator.KNN.Y, "another seed draws other rows")
	assert.Contains(t, knnOnly.Results[0].Name, "max_rows=100")

	_, err = Run(in, Grid{KNN: {{"k": {5}, rowCap: {1}}}}, Options{Folds: 3})
	assert.ErrorContains(t, err, "max_rows 1 must be a whole number of at least 2")
	_, err = Run(in, Grid{Linear: {{}}, Tree: {{rowCap: {2.5}}}}, Options{Folds: 3})
	assert.ErrorContains(t, err, "max_rows 2.5")
}

// clearSecs copies the fit times of want into got, which differ run to run.
func clearSecs(got, want []Result) []Result {
	out := slices.Clone(got)
	for i := range out {
		out[i].FitSeconds = want[i].FitSeconds
	}
	return out
}

// TestDefaultGridFor: up to SmallRows the original's grids, unchanged;
// above, every kNN, forest and AdaBoost configuration is capped at
// SubsampleRows rows, boosting is there, and the grid is valid; above
// LargeRows the single tree keeps one configuration.
func TestDefaultGridFor(t *testing.T) {
	for _, n := range []int{1, 800, SmallRows} {
		assert.Equal(t, DefaultGrid(), DefaultGridFor(n), "%d rows", n)
	}
	for _, n := range []int{SmallRows + 1, 50_000, LargeRows + 1, 1_000_000} {
		g := DefaultGridFor(n)
		require.NoError(t, g.check(), "%d rows", n)
		cfgs, err := g.configs()
		require.NoError(t, err)
		trees := 0
		for _, c := range cfgs {
			switch c.family {
			case KNN, Forest, AdaBoost:
				assert.Equal(t, SubsampleRows, c.maxRows(), "%d rows: %s", n, c.specs[0].Name)
			case Tree:
				trees++
			}
		}
		assert.Contains(t, g, Boost)
		assert.Contains(t, g, Linear)
		if n > LargeRows {
			assert.Equal(t, 1, trees, "%d rows", n)
		}
	}
}
