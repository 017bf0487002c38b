package model

import (
	"errors"
	"fmt"
	"runtime"
	"slices"
	"sync"
	"weak"

	"github.com/studentperf/studentperf/shared/dataset"
	"github.com/studentperf/studentperf/shared/ensemble"
	"github.com/studentperf/studentperf/shared/explain"
	"github.com/studentperf/studentperf/shared/features"
)

// Explanation is an exact additive explanation of one prediction:
// baseline Shapley values (package explain) over the model's raw input
// features, against the reference record of Reference.
// Baseline + Σ Contributions = Prediction, up to rounding.
type Explanation struct {
	Prediction    float64   // what Predict returns for the record, bit for bit
	Baseline      float64   // the prediction for Reference()
	Contributions []float64 // one per m.Features, in that (schema) order
}

// Reference returns the typical student of the training data, against
// which Explain measures a record: each score's training median and each
// category's most frequent level, the values that impute a missing field.
func (m *Model) Reference() features.Row {
	tr := m.Transform
	r := features.Row{Cat: make([]string, len(tr.Categorical)), Num: make([]float64, len(tr.Numeric))}
	for i := range tr.Categorical {
		c := &tr.Categorical[i]
		r.Cat[i] = c.Levels[c.MostFrequent]
	}
	for j, n := range tr.Numeric {
		r.Num[j] = n.Median
	}
	return r
}

// Explain explains the prediction for r (in the transform's order, as for
// Predict) by the baseline Shapley values of its raw features: the game is
// v(S) = f(x_S, ref_rest), the prediction for the record that has r's
// values on the features in S and Reference()'s on the others, so the
// baseline is f(Reference()) and the contributions sum to Predict(r) −
// f(Reference()). A feature whose value is missing (imputed with the
// reference's value) or that the model ignores contributes 0.
//
// The values are exact for every family: in closed form for a linear
// model, from per-tree tables for a sum or mean of trees (compiled at the
// model's first explanation, so a Model must not change after it), and by
// evaluating the model on all 2^p mixed records for k nearest neighbours
// and a weighted median of trees. An invalid row returns Predict's error.
func (m *Model) Explain(r features.Row) (Explanation, error) {
	c := make([]float64, len(m.Features))
	pred, base, err := m.ExplainInto(r, c)
	if err != nil {
		return Explanation{}, err
	}
	return Explanation{Prediction: pred, Baseline: base, Contributions: c}, nil
}

// ExplainInto is Explain writing the contributions into contrib (one per
// m.Features, in that order). It allocates nothing for a valid row, but
// for a tree model's first explanation, which compiles its tables (about
// 3 ms and 0.7 MB for 256 trees of 31 leaves); a server may explain one
// record when it loads a model.
func (m *Model) ExplainInto(r features.Row, contrib []float64) (pred, baseline float64, err error) {
	if len(contrib) != len(m.Features) {
		return 0, 0, fmt.Errorf("explain: %d contributions for %d features", len(contrib), len(m.Features))
	}
	// phi is indexed as tree inputs are: scores, then categories.
	var buf [stackWidth]float64
	tr := m.Transform
	p := len(tr.Numeric) + len(tr.Categorical)
	phi := buf[:0]
	if p > len(buf) {
		phi = make([]float64, p) // wider than any data set seen here
	}
	phi = phi[:p]
	switch {
	case m.Estimator.Trees != nil:
		pred, baseline, err = m.explainTrees(r, phi)
	case m.Estimator.KNN != nil:
		pred, baseline, err = m.explainKNN(r, phi)
	default:
		pred, baseline, err = m.explainLinear(r, phi)
	}
	if err != nil {
		return 0, 0, err
	}
	// m.Features lists the transform's categories and scores in schema
	// order, each kind in the transform's order (init checks it by name).
	var nCat, nNum int
	for i, f := range m.Features {
		if f.Kind == scoreKind {
			contrib[i] = phi[nNum]
			nNum++
		} else {
			contrib[i] = phi[len(tr.Numeric)+nCat]
			nCat++
		}
	}
	return pred, baseline, nil
}

// explainLinear lays the folded linear model out as columns (one per raw
// score, one indicator per category level) owned by their features and
// takes explain.Linear's closed form.
func (m *Model) explainLinear(r features.Row, phi []float64) (pred, baseline float64, err error) {
	pred, err = m.Predict(r)
	if err != nil {
		return 0, 0, err
	}
	lp := &m.pred
	tr := m.Transform
	wid := tr.Width()
	var sw, sx, sref [stackWidth]float64
	var sown [stackWidth]int
	w, x, ref, own := sw[:0], sx[:0], sref[:0], sown[:0]
	if wid > stackWidth {
		w, x, ref, own = make([]float64, 0, wid), make([]float64, 0, wid), make([]float64, 0, wid), make([]int, 0, wid)
	}
	// The baseline is summed as Predict sums, so it is bit for bit
	// Predict(Reference()).
	baseline = lp.intercept
	for i := range lp.cat {
		c := &tr.Categorical[i]
		l, _ := c.Lookup(r.Cat[i]) // valid: Predict accepted r
		baseline += lp.cat[i][c.MostFrequent]
		for k, t := range lp.cat[i] {
			w = append(w, t)
			x = append(x, indicator(k == l))
			ref = append(ref, indicator(k == c.MostFrequent))
			own = append(own, len(tr.Numeric)+i)
		}
	}
	for j, n := range tr.Numeric {
		v, _ := score(tr, j, r.Num[j])
		baseline += lp.num[j] * n.Median
		w = append(w, lp.num[j])
		x = append(x, v)
		ref = append(ref, n.Median)
		own = append(own, j)
	}
	clear(phi)
	if err := explain.Linear(w, x, ref, own, phi); err != nil {
		return 0, 0, fmt.Errorf("explain: %w", err)
	}
	return pred, baseline, nil
}

