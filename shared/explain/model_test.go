package explain_test

import (
	"fmt"
	"math"
	"math/rand/v2"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/studentperf/studentperf/shared/dataset"
	"github.com/studentperf/studentperf/shared/ensemble"
	"github.com/studentperf/studentperf/shared/explain"
	"github.com/studentperf/studentperf/shared/features"
	"github.com/studentperf/studentperf/shared/knn"
	"github.com/studentperf/studentperf/shared/model"
	"github.com/studentperf/studentperf/shared/testkit/modeltest"
	"github.com/studentperf/studentperf/shared/tree"
)

// explained is one fitted model of a family and its explainer.
type explained struct {
	name string
	m    *model.Model
	ex   *explain.Explainer
}

// newExplainer is explain.New for a model every test can explain.
func newExplainer(tb testing.TB, m *model.Model) *explain.Explainer {
	tb.Helper()
	ex, err := explain.New(m)
	require.NoError(tb, err, "explainer of %s", m.Name)
	return ex
}

// explainModels fits, with their explainers, every family the trainer can produce on n generated
// rows: OLS, a single tree per criterion, a random forest, gradient
// boosting, AdaBoost.R2 and kNN (uniform and distance weighted).
func explainModels(tb testing.TB, n int) ([]explained, []features.Row) {
	tb.Helper()
	lin, tab := modeltest.Fit(tb, "linear", fmt.Sprintf("synthetic:%d", n), 11)
	rows, err := lin.Transform.Rows(tab)
	require.NoError(tb, err)
	out := []explained{{"linear", lin, newExplainer(tb, lin)}}
	d, err := model.TreeData(lin.Transform, tab)
	require.NoError(tb, err)
	b, err := tree.FitBinner(d, nil, tree.MaxBins)
	require.NoError(tb, err)
	bd, err := b.Bin(d, nil)
	require.NoError(tb, err)
	withTrees := func(name string, e *ensemble.Ensemble, err error) {
		tb.Helper()
		require.NoError(tb, err, name)
		m, err := model.New(name, dataset.Students, lin.Transform, model.Estimator{Name: name, Family: name, Trees: e}, lin.Provenance)
		require.NoError(tb, err, name)
		out = append(out, explained{name, m, newExplainer(tb, m)})
	}
	for _, c := range []tree.Criterion{tree.SquaredError, tree.FriedmanMSE, tree.AbsoluteError, tree.Poisson} {
		e, err := ensemble.FitForest(bd, tab.Target, ensemble.Forest{Trees: 1, Tree: tree.Params{Criterion: c, MaxDepth: 8}}, 5)
		withTrees("tree/"+c.String(), e, err)
	}
	e, err := ensemble.FitForest(bd, tab.Target, ensemble.Forest{Trees: 15, Bootstrap: true, Tree: tree.Params{MaxFeatures: 3, MinSamplesLeaf: 3}}, 5)
	withTrees("forest", e, err)
	e, err = ensemble.FitBoost(bd, tab.Target, ensemble.Boost{Trees: 40, LearningRate: 0.1, Subsample: 0.8, Tree: tree.Params{MaxLeaves: 31}}, 5)
	withTrees("boost", e, err)
	e, err = ensemble.FitAdaBoost(bd, tab.Target, ensemble.AdaBoost{Trees: 15, LearningRate: 1, Tree: tree.Params{MaxDepth: 4}}, 5)
	withTrees("adaboost", e, err)
	w := lin.Transform.Width()
	X := make([]float64, len(rows)*w)
	for i, r := range rows {
		require.True(tb, model.KNNRow(lin.Transform, r, X[i*w:(i+1)*w]))
	}
	for _, dist := range []bool{false, true} {
		k, err := knn.Fit(X, w, tab.Target, 7, dist)
		require.NoError(tb, err)
		name := fmt.Sprintf("knn/distance=%v", dist)
		m, err := model.New(name, dataset.Students, lin.Transform, model.Estimator{Name: name, Family: "knn", KNN: k}, lin.Provenance)
		require.NoError(tb, err)
		out = append(out, explained{name, m, newExplainer(tb, m)})
	}
	return out, rows
}

