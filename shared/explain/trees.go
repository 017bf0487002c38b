package explain

import (
	"context"
	"fmt"
	"slices"

	"github.com/studentperf/studentperf/shared/ensemble"
	"github.com/studentperf/studentperf/shared/features"
	"github.com/studentperf/studentperf/shared/model"
)

// newTreeTables lays the reference out as tree inputs and compiles a sum
// or mean of trees against it; a median, tables too large or an ensemble
// wider than a mask is walked.
func newTreeTables(m *model.Model, p int) (*treeTables, error) {
	e := m.Estimator.Trees
	tr := m.Transform
	tt := &treeTables{ref: make([]float64, p)}
	for j, n := range tr.Numeric {
		tt.ref[j] = n.Median
	}
	for i := range tr.Categorical {
		tt.ref[len(tr.Numeric)+i] = float64(tr.Categorical[i].MostFrequent)
	}
	if (e.Combine == ensemble.Sum || e.Combine == ensemble.Mean) && p <= MaxFeatures {
		c, err := Compile(e, model.TreeLevels(tr), tt.ref)
		if err == nil {
			tt.c = c
		}
	}
	return tt, nil
}

// explainTrees explains a tree ensemble with its compiled tables, by
// walking its trees (Ensemble), or, for a weighted median, through its
// predictions.
func (ex *Explainer) explainTrees(ctx context.Context, r features.Row, phi []float64) (pred, baseline float64, err error) {
	var bx [MaxFeatures]float64
	x := bx[:0]
	if len(phi) > len(bx) {
		x = make([]float64, len(phi))
	}
	x = x[:len(phi)]
	if !model.TreeRow(ex.m.Transform, r, x) {
		return 0, 0, ex.refused(r)
	}
	e := ex.m.Estimator.Trees
	switch {
	case e.Combine == ensemble.Median:
		pred, baseline, err = ex.explainMedian(ctx, x, phi)
	case ex.trees.c != nil && !hasNaN(x):
		// The compiled tables code numbers by their thresholds; a missing
		// number (NaN, routed natively by the trees) takes the walk.
		pred, baseline, err = ex.trees.c.Explain(x, phi)
	default:
		pred, baseline, err = Ensemble(e, x, ex.trees.ref, phi)
	}
	if err != nil {
		return 0, 0, fmt.Errorf("explain: %w", err)
	}
	return pred, baseline, nil
}

// explainMedian explains a weighted median of trees (AdaBoost.R2), which
// is not additive in its trees: by enumeration, or sampled when wide.
func (ex *Explainer) explainMedian(ctx context.Context, x, phi []float64) (pred, baseline float64, err error) {
	e, ref := ex.m.Estimator.Trees, ex.trees.ref
	pred = e.Predict(x)
	if ex.sample != nil {
		// The game has its own copy of x, so that x stays on the caller's
		// stack in the enumerated case.
		g := &medianGame{e: e, x: slices.Clone(x), ref: ref, mix: make([]float64, len(x))}
		return pred, ex.baseline, ex.sample.Shapley(ctx, g, pred, ex.baseline, phi)
	}
	var buf [MaxExact]float64
	mix := buf[:len(x)]
	_, baseline, err = ExactContext(ctx, len(x), func(s uint64) float64 {
		Mix(mix, x, ref, s)
		return e.Predict(mix)
	}, phi)
	return pred, baseline, err
}

// medianGame is the Coalition of a median of trees over the tree layout.
type medianGame struct {
	e           *ensemble.Ensemble
	x, ref, mix []float64
}

func (g *medianGame) Reset() { copy(g.mix, g.ref) }

func (g *medianGame) Join(j int) float64 {
	g.mix[j] = g.x[j]
	return g.e.Predict(g.mix)
}

// hasNaN reports whether x holds a missing number.
func hasNaN(x []float64) bool {
	for _, v := range x {
		if v != v {
			return true
		}
	}
	return false
}
