package explain

import (
	"context"
	"errors"
	"fmt"
	"math"

	"github.com/studentperf/studentperf/shared/dataset"
	"github.com/studentperf/studentperf/shared/ensemble"
	"github.com/studentperf/studentperf/shared/features"
	"github.com/studentperf/studentperf/shared/model"
)

// Methods of explanation, as Explainer.Method and Explanation.Method name
// them.
const (
	// MethodLinear is the closed form of a linear model (Linear): exact.
	MethodLinear = "linear"
	// MethodTreePath follows each tree's paths for a sum or mean of trees
	// (Tree, Ensemble, Compiled): exact, at any width.
	MethodTreePath = "tree_path"
	// MethodExactEnumeration evaluates the model on all 2^p mixed records
	// (Exact): exact, for at most MaxExact features.
	MethodExactEnumeration = "exact_enumeration"
	// MethodSampledPermutations averages over a fixed sample of orders of
	// the features (Sample): an estimate that still adds up to the
	// prediction, for more than MaxExact features.
	MethodSampledPermutations = "sampled_permutations"
)

// Explanation is an additive explanation of one prediction of a model:
// Baseline + Σ Contributions = Prediction, up to rounding.
type Explanation struct {
	Prediction    float64   // what the model's Predict returns for the record, bit for bit
	Baseline      float64   // the prediction for the Explainer's Reference
	Contributions []float64 // one per model feature (Model.Features), in that schema order
	Method        string    // how the contributions were found: one of the Method constants
}

// Explainer explains the predictions of one model by the baseline
// Shapley values of its raw input features against the reference record
// (Reference): the game is v(S) = f(x_S, ref_rest), the prediction for
// the record that has the explained record's values on the features in S
// and the reference's on the others. The baseline is f(ref) and the
// contributions sum to f(x) − f(ref). A feature whose value is missing
// (imputed with the reference's value) or that the model ignores
// contributes 0.
//
// The values are exact for a linear model (in closed form, Linear) and a
// sum or mean of trees (from compiled tables, Compile, or by walking the
// trees, Ensemble) at any width, and for k nearest neighbours and a
// weighted median of trees over at most MaxExact features (by evaluating
// the model on all 2^p mixed records, Exact). Those two over more features
// are sampled (Sample): a fixed, seeded set of orders, so the same record
// gets the same contributions, which still add up to the prediction.
// Method names the algorithm and Cost estimates its work.
//
// New builds what the explanations need once per model (the reference,
// the linear columns, a tree ensemble's tables: about 3 ms and 0.7 MB for
// 256 trees of 31 leaves), so a server builds it when a model version
// loads and no request pays for it. An Explainer reads its model as it was
// at New, so the model must not change afterwards. It is immutable and
// safe for concurrent use.
type Explainer struct {
	m        *model.Model
	ref      features.Row // Reference()
	baseline float64      // m.Predict(ref)
	// slot[s] is where schema feature s sits among the values the
	// algorithms compute, which are indexed as tree inputs are: numeric
	// inputs, then categories.
	slot   []int
	method string  // Method()
	cost   float64 // Cost()

	lin    *linearColumns // set for a linear model
	trees  *treeTables    // set for a tree ensemble
	knn    *knnLayout     // set for k nearest neighbours
	sample *Sample        // set for kNN or a median of trees over more than MaxExact features
}

// linearColumns lays a linear model, folded into its transforms as
// model.Predict folds it, out as columns (one per raw number, one
// indicator per category level), each owned by its feature.
type linearColumns struct {
	w, ref []float64
	own    []int
}

// treeTables is the reference in the tree layout and, for a sum or mean
// of trees small enough, the compiled tables against it (nil: walked).
type treeTables struct {
	ref []float64
	c   *Compiled
}

// categoryKind is model.Feature.Kind of a category; every other kind is
// a numeric input of the transform.
var categoryKind = dataset.Category.String()