// mixRow is the record with x's values on the schema features in set and
// ref's elsewhere, matched by name: the oracle does not share Explain's
// index mapping.
func mixRow(m *model.Model, x, ref features.Row, set uint64) features.Row {
	r := features.Row{Cat: make([]string, len(x.Cat)), Num: make([]float64, len(x.Num))}
	for s, f := range m.Features {
		from := ref
		if set>>uint(s)&1 == 1 {
			from = x
		}
		for i, c := range m.Transform.Categorical {
			if c.Name == f.Name {
				r.Cat[i] = from.Cat[i]
			}
		}
		for j, n := range m.Transform.Numeric {
			if n.Name == f.Name {
				r.Num[j] = from.Num[j]
			}
		}
	}
	return r
}

// bruteForceModel enumerates the baseline Shapley values of m at x
// against ref over the schema features with m.Predict on raw mixed
// records.
func bruteForceModel(t testing.TB, m *model.Model, x, ref features.Row) []float64 {
	t.Helper()
	p := len(m.Features)
	v := make([]float64, 1<<p)
	for s := range v {
		y, err := m.Predict(mixRow(m, x, ref, uint64(s)))
		require.NoError(t, err)
		v[s] = y
	}
	fact := func(n int) float64 { return math.Gamma(float64(n + 1)) }
	phi := make([]float64, p)
	for i := range p {
		for s := range v {
			if s>>i&1 == 0 {
				k := 0
				for b := s; b != 0; b &= b - 1 {
					k++
				}
				phi[i] += fact(k) * fact(p-k-1) / fact(p) * (v[s|1<<i] - v[s])
			}
		}
	}
	return phi
}

// randomRow draws a record in the transform's order: levels, some in other
// case or padded, some missing; scores anywhere in range, some missing.
func randomRow(rng *rand.Rand, tr *features.Transform) features.Row {
	r := features.Row{Cat: make([]string, len(tr.Categorical)), Num: make([]float64, len(tr.Numeric))}
	for i, c := range tr.Categorical {
		l := c.Levels[rng.IntN(len(c.Levels))]
		switch rng.IntN(8) {
		case 0:
			l = ""
		case 1:
			l = " " + strings.ToUpper(l) + " "
		}
		r.Cat[i] = l
	}
	for j := range tr.Numeric {
		switch rng.IntN(6) {
		case 0:
			r.Num[j] = math.NaN()
		case 1:
			r.Num[j] = float64(rng.IntN(101))
		default:
			r.Num[j] = rng.Float64() * 100
		}
	}
	return r
}

// TestExplainMatchesBruteForce: for every family, Explain's values equal
// the enumeration of m.Predict over mixed raw records (by feature name),
// on training rows and on random ones.
func TestExplainMatchesBruteForce(t *testing.T) {
	ms, rows := explainModels(t, 300)
	rng := rand.New(rand.NewPCG(21, 22))
	for _, c := range ms {
		recs := append([]features.Row{}, rows[:4]...)
		for range 4 {
			recs = append(recs, randomRow(rng, c.m.Transform))
		}
		for k, r := range recs {
			ex, err := c.ex.Explain(r)
			require.NoError(t, err, "%s record %d", c.name, k)
			require.InDeltaSlice(t, bruteForceModel(t, c.m, r, c.ex.Reference()), ex.Contributions, 1e-9, "%s record %d", c.name, k)
		}
	}
}

// TestExplainIsEfficient is the property test of every family: over many
// random records (missing cells, case and spaces included) the prediction
// is Predict's bit for bit, the baseline is Predict(Reference()) bit for
// bit, baseline + Σ contributions is the prediction within 1e-9, and a
// missing field (imputed with the reference's value) contributes exactly 0.
func TestExplainIsEfficient(t *testing.T) {
	ms, _ := explainModels(t, 300)
	rng := rand.New(rand.NewPCG(31, 32))
	for _, c := range ms {
		m := c.m
		base, err := m.Predict(c.ex.Reference())
		require.NoError(t, err, c.name)
		n := 2000
		if strings.HasPrefix(c.name, "knn") || c.name == "adaboost" {
			n = 300 // 2^7 predictions each
		}
		contrib := make([]float64, len(m.Features))
		for k := range n {
			r := randomRow(rng, m.Transform)
			want, err := m.Predict(r)
			require.NoError(t, err)
			pred, b, err := c.ex.ExplainInto(r, contrib)
			require.NoError(t, err, "%s record %d", c.name, k)
			require.Equal(t, math.Float64bits(want), math.Float64bits(pred), "%s record %d: prediction %v; Predict %v", c.name, k, pred, want)
			require.Equal(t, math.Float64bits(base), math.Float64bits(b), "%s record %d: baseline", c.name, k)
			s := b
			for _, v := range contrib {
				s += v
			}
			require.InDelta(t, pred, s, 1e-9, "%s record %d: baseline + Σ contributions", c.name, k)
			for s, f := range m.Features {
				// A family that imputes a missing number with the reference's
				// median gives it nothing; trees route it natively, where it
				// may carry its own effect.
				if missing(m, r, f.Name) && (m.Estimator.Trees == nil || f.Kind == "category") {
					require.Zero(t, contrib[s], "%s record %d: missing %s", c.name, k, f.Name)
				}
			}
		}
	}
}

