package search

import "math"

// Spec is one candidate of the search: a family's configuration under the
// name the search reports it by.
type Spec struct {
	Name   string             `json:"name"`
	Family string             `json:"family"`
	Params map[string]float64 `json:"params"`
}

// Result is one candidate's cross-validation outcome.
type Result struct {
	Spec
	FoldR2     []float64 `json:"fold_r2"`
	CVMean     float64   `json:"cv_r2_mean"`
	CVStd      float64   `json:"cv_r2_std"` // population standard deviation over folds
	FitSeconds float64   `json:"fit_seconds"`
}

// Pick returns the index of the first result whose mean CV R² is within
// tie of the best: candidates come simplest first, so ties go to the
// simpler model.
func Pick(rs []Result, tie float64) int {
	best := math.Inf(-1)
	for _, r := range rs {
		best = math.Max(best, r.CVMean)
	}
	for i, r := range rs {
		if r.CVMean >= best-tie {
			return i
		}
	}
	return 0
}

// FoldBounds splits n rows into k contiguous folds; the first n%k folds
// hold one row more, as in scikit-learn's KFold.
func FoldBounds(n, k int) [][2]int {
	b := make([][2]int, k)
	lo := 0
	for f := range k {
		size := n / k
		if f < n%k {
			size++
		}
		b[f] = [2]int{lo, lo + size}
		lo += size
	}
	return b
}
