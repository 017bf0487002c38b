package linear

import (
	"errors"
	"fmt"
	"math"
	"time"

	"gonum.org/v1/gonum/mat"
)

// Families of the logistic regression search, penalised as scikit-learn's
// LogisticRegression with penalty 'l2', 'l1' and 'elasticnet': the
// parameter C is the inverse of the penalty's strength and l1_ratio mixes
// the two norms (see doc.go).
const (
	LogisticL2         = "logistic"
	LogisticL1         = "logistic-l1"
	LogisticElasticNet = "logistic-elasticnet"
)

// LogisticGrid is the default grid of the classifier, simplest first: the
// L2 penalty, then L1 and elastic net, each from the strongest penalty
// (smallest C) to the weakest.
func LogisticGrid() []Candidate {
	var specs []Candidate
	for _, c := range []float64{0.01, 0.1, 1, 10, 100} {
		specs = append(specs, Candidate{Name: fmt.Sprintf("logistic(C=%s)", ff(c)), Family: LogisticL2, Params: map[string]float64{"C": c}})
	}
	for _, c := range []float64{0.1, 1, 10} {
		specs = append(specs, Candidate{Name: fmt.Sprintf("logistic-l1(C=%s)", ff(c)), Family: LogisticL1, Params: map[string]float64{"C": c}})
	}
	for _, c := range []float64{0.1, 1, 10} {
		specs = append(specs, Candidate{Name: fmt.Sprintf("logistic-elasticnet(C=%s,l1_ratio=0.5)", ff(c)), Family: LogisticElasticNet,
			Params: map[string]float64{"C": c, "l1_ratio": 0.5}})
	}
	return specs
}

// logisticPenalty reads and checks a logistic candidate's C and L1 ratio
// (0 for L2, 1 for L1), without data.
func (spec Candidate) logisticPenalty() (c, l1Ratio float64, err error) {
	switch spec.Family {
	case LogisticL2, LogisticL1, LogisticElasticNet:
	default:
		return 0, 0, fmt.Errorf("candidate %q: family %q is not a logistic regression", spec.Name, spec.Family)
	}
	c, ok := spec.Params["C"]
	if !ok || !(c > 0) || math.IsInf(c, 0) {
		return 0, 0, fmt.Errorf("candidate %q: parameter C must be a positive finite number", spec.Name)
	}
	switch spec.Family {
	case LogisticL1:
		l1Ratio = 1
	case LogisticElasticNet:
		if l1Ratio, err = spec.param("l1_ratio", 0, 1); err != nil {
			return 0, 0, err
		}
	}
	return c, l1Ratio, nil
}

// fitLogistic fits spec on rows already checked.
func (spec Candidate) fitLogistic(X *mat.Dense, y []int, k int) (*Logistic, error) {
	c, l1Ratio, err := spec.logisticPenalty()
	if err != nil {
		return nil, err
	}
	_, p := X.Dims()
	if d := margins(k) * (p + 1); d > logitMaxParams {
		return nil, fmt.Errorf("candidate %q: %d classes × %d features make %d parameters; the Newton solver takes at most %d",
			spec.Name, k, p, d, logitMaxParams)
	}
	pr := newLogitProblem(X, y, k, c, l1Ratio)
	theta, err := pr.solve()
	if err != nil {
		return nil, fmt.Errorf("candidate %q: %w", spec.Name, err)
	}
	m := &Logistic{Classes: k, Intercept: make([]float64, pr.r), Coef: make([][]float64, pr.r)}
	P := pr.p + 1
	for r := range pr.r {
		m.Coef[r] = append([]float64(nil), theta[r*P:r*P+pr.p]...)
		m.Intercept[r] = theta[r*P+pr.p]
	}
	return m, nil
}