func missing(m *model.Model, r features.Row, name string) bool {
	for i, c := range m.Transform.Categorical {
		if c.Name == name {
			return strings.TrimSpace(r.Cat[i]) == ""
		}
	}
	for j, n := range m.Transform.Numeric {
		if n.Name == name {
			return math.IsNaN(r.Num[j])
		}
	}
	return false
}

// TestExplainReference: the reference explains itself as all zeros, and
// every family's Reference is the medians and most frequent levels.
func TestExplainReference(t *testing.T) {
	ms, _ := explainModels(t, 200)
	for _, c := range ms {
		ref := c.ex.Reference()
		for i, cat := range c.m.Transform.Categorical {
			assert.Equal(t, cat.Levels[cat.MostFrequent], ref.Cat[i], c.name)
		}
		for j, n := range c.m.Transform.Numeric {
			assert.Equal(t, n.Median, ref.Num[j], c.name)
		}
		ex, err := c.ex.Explain(ref)
		require.NoError(t, err, c.name)
		assert.Equal(t, ex.Baseline, ex.Prediction, c.name)
		assert.Equal(t, make([]float64, len(c.m.Features)), ex.Contributions, c.name)
	}
}

// handTree is a model whose single tree is given: it reads the tree inputs
// (reading_score, writing_score, then the categories).
func handTree(t *testing.T, nodes []tree.Node) *model.Model {
	t.Helper()
	lin, _ := modeltest.Fit(t, "m", "synthetic:200", 3)
	e := &ensemble.Ensemble{Combine: ensemble.Sum, Base: 50, Trees: []tree.Tree{{Nodes: nodes}}}
	m, err := model.New("hand", dataset.Students, lin.Transform, model.Estimator{Name: "hand", Family: "tree", Trees: e}, lin.Provenance)
	require.NoError(t, err)
	return m
}

// contribution is the contribution of the schema feature called name.
func contribution(t *testing.T, m *model.Model, ex explain.Explanation, name string) float64 {
	t.Helper()
	for s, f := range m.Features {
		if f.Name == name {
			return ex.Contributions[s]
		}
	}
	t.Fatalf("no feature %q", name)
	return 0
}

// TestExplainIgnoredAndSymmetric: with a tree that reads only the two
// scores, as an AND of both above a threshold, the categories get 0 and
// the two scores share the difference equally, each under its own name.
func TestExplainIgnoredAndSymmetric(t *testing.T) {
	lin, _ := modeltest.Fit(t, "m", "synthetic:200", 3)
	th := math.Max(lin.Transform.Numeric[0].Median, lin.Transform.Numeric[1].Median) + 5
	m := handTree(t, []tree.Node{
		{Feature: 0, Left: 1, Right: 2, Threshold: th},
		{Feature: -1},
		{Feature: 1, Left: 3, Right: 4, Threshold: th},
		{Feature: -1},
		{Feature: -1, Value: 12},
	})
	r := newExplainer(t, m).Reference()
	r.Cat[0], r.Cat[2] = m.Transform.Categorical[0].Levels[0], m.Transform.Categorical[2].Levels[3]
	r.Num[0], r.Num[1] = th+1, th+2
	ex, err := newExplainer(t, m).Explain(r)
	require.NoError(t, err)
	assert.Equal(t, 62.0, ex.Prediction)
	assert.Equal(t, 50.0, ex.Baseline)
	assert.InDelta(t, 6, contribution(t, m, ex, "reading_score"), 1e-12)
	assert.InDelta(t, 6, contribution(t, m, ex, "writing_score"), 1e-12)
	for _, c := range m.Transform.Categorical {
		assert.Zero(t, contribution(t, m, ex, c.Name), "ignored %s", c.Name)
	}

	// Only writing_score read: it takes the whole difference.
	m = handTree(t, []tree.Node{
		{Feature: 1, Left: 1, Right: 2, Threshold: th},
		{Feature: -1, Value: -3},
		{Feature: -1, Value: 4},
	})
	ex, err = newExplainer(t, m).Explain(r)
	require.NoError(t, err)
	assert.Equal(t, 54.0, ex.Prediction)
	assert.InDelta(t, 7, contribution(t, m, ex, "writing_score"), 1e-12)
	assert.Zero(t, contribution(t, m, ex, "reading_score"))
}

