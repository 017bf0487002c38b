package regress

import (
	"errors"
	"fmt"
	"math"
	"strconv"
	"time"

	"gonum.org/v1/gonum/mat"
	"gonum.org/v1/gonum/stat"
)

// Families of the linear model search.
const (
	OLS        = "ols"
	Ridge      = "ridge"
	Lasso      = "lasso"
	ElasticNet = "elasticnet"
)

// Spec is one candidate configuration.
type Spec struct {
	Name   string             `json:"name"`
	Family string             `json:"family"`
	Params map[string]float64 `json:"params"`
}

// LinearFamily is the default grid, simplest first: OLS, then ridge, lasso
// and elastic net, each from the strongest penalty to the weakest.
func LinearFamily() []Spec {
	specs := []Spec{{Name: OLS, Family: OLS, Params: map[string]float64{}}}
	for _, a := range []float64{100, 10, 1, 0.1, 0.01} {
		specs = append(specs, Spec{Name: fmt.Sprintf("ridge(alpha=%s)", ff(a)), Family: Ridge, Params: map[string]float64{"alpha": a}})
	}
	for _, a := range []float64{1, 0.1, 0.01, 0.001} {
		specs = append(specs, Spec{Name: fmt.Sprintf("lasso(alpha=%s)", ff(a)), Family: Lasso, Params: map[string]float64{"alpha": a}})
	}
	for _, a := range []float64{1, 0.1, 0.01, 0.001} {
		for _, r := range []float64{0.2, 0.5, 0.8} {
			specs = append(specs, Spec{Name: fmt.Sprintf("elasticnet(alpha=%s,l1_ratio=%s)", ff(a), ff(r)), Family: ElasticNet,
				Params: map[string]float64{"alpha": a, "l1_ratio": r}})
		}
	}
	return specs
}

func ff(f float64) string { return strconv.FormatFloat(f, 'g', -1, 64) }

// fit solves spec on a centred system.
func (spec Spec) fit(s *system) (*Linear, error) {
	var w []float64
	var err error
	switch spec.Family {
	case OLS:
		w, err = ols(s)
	case Ridge:
		a, perr := spec.param("alpha", 0, math.Inf(1))
		if perr != nil {
			return nil, perr
		}
		w, err = ridge(s, a)
	case Lasso:
		a, perr := spec.param("alpha", 0, math.Inf(1))
		if perr != nil {
			return nil, perr
		}
		w, err = elasticNet(s, a, 1)
	case ElasticNet:
		a, perr := spec.param("alpha", 0, math.Inf(1))
		if perr != nil {
			return nil, perr
		}
		r, perr := spec.param("l1_ratio", 0, 1)
		if perr != nil {
			return nil, perr
		}
		w, err = elasticNet(s, a, r)
	default:
		return nil, fmt.Errorf("candidate %q: unknown family %q", spec.Name, spec.Family)
	}
	if err != nil {
		return nil, fmt.Errorf("candidate %q: %w", spec.Name, err)
	}
	return s.linear(w), nil
}

func (spec Spec) param(name string, lo, hi float64) (float64, error) {
	v, ok := spec.Params[name]
	if !ok || math.IsNaN(v) || v < lo || v > hi {
		return 0, fmt.Errorf("candidate %q: parameter %s must be in [%g, %g]", spec.Name, name, lo, hi)
	}
	return v, nil
}

// Options control a search.
type Options struct {
	Folds int // k of k-fold cross-validation; 5 when 0
	// TieTolerance: candidates whose mean CV R² is within it of the best
	// are tied, and the first (simplest) of them wins. 1e-4 when 0, far
	// below the fold-to-fold spread of R² on this kind of data (≈0.01).
	TieTolerance float64
	// Progress, when set, is called once per family, after its last
	// candidate, with the time since the search started.
	Progress func(family string, candidates int, elapsed time.Duration)
}

// Result is one candidate's cross-validation outcome.
type Result struct {
	Spec
	FoldR2     []float64 `json:"fold_r2"`
	CVMean     float64   `json:"cv_r2_mean"`
	CVStd      float64   `json:"cv_r2_std"` // population standard deviation over folds
	FitSeconds float64   `json:"fit_seconds"`
}

// SearchResult is the outcome of a search: every candidate, the winner and
// the winner refitted on all rows.
type SearchResult struct {
	Results []Result
	Best    int     // index into Results
	Model   *Linear // Results[Best] refitted on every row
	Folds   int
}