// checkClassification reports rows a classifier cannot be fitted on: a
// class count below 2, a target count unlike the rows', a class outside
// 0..k-1, a value that is not finite.
func checkClassification(X *mat.Dense, y []int, k int) error {
	n, p := X.Dims()
	switch {
	case k < 2:
		return fmt.Errorf("%d classes: a classifier needs at least 2", k)
	case len(y) != n:
		return fmt.Errorf("%d targets for %d rows", len(y), n)
	case n == 0:
		return errors.New("no rows")
	}
	for i, c := range y {
		if c < 0 || c >= k {
			return fmt.Errorf("row %d: class %d is not in 0..%d", i, c, k-1)
		}
	}
	for i := range n {
		for j, v := range X.RawRowView(i)[:p] {
			if !finite(v) {
				return fmt.Errorf("row %d, feature %d: %v is not a finite number", i, j, v)
			}
		}
	}
	return nil
}

// missingClass returns a class in 0..k-1 none of rows has (all of y when
// rows is nil), or -1.
func missingClass(y []int, rows []int, k int) int {
	seen := make([]bool, k)
	if rows == nil {
		for _, c := range y {
			seen[c] = true
		}
	}
	for _, i := range rows {
		seen[y[i]] = true
	}
	for c, ok := range seen {
		if !ok {
			return c
		}
	}
	return -1
}

// FitLogistic fits a logistic candidate on every row of X, whose classes
// y are numbered 0..k-1. Every class must have a row: an absent class
// would drive its unpenalised intercept to −∞.
func FitLogistic(X *mat.Dense, y []int, k int, spec Candidate) (*Logistic, error) {
	if err := checkClassification(X, y, k); err != nil {
		return nil, fmt.Errorf("logistic: fit: %w", err)
	}
	if c := missingClass(y, nil, k); c >= 0 {
		return nil, fmt.Errorf("logistic: fit: class %d of %d has no rows", c, k)
	}
	m, err := spec.fitLogistic(X, y, k)
	if err != nil {
		return nil, fmt.Errorf("logistic: fit: %w", err)
	}
	return m, nil
}

// LogisticScore is one candidate's outcome: its log loss (the mean over
// held-out rows of −log P(true class)) and accuracy on each validation
// fold and the seconds its fold fits took, or, when a fold's fit failed
// (it did not converge), why it was skipped.
type LogisticScore struct {
	FoldLogLoss  []float64
	FoldAccuracy []float64
	FitSeconds   float64
	Skipped      string // the reason, when the candidate has no score; the fold slices are then nil
}

// LogisticCV is a logistic cross-validation's outcome: a score per
// candidate, in order, and what refits any of them on every row.
type LogisticCV struct {
	Scores []LogisticScore
	cands  []Candidate
	X      *mat.Dense
	y      []int
	k      int
}

// CrossValidateLogistic scores every candidate on the given folds, each a
// set of validation row indices (the search cuts them, stratified); the
// folds must cover every row exactly once, and every class must have
// training rows in every fold. A candidate whose fit fails on a fold (it
// did not converge) is skipped (LogisticScore.Skipped), never fatal.
func CrossValidateLogistic(X *mat.Dense, y []int, k int, cands []Candidate, folds [][]int, opts Options) (*LogisticCV, error) {
	if len(cands) == 0 {
		return nil, errors.New("logistic: no candidates")
	}
	if err := checkClassification(X, y, k); err != nil {
		return nil, fmt.Errorf("logistic: %w", err)
	}
	for _, c := range cands {
		// A bad parameter is the caller's mistake, not the data's.
		if _, _, err := c.logisticPenalty(); err != nil {
			return nil, fmt.Errorf("logistic: %w", err)
		}
	}
	trains, err := foldRows(X, y, k, folds)
	if err != nil {
		return nil, fmt.Errorf("logistic: %w", err)
	}
	start := time.Now()
	last, count := map[string]int{}, map[string]int{}
	for i, c := range cands {
		last[c.Family] = i
		count[c.Family]++
	}
	cv := &LogisticCV{Scores: make([]LogisticScore, len(cands)), cands: cands, X: X, y: y, k: k}
	for i, c := range cands {
		t0 := time.Now()
		cv.Scores[i] = c.crossValidate(X, y, k, folds, trains)
		cv.Scores[i].FitSeconds = time.Since(t0).Seconds()
		if opts.Progress != nil && last[c.Family] == i {
			opts.Progress(c.Family, count[c.Family], time.Since(start))
		}
	}
	return cv, nil
}