// New builds the explainer of m. It fails only for a model with no fitted
// estimator, or whose reference record it cannot predict.
func New(m *model.Model) (*Explainer, error) {
	if m == nil || m.Transform == nil {
		return nil, errors.New("explain: no model")
	}
	tr := m.Transform
	ex := &Explainer{m: m, ref: reference(tr)}
	var err error
	if ex.baseline, err = m.Predict(ex.ref); err != nil {
		return nil, fmt.Errorf("explain: the reference record: %w", err)
	}
	// m.Features lists the transform's categories and numeric inputs in
	// schema order, each kind in the transform's order (model.New checks
	// it).
	var nCat, nNum int
	for _, f := range m.Features {
		if f.Kind != categoryKind {
			ex.slot = append(ex.slot, nNum)
			nNum++
		} else {
			ex.slot = append(ex.slot, len(tr.Numeric)+nCat)
			nCat++
		}
	}
	p := len(ex.slot)
	switch {
	case m.Estimator.Trees != nil:
		ex.trees, err = newTreeTables(m, p)
		ex.method = MethodTreePath
		if m.Estimator.Trees.Combine == ensemble.Median {
			ex.method, err = ex.agnostic(p)
		}
	case m.Estimator.KNN != nil:
		ex.knn = newKNNLayout(tr, p)
		ex.method, err = ex.agnostic(p)
	case m.Estimator.Linear != nil:
		ex.lin = newLinearColumns(tr, m.Estimator.Linear.Coef)
		ex.method = MethodLinear
	default:
		err = fmt.Errorf("estimator %q has no fitted model", m.Estimator.Name)
	}
	if err != nil {
		return nil, fmt.Errorf("explain: %w", err)
	}
	ex.cost = ex.estimateCost()
	if err := ex.selfCheck(); err != nil {
		return nil, err
	}
	return ex, nil
}

// agnostic picks the method for a model explained only through its
// predictions (kNN, a median of trees): enumeration up to MaxExact
// features, sampled orders beyond.
func (ex *Explainer) agnostic(p int) (string, error) {
	if p <= MaxExact {
		return MethodExactEnumeration, nil
	}
	s, err := NewSample(p)
	if err != nil {
		return "", err
	}
	ex.sample = s
	return MethodSampledPermutations, nil
}

// Method names how the explainer finds contributions: MethodLinear,
// MethodTreePath, MethodExactEnumeration or MethodSampledPermutations.
func (ex *Explainer) Method() string { return ex.method }

// selfCheck explains a record unlike the reference in every feature it
// can be (another level of each category, each number a step from its
// median) and checks that the explanation adds up to the model's own
// prediction. It is the explainer's check at load, like the model's
// sha256, and it leaves the tables warm for the first request.
func (ex *Explainer) selfCheck() error {
	tr := ex.m.Transform
	r := ex.Reference()
	for i := range tr.Categorical {
		c := &tr.Categorical[i]
		if len(c.Levels) > 1 {
			r.Cat[i] = c.Levels[(c.MostFrequent+1)%len(c.Levels)]
		}
	}
	for j, n := range tr.Numeric {
		r.Num[j] = n.Median + max(n.Scale, 1)
	}
	want, err := ex.m.Predict(r)
	if err != nil { // a step past a declared range: the reference itself
		r = ex.Reference()
		if want, err = ex.m.Predict(r); err != nil {
			return fmt.Errorf("explain: self-check: %w", err)
		}
	}
	e, err := ex.Explain(r)
	if err != nil {
		return fmt.Errorf("explain: self-check: %w", err)
	}
	sum := e.Baseline
	for _, c := range e.Contributions {
		sum += c
	}
	if e.Prediction != want || math.Abs(sum-want) > 1e-9*max(1, math.Abs(want)) {
		return fmt.Errorf("explain: self-check: baseline %g plus contributions is %g, prediction %g (explainer %g)", e.Baseline, sum, want, e.Prediction)
	}
	return nil
}