// Search cross-validates every spec with contiguous k-fold splits (the
// rows are not shuffled again: scikit-learn's KFold(shuffle=False), as in
// GridSearchCV), picks the best mean R² with ties going to the earlier,
// simpler spec, and refits it on all rows.
func Search(X *mat.Dense, y []float64, specs []Spec, opts Options) (*SearchResult, error) {
	n, p := X.Dims()
	k := opts.Folds
	if k == 0 {
		k = 5
	}
	tie := opts.TieTolerance
	if tie == 0 {
		tie = 1e-4
	}
	switch {
	case len(specs) == 0:
		return nil, errors.New("search: no candidates")
	case len(y) != n:
		return nil, fmt.Errorf("search: %d targets for %d rows", len(y), n)
	case k < 2:
		return nil, fmt.Errorf("search: need at least 2 folds, got %d", k)
	case n < 2*k:
		return nil, fmt.Errorf("search: %d rows are too few for %d folds", n, k)
	case !(tie >= 0):
		return nil, fmt.Errorf("search: tie tolerance %g must be a non-negative number", tie)
	}
	start := time.Now()

	// One pass: the moments of each fold, shifted by the overall means.
	shiftX, shiftY := means(X, y)
	folds := make([]*moments, k)
	for f, b := range FoldBounds(n, k) {
		folds[f] = newMoments(p)
		folds[f].accumulate(X, y, b[0], b[1], shiftX, shiftY)
		folds[f].mirror()
	}
	total := folds[0]
	for _, m := range folds[1:] {
		total = total.plus(m)
	}
	trains := make([]*system, k)
	for f := range folds {
		rest := newMoments(p)
		for g, m := range folds {
			if g != f {
				rest = rest.plus(m)
			}
		}
		s, err := rest.system(shiftX, shiftY)
		if err != nil {
			return nil, fmt.Errorf("search: fold %d: %w", f+1, err)
		}
		trains[f] = s
	}

	// Progress reports a family once, after its last candidate.
	last, count := map[string]int{}, map[string]int{}
	for i, spec := range specs {
		last[spec.Family] = i
		count[spec.Family]++
	}
	res := &SearchResult{Folds: k, Results: make([]Result, len(specs))}
	for i, spec := range specs {
		r := Result{Spec: spec, FoldR2: make([]float64, k)}
		t0 := time.Now()
		for f := range folds {
			m, err := spec.fit(trains[f])
			if err != nil {
				return nil, fmt.Errorf("search: fold %d: %w", f+1, err)
			}
			if r.FoldR2[f], err = folds[f].r2(m, shiftX, shiftY); err != nil {
				return nil, fmt.Errorf("search: candidate %q, fold %d: %w", spec.Name, f+1, err)
			}
		}
		r.FitSeconds = time.Since(t0).Seconds()
		r.CVMean, r.CVStd = stat.PopMeanStdDev(r.FoldR2, nil)
		res.Results[i] = r
		if opts.Progress != nil && last[spec.Family] == i {
			opts.Progress(spec.Family, count[spec.Family], time.Since(start))
		}
	}
	res.Best = Pick(res.Results, tie)

	all, err := total.system(shiftX, shiftY)
	if err != nil {
		return nil, fmt.Errorf("search: refit: %w", err)
	}
	if res.Model, err = specs[res.Best].fit(all); err != nil {
		return nil, fmt.Errorf("search: refit: %w", err)
	}
	return res, nil
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

// means returns the column means of X and the mean of y, the shift that
// keeps the moments' sums small.
func means(X *mat.Dense, y []float64) ([]float64, float64) {
	n, p := X.Dims()
	shiftX := make([]float64, p)
	var shiftY float64
	for i := range n {
		row := X.RawRowView(i)
		for j := range p {
			shiftX[j] += row[j]
		}
		shiftY += y[i]
	}
	for j := range p {
		shiftX[j] /= float64(n)
	}
	return shiftX, shiftY / float64(n)
}

// Fit fits one spec on all rows of X and y.
func Fit(X *mat.Dense, y []float64, spec Spec) (*Linear, error) {
	n, p := X.Dims()
	if len(y) != n {
		return nil, fmt.Errorf("fit: %d targets for %d rows", len(y), n)
	}
	if n == 0 {
		return nil, errors.New("fit: no rows")
	}
	shiftX, shiftY := means(X, y)
	m := newMoments(p)
	m.accumulate(X, y, 0, n, shiftX, shiftY)
	m.mirror()
	s, err := m.system(shiftX, shiftY)
	if err != nil {
		return nil, fmt.Errorf("fit: %w", err)
	}
	return spec.fit(s)
}