// crossValidate fits spec on each fold's training rows and scores it on
// the fold.
func (spec Candidate) crossValidate(X *mat.Dense, y []int, k int, folds [][]int, trains []foldData) LogisticScore {
	sc := LogisticScore{FoldLogLoss: make([]float64, len(folds)), FoldAccuracy: make([]float64, len(folds))}
	for f, rows := range folds {
		m, err := spec.fitLogistic(trains[f].X, trains[f].y, k)
		if err != nil {
			return LogisticScore{Skipped: fmt.Sprintf("fold %d: %v", f+1, err)}
		}
		sc.FoldLogLoss[f], sc.FoldAccuracy[f] = m.score(X, y, rows)
	}
	return sc
}

// foldData is one fold's training rows, copied out.
type foldData struct {
	X *mat.Dense
	y []int
}

// foldRows checks that folds partition the rows and that every fold
// leaves rows of every class to train on, and copies out each fold's
// training rows.
func foldRows(X *mat.Dense, y []int, k int, folds [][]int) ([]foldData, error) {
	n, p := X.Dims()
	if len(folds) < 2 {
		return nil, fmt.Errorf("need at least 2 folds, got %d", len(folds))
	}
	fold := make([]int, n)
	for i := range fold {
		fold[i] = -1
	}
	for f, rows := range folds {
		if len(rows) == 0 {
			return nil, fmt.Errorf("fold %d has no rows", f+1)
		}
		for _, i := range rows {
			switch {
			case i < 0 || i >= n:
				return nil, fmt.Errorf("fold %d: row %d is not in 0..%d", f+1, i, n-1)
			case fold[i] >= 0:
				return nil, fmt.Errorf("fold %d: row %d is already in fold %d", f+1, i, fold[i]+1)
			}
			fold[i] = f
		}
	}
	for i, f := range fold {
		if f < 0 {
			return nil, fmt.Errorf("row %d is in no fold: the folds must cover all %d rows", i, n)
		}
	}
	out := make([]foldData, len(folds))
	for f, rows := range folds {
		m := n - len(rows)
		fd := foldData{X: mat.NewDense(m, p, nil), y: make([]int, 0, m)}
		for i := range n {
			if fold[i] != f {
				copy(fd.X.RawRowView(len(fd.y)), X.RawRowView(i))
				fd.y = append(fd.y, y[i])
			}
		}
		if c := missingClass(fd.y, nil, k); c >= 0 {
			return nil, fmt.Errorf("fold %d: class %d has no training rows (it has too few rows for %d folds)", f+1, c, len(folds))
		}
		out[f] = fd
	}
	return out, nil
}

// score returns the mean log loss and the accuracy of m on the given rows.
// The loss is computed from the margins (log-sum-exp minus the true
// class's margin), so a confident mistake costs its true amount rather
// than a clipped one.
func (m *Logistic) score(X *mat.Dense, y []int, rows []int) (logLoss, accuracy float64) {
	z := make([]float64, len(m.Coef))
	prob := make([]float64, m.Classes)
	var loss float64
	var right int
	for _, i := range rows {
		z, _ = m.Margins(X.RawRowView(i), z)
		if len(z) == 1 {
			loss += softplus(z[0]) - float64(y[i])*z[0]
		} else {
			loss += logSumExp(z) - z[y[i]]
		}
		probabilities(z, prob)
		best := 0
		for c, v := range prob {
			if v > prob[best] {
				best = c
			}
		}
		if best == y[i] {
			right++
		}
	}
	return loss / float64(len(rows)), float64(right) / float64(len(rows))
}

// Refit fits candidate i on every row.
func (cv *LogisticCV) Refit(i int) (*Logistic, error) {
	if i < 0 || i >= len(cv.cands) {
		return nil, fmt.Errorf("logistic: refit: no candidate %d of %d", i, len(cv.cands))
	}
	m, err := cv.cands[i].fitLogistic(cv.X, cv.y, cv.k)
	if err != nil {
		return nil, fmt.Errorf("logistic: refit: %w", err)
	}
	return m, nil
}
