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
	// Skipped, when set, is why the candidate has no score: a grid point
	// that cannot apply to these rows (k above a fold's training rows) or
	// a fit that failed (an elastic net that did not converge). FoldR2 is
	// then nil and the means 0; Pick passes it over.
	Skipped string `json:"skipped,omitempty"`
}

// Pick returns the index of the first scored result whose mean CV R² is
// within tie of the best: candidates come simplest first, so ties go to
// the simpler model. It returns -1 when every result was skipped.
func Pick(rs []Result, tie float64) int {
	best := math.Inf(-1)
	for _, r := range rs {
		if r.Skipped == "" {
			best = math.Max(best, r.CVMean)
		}
	}
	for i, r := range rs {
		if r.Skipped == "" && r.CVMean >= best-tie {
			return i
		}
	}
	return -1
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
