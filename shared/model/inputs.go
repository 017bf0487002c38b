package model

import (
	"fmt"

	"github.com/studentperf/studentperf/shared/features"
)

// InputWidth is the width of one row in the tree layout (TreeLevels): one
// column per score, then one per category.
func (m *Model) InputWidth() int {
	return len(m.Transform.Numeric) + len(m.Transform.Categorical)
}

// PredictInputs predicts a block of rows already checked and laid out as
// TreeRow writes them (x holds len(dst) rows of InputWidth columns: raw
// numbers within their bounds, NaN where missing, then level indices),
// into dst: a tree ensemble walks the whole block at once
// (Ensemble.PredictBatch); the other families predict row by row from the
// same values, each level index standing for its level. The predictions
// are Predict's, bit for bit, for the rows the layout came from.
func (m *Model) PredictInputs(x, dst []float64) error {
	tr := m.Transform
	p := m.InputWidth()
	if len(x) != len(dst)*p {
		return fmt.Errorf("predict inputs: %d values for %d rows of %d", len(x), len(dst), p)
	}
	if m.Estimator.Trees != nil {
		m.Estimator.Trees.PredictBatch(x, p, dst)
		return nil
	}
	k := len(tr.Numeric)
	cat := make([]string, len(tr.Categorical))
	for r := range dst {
		row := x[r*p : (r+1)*p]
		for i := range cat {
			c := &tr.Categorical[i]
			l := int(row[k+i])
			if l < 0 || l >= len(c.Levels) || float64(l) != row[k+i] {
				return fmt.Errorf("predict inputs: row %d: %v is not a level of %q", r+1, row[k+i], c.Name)
			}
			cat[i] = c.Levels[l]
		}
		y, err := m.Predict(features.Row{Cat: cat, Num: row[:k]})
		if err != nil {
			return fmt.Errorf("predict inputs: row %d: %w", r+1, err)
		}
		dst[r] = y
	}
	return nil
}
