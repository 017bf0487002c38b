package linear

import (
	"errors"
	"fmt"
	"math"
	"strconv"
	"time"

	"gonum.org/v1/gonum/mat"
)

// Families of the linear model search.
const (
	OLS        = "ols"
	Ridge      = "ridge"
	Lasso      = "lasso"
	ElasticNet = "elasticnet"
)

// Candidate is one configuration of the linear family: its name as the
// search reports it, its family and its parameters.
type Candidate struct {
	Name   string             `json:"name"`
	Family string             `json:"family"`
	Params map[string]float64 `json:"params"`
}

// Grid is the default grid, simplest first: OLS, then ridge, lasso
// and elastic net, each from the strongest penalty to the weakest.
func Grid() []Candidate {
	specs := []Candidate{{Name: OLS, Family: OLS, Params: map[string]float64{}}}
	for _, a := range []float64{100, 10, 1, 0.1, 0.01} {
		specs = append(specs, Candidate{Name: fmt.Sprintf("ridge(alpha=%s)", ff(a)), Family: Ridge, Params: map[string]float64{"alpha": a}})
	}
	for _, a := range []float64{1, 0.1, 0.01, 0.001} {
		specs = append(specs, Candidate{Name: fmt.Sprintf("lasso(alpha=%s)", ff(a)), Family: Lasso, Params: map[string]float64{"alpha": a}})
	}
	for _, a := range []float64{1, 0.1, 0.01, 0.001} {
		for _, r := range []float64{0.2, 0.5, 0.8} {
			specs = append(specs, Candidate{Name: fmt.Sprintf("elasticnet(alpha=%s,l1_ratio=%s)", ff(a), ff(r)), Family: ElasticNet,
				Params: map[string]float64{"alpha": a, "l1_ratio": r}})
		}
	}
	return specs
}

func ff(f float64) string { return strconv.FormatFloat(f, 'g', -1, 64) }

// fit solves spec on a centred system.
func (spec Candidate) fit(s *system) (*Linear, error) {
	alpha, l1Ratio, err := spec.penalty()
	if err != nil {
		return nil, err
	}
	var w []float64
	switch spec.Family {
	case OLS:
		w, err = ols(s)
	case Ridge:
		w, err = ridge(s, alpha)
	default: // Lasso, ElasticNet
		w, err = elasticNet(s, alpha, l1Ratio)
	}
	if err != nil {
		return nil, fmt.Errorf("candidate %q: %w", spec.Name, err)
	}
	return s.linear(w), nil
}

// penalty reads and checks the candidate's family and parameters, without
// data: α (ridge, lasso, elastic net) and the L1 ratio (1 for lasso).
func (spec Candidate) penalty() (alpha, l1Ratio float64, err error) {
	switch spec.Family {
	case OLS:
		return 0, 0, nil
	case Ridge, Lasso, ElasticNet:
	default:
		return 0, 0, fmt.Errorf("candidate %q: unknown family %q", spec.Name, spec.Family)
	}
	if alpha, err = spec.param("alpha", 0, math.Inf(1)); err != nil {
		return 0, 0, err
	}
	switch spec.Family {
	case Lasso:
		l1Ratio = 1
	case ElasticNet:
		if l1Ratio, err = spec.param("l1_ratio", 0, 1); err != nil {
			return 0, 0, err
		}
	}
	return alpha, l1Ratio, nil
}

func (spec Candidate) param(name string, lo, hi float64) (float64, error) {
	v, ok := spec.Params[name]
	if !ok || math.IsNaN(v) || v < lo || v > hi {
		return 0, fmt.Errorf("candidate %q: parameter %s must be in [%g, %g]", spec.Name, name, lo, hi)
	}
	return v, nil
}

// Options control a cross-validation.
type Options struct {
	// Progress, when set, is called once per family, after its last
	// candidate, with the time since the cross-validation started.
	Progress func(family string, candidates int, elapsed time.Duration)
}

// Score is one candidate's outcome: its R² on each validation fold and the
// seconds its fold fits took, or, when a fold's fit failed (an elastic net
// that does not converge on these rows), why it was skipped.
type Score struct {
	FoldR2     []float64
	FitSeconds float64
	Skipped    string // the reason, when the candidate has no score; FoldR2 is then nil
}

// CV is a cross-validation's outcome: a score per candidate, in order, and
// what refits any of them on every row.
type CV struct {
	Scores []Score
	cands  []Candidate
	all    *system // the moments of every row, summed from the folds'
}

// CrossValidate scores every candidate on the given folds (bounds of
// contiguous validation rows covering 0..n, as the search's fold
// bookkeeping cuts them). One pass over the rows accumulates each fold's
// moments; every candidate's fold fits and scores then cost O(p³). A candidate
// whose fit fails on a fold is skipped (Score.Skipped), never fatal.
func CrossValidate(X *mat.Dense, y []float64, cands []Candidate, folds [][2]int, opts Options) (*CV, error) {
	return CrossValidateDesign(DenseDesign(X), y, cands, folds, opts)
}

