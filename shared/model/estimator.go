package model

import (
	"errors"
	"fmt"

	"github.com/studentperf/studentperf/shared/dataset"
	"github.com/studentperf/studentperf/shared/features"
	"github.com/studentperf/studentperf/shared/tree"
)

// maxInputs is the widest tree or kNN input row a prediction builds on
// the stack; a wider one is allocated.
const maxInputs = 256

// compile checks that the estimator has exactly one fitted member that
// fits the transform, and prepares its predictor.
func (m *Model) compile() error {
	e := &m.Estimator
	n := 0
	for _, set := range []bool{e.Linear != nil, e.Trees != nil, e.KNN != nil} {
		if set {
			n++
		}
	}
	switch {
	case n == 0:
		return fmt.Errorf("estimator %q has no fitted model", e.Name)
	case n > 1:
		return fmt.Errorf("estimator %q has more than one fitted model", e.Name)
	case e.Linear != nil:
		if err := e.Linear.Validate(m.Transform.Width()); err != nil {
			return fmt.Errorf("estimator: %w", err)
		}
		m.pred = compileLinear(m.Transform, e.Linear)
	case e.Trees != nil:
		levels := TreeLevels(m.Transform)
		if err := e.Trees.Check(levels); err != nil {
			return fmt.Errorf("estimator: %w", err)
		}
		e.Trees.Prepare() // a loaded model's first prediction is as fast as the rest
	case e.KNN != nil:
		w := m.Transform.Width()
		if err := e.KNN.Check(w); err != nil {
			return fmt.Errorf("estimator: knn: %w", err)
		}
	}
	return nil
}

// TreeLevels is the feature layout of tree inputs: one 0 (numeric) per
// score, then the number of levels of each category.
func TreeLevels(tr *features.Transform) []int {
	levels := make([]int, 0, len(tr.Numeric)+len(tr.Categorical))
	for range tr.Numeric {
		levels = append(levels, 0)
	}
	for _, c := range tr.Categorical {
		levels = append(levels, len(c.Levels))
	}
	return levels
}

// treeRow writes r in the tree layout into x: raw numbers (NaN where
// missing: the trees route it natively), then level indices. It reports
// whether r is valid.
func treeRow(tr *features.Transform, r features.Row, x []float64) bool {
	k := len(tr.Numeric)
	for j := range tr.Numeric {
		v, ok := treeNumber(tr, j, r.Num[j])
		if !ok {
			return false
		}
		x[j] = v
	}
	for i := range tr.Categorical {
		l, ok := tr.Categorical[i].Lookup(r.Cat[i])
		if !ok {
			return false
		}
		x[k+i] = float64(l)
	}
	return true
}

// KNNRow writes r in the kNN layout into x (Transform.Width wide):
// standardised scores, then one 0/1 indicator per level. It reports
// whether r is valid.
func KNNRow(tr *features.Transform, r features.Row, x []float64) bool {
	for j, n := range tr.Numeric {
		v, ok := score(tr, j, r.Num[j])
		if !ok {
			return false
		}
		x[j] = (v - n.Mean) / n.Scale
	}
	k := len(tr.Numeric)
	for i := range tr.Categorical {
		c := &tr.Categorical[i]
		l, ok := c.Lookup(r.Cat[i])
		if !ok {
			return false
		}
		for j := range c.Levels {
			x[k+j] = 0
		}
		x[k+l] = 1
		k += len(c.Levels)
	}
	return true
}

// treeNumber keeps a missing number missing (NaN), which tree splits
// route to the side training found best for it, and rejects one out of
// its bounds.
func treeNumber(tr *features.Transform, j int, v float64) (float64, bool) {
	if v != v {
		return v, true
	}
	return v, tr.Numeric[j].InRange(v)
}

// score imputes a missing number and rejects one out of its bounds.
func score(tr *features.Transform, j int, v float64) (float64, bool) {
	if v != v { // NaN: missing
		return tr.Numeric[j].Median, true
	}
	return v, tr.Numeric[j].InRange(v)
}

// predictTrees and predictKNN are Predict for the other families; they
// allocate nothing for a valid row.
func (m *Model) predictTrees(r features.Row) (float64, error) {
	tr := m.Transform
	var buf [maxInputs]float64
	x := inputs(buf[:], len(tr.Numeric)+len(tr.Categorical))
	if len(r.Cat) != len(tr.Categorical) || len(r.Num) != len(tr.Numeric) || !treeRow(tr, r, x) {
		return 0, problem(tr, r)
	}
	return m.Estimator.Trees.Predict(x), nil
}

// predictTreesBatch is PredictBatch for tree ensembles: the rows are laid
// out once, then the ensemble walks each tree over all of them.
func (m *Model) predictTreesBatch(rows []features.Row, dst []float64) error {
	tr := m.Transform
	p := len(tr.Numeric) + len(tr.Categorical)
	x := make([]float64, len(rows)*p)
	for i, r := range rows {
		if len(r.Cat) != len(tr.Categorical) || len(r.Num) != len(tr.Numeric) || !treeRow(tr, r, x[i*p:(i+1)*p]) {
			return fmt.Errorf("row %d: %w", i+1, problem(tr, r))
		}
	}
	m.Estimator.Trees.PredictBatch(x, p, dst)
	return nil
}

func (m *Model) predictKNN(r features.Row) (float64, error) {
	tr := m.Transform
	var buf [maxInputs]float64
	x := inputs(buf[:], tr.Width())
	if len(r.Cat) != len(tr.Categorical) || len(r.Num) != len(tr.Numeric) || !KNNRow(tr, r, x) {
		return 0, problem(tr, r)
	}
	return m.Estimator.KNN.Predict(x), nil
}

// inputs returns buf[:n], or a new slice when n is wider than buf.
func inputs(buf []float64, n int) []float64 {
	if n <= len(buf) {
		return buf[:n]
	}
	return make([]float64, n)
}

// problem is the error of a row a predictor refused.
func problem(tr *features.Transform, r features.Row) error {
	if err := tr.Check(r); err != nil {
		return err
	}
	return errors.New("row refused by the predictor")
}

// TreeData converts a table into tree input in the layout of TreeLevels
// (numbers as they are, NaN where missing; categories as level indices of
// the transform, a missing one imputed).
func TreeData(tr *features.Transform, tab *dataset.Table) (*tree.Data, error) {
	levels := TreeLevels(tr)
	p, n := len(levels), tab.Len()
	d := &tree.Data{Rows: n, Levels: levels, X: make([]float64, n*p)}
	for j, num := range tr.Numeric {
		ci := tab.Schema.Index(num.Name)
		if ci < 0 {
			return nil, fmt.Errorf("tree data: table has no column %q", num.Name)
		}
		for r, v := range tab.Cols[ci].Values {
			x, ok := treeNumber(tr, j, v)
			if !ok {
				return nil, fmt.Errorf("tree data: row %d: %w", r+1, features.Problems{{Field: num.Name, Value: fmt.Sprint(v), Reason: "out of range"}})
			}
			d.X[r*p+j] = x
		}
	}
	codes, err := tr.Codes(tab)
	if err != nil {
		return nil, fmt.Errorf("tree data: %w", err)
	}
	k := len(tr.Numeric)
	for i, idx := range codes {
		for r, l := range idx {
			d.X[r*p+k+i] = float64(l)
		}
	}
	return d, nil
}