// reference is the typical student of the training data: each score's
// training median and each category's most frequent level, the values
// that impute a missing field.
func reference(tr *features.Transform) features.Row {
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

// Reference returns a copy of the record explanations are measured
// against, in the transform's order (as for Predict): the typical student
// of the training data, each score's training median and each category's
// most frequent level.
func (ex *Explainer) Reference() features.Row {
	return features.Row{Cat: append([]string(nil), ex.ref.Cat...), Num: append([]float64(nil), ex.ref.Num...)}
}

// Explain explains the prediction for r (in the transform's order, as for
// the model's Predict). An invalid row returns Predict's error.
func (ex *Explainer) Explain(r features.Row) (Explanation, error) {
	return ex.ExplainContext(context.Background(), r)
}

// ExplainContext is Explain that stops with ctx's error when ctx ends
// during a long enumeration or sampling.
func (ex *Explainer) ExplainContext(ctx context.Context, r features.Row) (Explanation, error) {
	c := make([]float64, len(ex.slot))
	pred, base, err := ex.ExplainIntoContext(ctx, r, c)
	if err != nil {
		return Explanation{}, err
	}
	return Explanation{Prediction: pred, Baseline: base, Contributions: c, Method: ex.method}, nil
}

// ExplainInto is Explain writing the contributions into contrib (one per
// model feature, in schema order). It allocates nothing for a valid row
// of a model up to MaxFeatures features wide (a sampled explanation
// allocates its game).
func (ex *Explainer) ExplainInto(r features.Row, contrib []float64) (pred, baseline float64, err error) {
	return ex.ExplainIntoContext(context.Background(), r, contrib)
}

// ExplainIntoContext is ExplainInto that stops with ctx's error when ctx
// ends during a long enumeration or sampling.
func (ex *Explainer) ExplainIntoContext(ctx context.Context, r features.Row, contrib []float64) (pred, baseline float64, err error) {
	if len(contrib) != len(ex.slot) {
		return 0, 0, fmt.Errorf("explain: %d contributions for %d features", len(contrib), len(ex.slot))
	}
	var buf [MaxFeatures]float64
	phi := buf[:0]
	if len(ex.slot) > len(buf) {
		phi = make([]float64, len(ex.slot)) // a model wider than any data set seen here
	}
	phi = phi[:len(ex.slot)]
	switch {
	case ex.trees != nil:
		pred, baseline, err = ex.explainTrees(ctx, r, phi)
	case ex.knn != nil:
		pred, baseline, err = ex.explainKNN(ctx, r, phi)
	default:
		pred, baseline, err = ex.explainLinear(r, phi)
	}
	if err != nil {
		return 0, 0, err
	}
	for s, k := range ex.slot {
		contrib[s] = phi[k]
	}
	return pred, baseline, nil
}

// refused is the error Predict gives for a row an explainer refused.
func (ex *Explainer) refused(r features.Row) error {
	if _, err := ex.m.Predict(r); err != nil {
		return err
	}
	return errors.New("explain: row refused")
}

func indicator(b bool) float64 {
	if b {
		return 1
	}
	return 0
}

// newLinearColumns folds the coefficients of a linear model fitted on the
// transform's design matrix (scores, then each category's levels) into
// raw columns, scores first, as model.Predict folds them.
func newLinearColumns(tr *features.Transform, coef []float64) *linearColumns {
	lc := &linearColumns{}
	k := len(tr.Numeric)
	for i := range tr.Categorical {
		c := &tr.Categorical[i]
		for l := range c.Levels {
			lc.w = append(lc.w, coef[k+l]/c.Scale[l])
			lc.ref = append(lc.ref, indicator(l == c.MostFrequent))
			lc.own = append(lc.own, len(tr.Numeric)+i)
		}
		k += len(c.Levels)
	}
	for j, n := range tr.Numeric {
		lc.w = append(lc.w, coef[j]/n.Scale)
		lc.ref = append(lc.ref, n.Median)
		lc.own = append(lc.own, j)
	}
	return lc
}

// explainLinear takes Linear's closed form over the record's columns.
func (ex *Explainer) explainLinear(r features.Row, phi []float64) (pred, baseline float64, err error) {
	pred, err = ex.m.Predict(r)
	if err != nil {
		return 0, 0, err
	}
	tr, lc := ex.m.Transform, ex.lin
	var buf [MaxFeatures]float64
	x := buf[:0]
	if len(lc.w) > len(buf) {
		x = make([]float64, 0, len(lc.w))
	}
	// Predict accepted r: every level is known and every score in range.
	for i := range tr.Categorical {
		c := &tr.Categorical[i]
		l, _ := c.Lookup(r.Cat[i])
		for k := range c.Levels {
			x = append(x, indicator(k == l))
		}
	}
	for j, n := range tr.Numeric {
		v := r.Num[j]
		if math.IsNaN(v) {
			v = n.Median
		}
		x = append(x, v)
	}
	clear(phi)
	if err := Linear(lc.w, x, lc.ref, lc.own, phi); err != nil {
		return 0, 0, fmt.Errorf("explain: %w", err)
	}
	return pred, ex.baseline, nil
}
