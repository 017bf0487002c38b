package model

import (
	"fmt"
	"math"

	"github.com/studentperf/studentperf/shared/dataset"
	"github.com/studentperf/studentperf/shared/features"
	"github.com/studentperf/studentperf/shared/linear"
)

// linearPredictor is a linear model folded into its transforms: scaling
// and centring go into the weights and intercept, and each category level
// becomes one precomputed term, so a prediction is a few additions and
// allocates nothing.
type linearPredictor struct {
	tr        *features.Transform
	intercept float64
	num       []float64   // weight per raw score
	cat       [][]float64 // term per category level
}

func compileLinear(tr *features.Transform, lin *linear.Linear) linearPredictor {
	p := linearPredictor{tr: tr, intercept: lin.Intercept, num: make([]float64, len(tr.Numeric)), cat: make([][]float64, len(tr.Categorical))}
	for j, n := range tr.Numeric {
		w := lin.Coef[j]
		p.num[j] = w / n.Scale
		p.intercept -= w * n.Mean / n.Scale
	}
	k := len(tr.Numeric)
	for i, c := range tr.Categorical {
		p.cat[i] = make([]float64, len(c.Levels))
		for l := range c.Levels {
			p.cat[i][l] = lin.Coef[k+l] / c.Scale[l]
		}
		k += len(c.Levels)
	}
	return p
}

// Predict returns the predicted target for one row (in the transform's
// order: r.Cat per categorical feature, r.Num per score). An invalid row
// returns features.Problems listing every bad field. It allocates nothing
// for a valid row.
func (m *Model) Predict(r features.Row) (float64, error) {
	switch {
	case m.Estimator.Trees != nil:
		return m.predictTrees(r)
	case m.Estimator.KNN != nil:
		return m.predictKNN(r)
	}
	p := &m.pred
	if len(r.Cat) != len(p.cat) || len(r.Num) != len(p.num) {
		return 0, p.tr.Check(r)
	}
	y := p.intercept
	for i := range p.cat {
		l, ok := p.tr.Categorical[i].Lookup(r.Cat[i])
		if !ok {
			return 0, p.tr.Check(r)
		}
		y += p.cat[i][l]
	}
	for j, w := range p.num {
		v := r.Num[j]
		if math.IsNaN(v) {
			v = p.tr.Numeric[j].Median
		} else if !p.tr.Numeric[j].InRange(v) {
			return 0, p.tr.Check(r)
		}
		y += w * v
	}
	return y, nil
}

// PredictBatch predicts every row into dst, which must be as long as rows.
// The first invalid row stops it with an error naming the row (from 1).
func (m *Model) PredictBatch(rows []features.Row, dst []float64) error {
	if len(dst) != len(rows) {
		return fmt.Errorf("predict batch: %d results for %d rows", len(dst), len(rows))
	}
	if m.Estimator.Trees != nil {
		return m.predictTreesBatch(rows, dst)
	}
	for i, r := range rows {
		y, err := m.Predict(r)
		if err != nil {
			return fmt.Errorf("row %d: %w", i+1, err)
		}
		dst[i] = y
	}
	return nil
}

// tableBlock is the rows PredictTable lays out at a time.
const tableBlock = 1 << 14

// PredictTable predicts every row of a table read with the model's
// schema, a block of rows at a time, so that a table of many rows is never
// laid out whole (its raw rows and the trees' input of them would be
// about twice the table). The first invalid row stops it with an error
// naming the row (from 1).
func (m *Model) PredictTable(t *dataset.Table) ([]float64, error) {
	out := make([]float64, t.Len())
	for lo := 0; lo < t.Len(); lo += tableBlock {
		hi := min(lo+tableBlock, t.Len())
		rows, err := m.Transform.RowsIn(t, lo, hi)
		if err != nil {
			return nil, err
		}
		if err := m.PredictBatch(rows, out[lo:hi]); err != nil {
			for i, r := range rows { // name the row in the table, not in the block
				if _, err := m.Predict(r); err != nil {
					return nil, fmt.Errorf("row %d: %w", lo+i+1, err)
				}
			}
			return nil, err
		}
	}
	return out, nil
}