// CrossValidateDesign is CrossValidate on a design read a row at a time
// (see Design), which it never holds whole.
func CrossValidateDesign(d Design, y []float64, cands []Candidate, folds [][2]int, opts Options) (*CV, error) {
	if err := d.check(); err != nil {
		return nil, err
	}
	n, p := d.Rows, d.Width()
	k := len(folds)
	switch {
	case len(cands) == 0:
		return nil, errors.New("linear: no candidates")
	case len(y) != n:
		return nil, fmt.Errorf("linear: %d targets for %d rows", len(y), n)
	case k < 2:
		return nil, fmt.Errorf("linear: need at least 2 folds, got %d", k)
	}
	for f, b := range folds {
		if b[0] < 0 || b[1] <= b[0] || b[1] > n || (f == 0) != (b[0] == 0) || (f > 0 && b[0] != folds[f-1][1]) {
			return nil, fmt.Errorf("linear: fold %d spans rows [%d, %d): folds must cut %d rows into contiguous, non-empty runs", f+1, b[0], b[1], n)
		}
	}
	if folds[k-1][1] != n {
		return nil, fmt.Errorf("linear: the folds cover %d of %d rows", folds[k-1][1], n)
	}
	for _, c := range cands {
		// A bad parameter is the caller's mistake, not the data's.
		if _, _, err := c.penalty(); err != nil {
			return nil, fmt.Errorf("linear: %w", err)
		}
	}
	start := time.Now()

	// One pass: the moments of each fold, shifted by the overall means.
	fm, shiftX, shiftY, err := foldMoments(d, y, folds)
	if err != nil {
		return nil, err
	}
	total := fm[0]
	for _, m := range fm[1:] {
		total = total.plus(m)
	}
	trains := make([]*system, k)
	for f := range fm {
		rest := newMoments(p)
		for g, m := range fm {
			if g != f {
				rest = rest.plus(m)
			}
		}
		s, err := rest.system(shiftX, shiftY)
		if err != nil {
			return nil, fmt.Errorf("linear: fold %d: %w", f+1, err)
		}
		trains[f] = s
	}
	all, err := total.system(shiftX, shiftY)
	if err != nil {
		return nil, fmt.Errorf("linear: every row: %w", err)
	}

	// Progress reports a family once, after its last candidate.
	last, count := map[string]int{}, map[string]int{}
	for i, c := range cands {
		last[c.Family] = i
		count[c.Family]++
	}
	cv := &CV{Scores: make([]Score, len(cands)), cands: cands, all: all}
	for i, c := range cands {
		sc := Score{FoldR2: make([]float64, k)}
		t0 := time.Now()
		for f := range fm {
			m, err := c.fit(trains[f])
			if err == nil {
				sc.FoldR2[f], err = fm[f].r2(m, shiftX, shiftY)
			}
			if err != nil {
				// One candidate that cannot fit these rows does not
				// stop the others.
				sc.FoldR2, sc.Skipped = nil, fmt.Sprintf("fold %d: %v", f+1, err)
				break
			}
		}
		sc.FitSeconds = time.Since(t0).Seconds()
		cv.Scores[i] = sc
		if opts.Progress != nil && last[c.Family] == i {
			opts.Progress(c.Family, count[c.Family], time.Since(start))
		}
	}
	return cv, nil
}

// Refit fits candidate i on every row, from the moments the folds summed
// to (the same model as Fit, up to rounding).
func (cv *CV) Refit(i int) (*Linear, error) {
	if i < 0 || i >= len(cv.cands) {
		return nil, fmt.Errorf("linear: refit: no candidate %d of %d", i, len(cv.cands))
	}
	m, err := cv.cands[i].fit(cv.all)
	if err != nil {
		return nil, fmt.Errorf("linear: refit: %w", err)
	}
	return m, nil
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
func Fit(X *mat.Dense, y []float64, spec Candidate) (*Linear, error) {
	n, p := X.Dims()
	if len(y) != n {
		return nil, fmt.Errorf("linear: fit: %d targets for %d rows", len(y), n)
	}
	if n == 0 {
		return nil, errors.New("linear: fit: no rows")
	}
	shiftX, shiftY := means(X, y)
	m := newMoments(p)
	m.accumulate(X.RawRowView, y, 0, n, shiftX, shiftY)
	m.mirror()
	s, err := m.system(shiftX, shiftY)
	if err != nil {
		return nil, fmt.Errorf("linear: fit: %w", err)
	}
	return spec.fit(s)
}