func indicator(b bool) float64 {
	if b {
		return 1
	}
	return 0
}

// stackWidth is how many features, and linear columns, an explanation
// keeps on the stack (zeroed on every call, so not maxInputs); a wider
// model allocates.
const stackWidth = 64

// scoreKind is Feature.Kind of a score.
var scoreKind = dataset.Score.String()

// treeReference writes Reference() in the tree layout into x.
func treeReference(tr *features.Transform, x []float64) {
	for j, n := range tr.Numeric {
		x[j] = n.Median
	}
	k := len(tr.Numeric)
	for i := range tr.Categorical {
		x[k+i] = float64(tr.Categorical[i].MostFrequent)
	}
}

// explainTrees explains a sum or mean of trees with its compiled tables
// (explain.Compile, built at the model's first explanation), and a median,
// or an ensemble too large to tabulate, with explain.Ensemble.
func (m *Model) explainTrees(r features.Row, phi []float64) (pred, baseline float64, err error) {
	tr := m.Transform
	p := len(phi)
	if p > explain.MaxFeatures {
		return 0, 0, fmt.Errorf("explain: %d features: %w (at most %d)", p, explain.ErrTooManyFeatures, explain.MaxFeatures)
	}
	var bx, bref [explain.MaxFeatures]float64
	x, ref := bx[:p], bref[:p]
	if len(r.Cat) != len(tr.Categorical) || len(r.Num) != len(tr.Numeric) || !treeRow(tr, r, x) {
		return 0, 0, m.refused(r)
	}
	treeReference(tr, ref)
	if c := m.compiledTrees(ref); c != nil {
		pred, baseline, err = c.Explain(x, phi)
	} else {
		pred, baseline, err = explain.Ensemble(m.Estimator.Trees, x, ref, phi)
	}
	if err != nil {
		return 0, 0, fmt.Errorf("explain: %w", err)
	}
	return pred, baseline, nil
}

// compiled holds the compiled explainers of tree models, keyed weakly so
// that an entry goes with its model.
var compiled struct {
	sync.RWMutex
	m map[weak.Pointer[Model]]*compiledEntry
}

// compiledEntry is one model's explainer: nil when its ensemble cannot be
// compiled (a median, or tables too large), and explained by walking.
type compiledEntry struct {
	e   *ensemble.Ensemble
	ref []float64
	c   *explain.Compiled
}

// compiledTrees returns m's compiled explainer against ref, building it
// on first use, or nil. An entry built for another ensemble or reference
// (a model changed after its first explanation) is rebuilt.
func (m *Model) compiledTrees(ref []float64) *explain.Compiled {
	e := m.Estimator.Trees
	if e.Combine != ensemble.Sum && e.Combine != ensemble.Mean {
		return nil
	}
	k := weak.Make(m)
	compiled.RLock()
	ce := compiled.m[k]
	compiled.RUnlock()
	if ce != nil && ce.e == e && slices.Equal(ce.ref, ref) {
		return ce.c
	}
	c, err := explain.Compile(e, TreeLevels(m.Transform), ref)
	if err != nil {
		c = nil // explained by walking the trees
	}
	compiled.Lock()
	defer compiled.Unlock()
	if compiled.m == nil {
		compiled.m = map[weak.Pointer[Model]]*compiledEntry{}
	}
	if _, ok := compiled.m[k]; !ok {
		runtime.AddCleanup(m, func(k weak.Pointer[Model]) {
			compiled.Lock()
			delete(compiled.m, k)
			compiled.Unlock()
		}, k)
	}
	compiled.m[k] = &compiledEntry{e: e, ref: slices.Clone(ref), c: c}
	return c
}

// explainKNN enumerates the 2^p mixed records in the kNN layout, each
// column taken from the record or the reference by its feature.
func (m *Model) explainKNN(r features.Row, phi []float64) (pred, baseline float64, err error) {
	tr := m.Transform
	wid := tr.Width()
	if wid > maxInputs {
		return 0, 0, fmt.Errorf("explain: %d inputs; kNN takes at most %d", wid, maxInputs)
	}
	var bx, bref, bmix [maxInputs]float64
	var bown [maxInputs]int
	x, ref, mix, own := bx[:wid], bref[:wid], bmix[:wid], bown[:wid]
	if len(r.Cat) != len(tr.Categorical) || len(r.Num) != len(tr.Numeric) || !KNNRow(tr, r, x) {
		return 0, 0, m.refused(r)
	}
	for j, n := range tr.Numeric {
		ref[j] = (n.Median - n.Mean) / n.Scale // as KNNRow writes Reference()
		own[j] = j
	}
	k := len(tr.Numeric)
	for i := range tr.Categorical {
		c := &tr.Categorical[i]
		for l := range c.Levels {
			ref[k+l] = indicator(l == c.MostFrequent)
			own[k+l] = len(tr.Numeric) + i
		}
		k += len(c.Levels)
	}
	est := m.Estimator.KNN
	_, baseline, err = explain.Exact(len(phi), func(s uint64) float64 {
		for c, o := range own {
			if s>>uint(o)&1 == 1 {
				mix[c] = x[c]
			} else {
				mix[c] = ref[c]
			}
		}
		return est.Predict(mix)
	}, phi)
	if err != nil {
		return 0, 0, fmt.Errorf("explain: %w", err)
	}
	return est.Predict(x), baseline, nil
}

// refused is the error Predict gives for a row the explainer refused.
func (m *Model) refused(r features.Row) error {
	if _, err := m.Predict(r); err != nil {
		return err
	}
	return errors.New("explain: row refused")
}