// TestExplainLinearIsItsTerms: for OLS a category's contribution is the
// difference of its two levels' terms and a score's is its weight times the
// distance from the median, each in its schema position.
func TestExplainLinearIsItsTerms(t *testing.T) {
	m, _ := modeltest.Fit(t, "m", "synthetic:300", 3)
	e := newExplainer(t, m)
	r := e.Reference()
	r.Num[1] += 10 // writing_score
	ex, err := e.Explain(r)
	require.NoError(t, err)
	tr := m.Transform
	w := m.Estimator.Linear.Coef[1] / tr.Numeric[1].Scale
	assert.InDelta(t, 10*w, contribution(t, m, ex, tr.Numeric[1].Name), 1e-9)
	for _, f := range m.Features {
		if f.Name != tr.Numeric[1].Name {
			assert.Zero(t, contribution(t, m, ex, f.Name), f.Name)
		}
	}
}

// TestExplainRefusesWhatPredictRefuses: an invalid row gets exactly
// Predict's error from every family, and a contributions slice of the
// wrong length is an error.
func TestExplainRefusesWhatPredictRefuses(t *testing.T) {
	ms, _ := explainModels(t, 200)
	bad := []features.Row{
		{Cat: []string{"female", "group Z", "bachelor's degree", "standard", "none"}, Num: []float64{72, 140}},
		{Cat: []string{"female", "group B", "bachelor's degree", "standard", "none"}, Num: []float64{math.Inf(1), 74}},
		{Cat: []string{"female"}, Num: []float64{72, 74}},
		{},
	}
	for _, c := range ms {
		for k, r := range bad {
			_, perr := c.m.Predict(r)
			require.Error(t, perr)
			_, err := c.ex.Explain(r)
			require.Error(t, err, "%s row %d", c.name, k)
			assert.Equal(t, perr, err, "%s row %d", c.name, k)
			_, _, err = c.ex.ExplainInto(r, make([]float64, len(c.m.Features)))
			assert.Equal(t, perr, err, "%s row %d", c.name, k)
		}
		_, _, err := c.ex.ExplainInto(c.ex.Reference(), make([]float64, 3))
		assert.ErrorContains(t, err, "3 contributions for 7 features", c.name)
	}
}

// TestExplainIntoAllocatesNothing for every family.
func TestExplainIntoAllocatesNothing(t *testing.T) {
	ms, rows := explainModels(t, 200)
	contrib := make([]float64, 7)
	for _, c := range ms {
		r := rows[1]
		assert.Zero(t, testing.AllocsPerRun(10, func() { _, _, _ = c.ex.ExplainInto(r, contrib) }), c.name)
	}
}

// TestExplainConcurrent: goroutines sharing one explainer of a tree
// model all get what a sequential pass with another explainer of the same
// model gets, bit for bit; run with -race.
func TestExplainConcurrent(t *testing.T) {
	ms, rows := explainModels(t, 200)
	var c explained
	for _, e := range ms {
		if e.name == "boost" {
			c = e
		}
	}
	shared := newExplainer(t, c.m)
	got := make([][]float64, 8)
	done := make(chan int)
	for g := range got {
		go func() {
			defer func() { done <- g }()
			for _, r := range rows[g*10 : g*10+10] {
				ex, err := shared.Explain(r)
				if err != nil {
					return
				}
				got[g] = append(got[g], ex.Prediction, ex.Baseline)
				got[g] = append(got[g], ex.Contributions...)
			}
		}()
	}
	for range got {
		<-done
	}
	for g := range got {
		var want []float64
		for _, r := range rows[g*10 : g*10+10] {
			ex, err := c.ex.Explain(r)
			require.NoError(t, err)
			want = append(want, ex.Prediction, ex.Baseline)
			want = append(want, ex.Contributions...)
		}
		require.Equal(t, want, got[g], "goroutine %d", g)
	}
}
