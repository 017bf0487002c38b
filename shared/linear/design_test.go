package linear_test

import (
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"gonum.org/v1/gonum/mat"

	"github.com/studentperf/studentperf/shared/linear"
	"github.com/studentperf/studentperf/shared/search"
)

// compactOneHot is a design of three numbers (one far from 0) and three
// categories of 3, 4 and 7 levels, each level's column valued as a scale
// would make it, in its compact form and expanded as a matrix; y depends on
// every column (its mean far from 0), plus noise.
func compactOneHot(n int, seed uint64) (linear.Design, *mat.Dense, []float64) {
	nums := [][]float64{normals(n, 0, 1, seed+1), normals(n, 0, 2, seed+2), normals(n, 1000, 3, seed+3)}
	levels := [][]float64{{2.1, 1.7, 3}, {1.2, 4, 2.5, 1.9}, {3, 3.5, 2.2, 8, 1.1, 2.6, 5}}
	draws := [][]float64{normals(n, 0, 1, seed+4), normals(n, 0, 1, seed+5), normals(n, 0, 1, seed+6)}
	eps := normals(n, 0, 1, seed+7)
	effect := [][]float64{{0, 2, -1}, {1, 0, 3, -2}, {0.5, -0.5, 1, 2, -3, 0, 1.5}}
	lvl := make([][]int, len(levels))
	w := len(nums)
	for _, l := range levels {
		w += len(l)
	}
	X := mat.NewDense(n, w, nil)
	y := make([]float64, n)
	for i := range n {
		y[i] = 5000 + 3*nums[0][i] - 2*nums[1][i] + 0.1*nums[2][i] + 0.5*eps[i]
		for j := range nums {
			X.Set(i, j, nums[j][i])
		}
		k := len(nums)
		for g, ls := range levels {
			l := level(draws[g][i], len(ls))
			lvl[g] = append(lvl[g], l)
			X.Set(i, k+l, ls[l])
			y[i] += effect[g][l]
			k += len(ls)
		}
	}
	d := linear.Design{Rows: n, Dense: len(nums), Levels: levels, Row: func(i int, num []float64, l []int) {
		for j := range nums {
			num[j] = nums[j][i]
		}
		for g := range levels {
			l[g] = lvl[g][i]
		}
	}}
	return d, X, y
}

// TestCompactDesignMatchesMatrix: above DenseRows rows, the moments summed
// from the compact rows give every candidate's fold scores and refit of the
// moments summed over the expanded matrix, up to rounding.
func TestCompactDesignMatchesMatrix(t *testing.T) {
	const n = 3 * linear.DenseRows
	d, X, y := compactOneHot(n, 21)
	require.Equal(t, 17, d.Width())
	folds := search.FoldBounds(n, 5)
	cands := linear.Grid()
	compact, err := linear.CrossValidateDesign(d, y, cands, folds, linear.Options{})
	require.NoError(t, err)
	dense, err := linear.CrossValidate(X, y, cands, folds, linear.Options{})
	require.NoError(t, err)
	for i, c := range cands {
		require.Equal(t, dense.Scores[i].Skipped, compact.Scores[i].Skipped, c.Name)
		checkNear(t, c.Name+" fold R²", compact.Scores[i].FoldR2, dense.Scores[i].FoldR2, 1e-9)
		mc, err := compact.Refit(i)
		require.NoError(t, err, c.Name)
		md, err := dense.Refit(i)
		require.NoError(t, err, c.Name)
		checkNear(t, c.Name+" refitted predictions", predictAll(mc, X), predictAll(md, X), 1e-7)
	}
	// The fit is a real one: OLS explains nearly all of y.
	assert.Greater(t, compact.Scores[0].FoldR2[0], 0.9)
}

// TestSmallDesignIsTheMatrixBitForBit: up to DenseRows rows a design's
// moments are summed over its expanded rows, so its fits are the matrix's
// to the bit.
func TestSmallDesignIsTheMatrixBitForBit(t *testing.T) {
	const n = linear.DenseRows
	d, X, y := compactOneHot(n, 5)
	folds := search.FoldBounds(n, 5)
	cands := linear.Grid()
	fromDesign, err := linear.CrossValidateDesign(d, y, cands, folds, linear.Options{})
	require.NoError(t, err)
	fromMatrix, err := linear.CrossValidate(X, y, cands, folds, linear.Options{})
	require.NoError(t, err)
	for i, c := range cands {
		assert.Equal(t, fromMatrix.Scores[i].FoldR2, fromDesign.Scores[i].FoldR2, c.Name)
		a, err := fromDesign.Refit(i)
		require.NoError(t, err)
		b, err := fromMatrix.Refit(i)
		require.NoError(t, err)
		assert.Equal(t, b, a, c.Name)
	}
}

// TestDesignErrors: a level outside its group, or a design without a way
// to read its rows, is an error naming it.
func TestDesignErrors(t *testing.T) {
	for _, n := range []int{100, 3 * linear.DenseRows} {
		d, _, y := compactOneHot(n, 3)
		row := d.Row
		d.Row = func(i int, num []float64, lvl []int) {
			row(i, num, lvl)
			if i == 7 {
				lvl[1] = 4
			}
		}
		_, err := linear.CrossValidateDesign(d, y, linear.Grid(), search.FoldBounds(n, 5), linear.Options{})
		require.Error(t, err, "%d rows", n)
		assert.Contains(t, err.Error(), "row 8: level 4 of group 2 is not one of its 4")
	}
	d, _, y := compactOneHot(10, 3)
	d.Row = nil
	_, err := linear.CrossValidateDesign(d, y, linear.Grid(), search.FoldBounds(10, 2), linear.Options{})
	assert.ErrorContains(t, err, "no rows to read")
}
