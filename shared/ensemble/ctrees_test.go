package ensemble_test

import (
	"encoding/json"
	"math"
	"os"
	"slices"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/studentperf/studentperf/shared/ensemble"
	"github.com/studentperf/studentperf/shared/tree"
)

// ctreesGolden is testdata/ctrees.json, written by
// infra/bench/reference.py ctrees.
type ctreesGolden struct {
	Sklearn string `json:"sklearn"`
	Exact   []struct {
		Name    string    `json:"name"`
		Classes int       `json:"classes"`
		X       []float64 `json:"x"`
		Y       []float64 `json:"y"`
		Proba   []float64 `json:"proba"`
		Weights []float64 `json:"estimator_weights"`
	} `json:"exact"`
	CV []struct {
		Table    string  `json:"table"`
		Target   string  `json:"target"`
		Model    string  `json:"model"`
		Shuffles int     `json:"shuffles"`
		Accuracy float64 `json:"accuracy"`
		LogLoss  float64 `json:"log_loss"`
	} `json:"cv"`
}

func readCtreesGolden(t *testing.T) *ctreesGolden {
	t.Helper()
	b, err := os.ReadFile("testdata/ctrees.json")
	require.NoError(t, err, "the golden file: infra/bench/reference.py ctrees writes it")
	var g ctreesGolden
	require.NoError(t, json.Unmarshal(b, &g))
	require.NotEmpty(t, g.Exact)
	require.NotEmpty(t, g.CV)
	return &g
}

// classifier is what the three families have in common.
type classifier interface {
	PredictProba(x, dst []float64)
	PredictProbaBatch(x []float64, p int, dst []float64)
	Check(levels []int) error
}

// treeClassifier grows one classification tree on every row of bd.
func treeClassifier(bd *tree.Binned, y []float64, k int, imp tree.Impurity, p tree.Params) (*tree.ClassTree, error) {
	g, err := tree.NewClassGrower(bd, k, imp, p)
	if err != nil {
		return nil, err
	}
	rows := make([]int32, bd.Rows)
	for i := range rows {
		rows[i] = int32(i)
	}
	t, _, err := g.Grow(y, nil, rows, nil)
	return t, err
}

// exactModel fits the Go counterpart of a golden exact case's model.
func exactModel(name string, bd *tree.Binned, y []float64, k int) (classifier, []float64, error) {
	switch {
	case strings.HasPrefix(name, "tree gini depth 4"):
		t, err := treeClassifier(bd, y, k, tree.Gini, tree.Params{MaxDepth: 4})
		return t, nil, err
	case strings.HasPrefix(name, "tree entropy depth 3 leaf 5"):
		t, err := treeClassifier(bd, y, k, tree.Entropy, tree.Params{MaxDepth: 3, MinSamplesLeaf: 5})
		return t, nil, err
	case strings.HasPrefix(name, "samme stumps"):
		a, err := ensemble.FitAdaBoostClassifier(bd, y, k, ensemble.AdaBoostClassify{Trees: 40, LearningRate: 1, Tree: tree.Params{MaxDepth: 1}}, 0)
		if err != nil {
			return nil, nil, err
		}
		return a, a.Weights, nil
	case strings.HasPrefix(name, "samme depth 2 rate 0.5"):
		a, err := ensemble.FitAdaBoostClassifier(bd, y, k, ensemble.AdaBoostClassify{Trees: 25, LearningRate: 0.5, Tree: tree.Params{MaxDepth: 2}}, 0)
		if err != nil {
			return nil, nil, err
		}
		return a, a.Weights, nil
	}
	return nil, nil, os.ErrNotExist
}

// TestCTreesMatchScikitLearn: on generated rows whose values the binner
// keeps exactly, a classification tree (Gini and entropy, depth and leaf
// limits) and AdaBoost SAMME (stumps; depth 2 at rate 0.5) give
// scikit-learn 1.2's predict_proba on the training rows, and AdaBoost its
// estimator weights, within 1e-9: the same splits of the same rows, the
// same leaves, the same boosting. (Held-out rows may fall between our
// thresholds, the binner's edges, and scikit-learn's, the midpoints of
// each node's own values; and ties between splits, which scikit-learn
// breaks by a random order of the features, go to our earlier feature:
// the cases are free of them.)
func TestCTreesMatchScikitLearn(t *testing.T) {
	g := readCtreesGolden(t)
	for _, c := range g.Exact {
		d := &tree.Data{X: c.X, Rows: len(c.Y), Levels: make([]int, 4)}
		bn, err := tree.FitBinner(d, nil, tree.MaxBins)
		require.NoError(t, err)
		bd, err := bn.Bin(d, nil)
		require.NoError(t, err)
		m, weights, err := exactModel(c.Name, bd, c.Y, c.Classes)
		require.NoError(t, err, c.Name)
		require.NoError(t, m.Check(d.Levels), c.Name)
		got := make([]float64, len(c.Proba))
		m.PredictProbaBatch(c.X, 4, got)
		worst := 0.0
		for i := range got {
			worst = max(worst, math.Abs(got[i]-c.Proba[i]))
		}
		t.Logf("%s: largest difference from scikit-learn %.3g", c.Name, worst)
		assert.InDeltaSlice(t, c.Proba, got, 1e-9, c.Name)
		if c.Weights != nil {
			assert.InDeltaSlice(t, c.Weights, weights, 1e-9, "%s: estimator weights", c.Name)
		}
	}
}

// forestDefaults is RandomForestClassifier's defaults on p features.
func forestDefaults(p int) ensemble.ForestClassify {
	return ensemble.ForestClassify{Trees: 100, Bootstrap: true, Tree: tree.Params{MaxFeatures: ensemble.SqrtFeatures(p)}, Workers: 2}
}

// TestForestAndAdaBoostLearn: on the generated rows of TestClassifierLearns
// (a wide category, missing numbers), the forest and SAMME come near the
// true probabilities' accuracy on held-out rows, well above the prior.
func TestForestAndAdaBoostLearn(t *testing.T) {
	for _, k := range []int{2, 4} {
		d, y, truth := classData(4000, k, true, uint64(k)+10)
		cut := 3000
		bd, test := split(t, d, cut)
		var bayes []float64
		for _, p := range truth[cut:] {
			bayes = append(bayes, p...)
		}
		bAcc, bLL := scores(bayes, k, y[cut:])
		forest, err := ensemble.FitForestClassifier(bd, y[:cut], k, forestDefaults(d.Cols()), 1)
		require.NoError(t, err)
		ada, err := ensemble.FitAdaBoostClassifier(bd, y[:cut], k, ensemble.AdaBoostClassify{Trees: 100, LearningRate: 0.5, Tree: tree.Params{MaxDepth: 3}}, 1)
		require.NoError(t, err)
		for _, m := range []struct {
			name   string
			c      classifier
			accGap float64
		}{{"forest", forest, 0.05}, {"adaboost", ada, 0.06}} {
			require.NoError(t, m.c.Check(d.Levels))
			proba := make([]float64, test.Rows*k)
			m.c.PredictProbaBatch(test.X, test.Cols(), proba)
			acc, ll := scores(proba, k, y[cut:])
			t.Logf("%d classes, %s: held-out accuracy %.4f (truth %.4f), log loss %.4f (truth %.4f)", k, m.name, acc, bAcc, ll, bLL)
			assert.Greater(t, acc, bAcc-m.accGap, "%d classes, %s: accuracy near the truth's", k, m.name)
		}
	}
}

// TestClassEnsemblesDeterministic: the same data, parameters and seed give
// the same bytes (the forest however many workers grow it); another seed
// another forest; probabilities sum to 1 within 1e-12 and the batch form
// gives what the single one does.
func TestClassEnsemblesDeterministic(t *testing.T) {
	d, y, _ := classData(1500, 3, true, 21)
	bd, test := split(t, d, 1000)
	fit := func(workers int, seed uint64) []byte {
		p := forestDefaults(d.Cols())
		p.Trees, p.Workers = 20, workers
		f, err := ensemble.FitForestClassifier(bd, y[:1000], 3, p, seed)
		require.NoError(t, err)
		b, err := json.Marshal(f)
		require.NoError(t, err)
		return b
	}
	one := fit(1, 7)
	assert.Equal(t, string(one), string(fit(2, 7)), "forest: 1 worker and 2")
	assert.Equal(t, string(one), string(fit(3, 7)), "forest: 1 worker and 3")
	assert.NotEqual(t, string(one), string(fit(1, 8)), "forest: another seed")
	ada := func() []byte {
		p := ensemble.AdaBoostClassify{Trees: 30, LearningRate: 0.8, Tree: tree.Params{MaxDepth: 2, MaxFeatures: 2}}
		a, err := ensemble.FitAdaBoostClassifier(bd, y[:1000], 3, p, 7)
		require.NoError(t, err)
		b, err := json.Marshal(a)
		require.NoError(t, err)
		return b
	}
	assert.Equal(t, string(ada()), string(ada()), "adaboost")

	var f ensemble.ForestClassifier
	require.NoError(t, json.Unmarshal(one, &f))
	var a ensemble.AdaBoostClassifier
	require.NoError(t, json.Unmarshal(ada(), &a))
	for _, m := range []classifier{&f, &a} {
		require.NoError(t, m.Check(d.Levels))
		batch := make([]float64, test.Rows*3)
		m.PredictProbaBatch(test.X, test.Cols(), batch)
		row := make([]float64, 3)
		for i := range test.Rows {
			m.PredictProba(test.Row(i), row)
			require.Equal(t, row, batch[i*3:(i+1)*3], "row %d: batch and single", i)
			assert.InDelta(t, 1, row[0]+row[1]+row[2], 1e-12, "row %d sums to 1", i)
		}
	}
}

// TestClassEnsemblesJSON: a fitted forest and SAMME ensemble survive JSON
// byte for byte and predict the same; Check names what is wrong in
// damaged ones.
func TestClassEnsemblesJSON(t *testing.T) {
	d, y, _ := classData(600, 2, true, 22)
	bd, test := split(t, d, 500)
	p := forestDefaults(d.Cols())
	p.Trees = 5
	f, err := ensemble.FitForestClassifier(bd, y[:500], 2, p, 1)
	require.NoError(t, err)
	a, err := ensemble.FitAdaBoostClassifier(bd, y[:500], 2, ensemble.AdaBoostClassify{Trees: 10, LearningRate: 1, Tree: tree.Params{MaxDepth: 2}}, 1)
	require.NoError(t, err)
	for _, c := range []struct {
		name  string
		m     classifier
		fresh func() classifier
		bad   map[string]string // JSON member replaced → error wanted
	}{
		{"forest", f, func() classifier { return &ensemble.ForestClassifier{} },
			map[string]string{`"classes":2`: `"classes":1`, `"trees":[`: `"trees":[{"classes":3,"nodes":[{"f":-1}],"proba":[1,0,0]},`}},
		{"adaboost", a, func() classifier { return &ensemble.AdaBoostClassifier{} },
			map[string]string{`"classes":2`: `"classes":1`, `"weights":[`: `"weights":[-1,`}},
	} {
		b, err := json.Marshal(c.m)
		require.NoError(t, err)
		back := c.fresh()
		require.NoError(t, json.Unmarshal(b, back))
		require.NoError(t, back.Check(d.Levels), c.name)
		b2, err := json.Marshal(back)
		require.NoError(t, err)
		assert.Equal(t, string(b), string(b2), c.name)
		p1, p2 := make([]float64, test.Rows*2), make([]float64, test.Rows*2)
		c.m.PredictProbaBatch(test.X, test.Cols(), p1)
		back.PredictProbaBatch(test.X, test.Cols(), p2)
		assert.Equal(t, p1, p2, c.name)
		for from, to := range c.bad {
			dam := c.fresh()
			s := string(b)
			i := strings.Index(s, from)
			require.GreaterOrEqual(t, i, 0, "%s: %s in the JSON", c.name, from)
			require.NoError(t, json.Unmarshal([]byte(s[:i]+to+s[i+len(from):]), dam))
			assert.Error(t, dam.Check(d.Levels), "%s: %s", c.name, to)
		}
	}
}

// TestClassEnsemblesRefuse: bad parameters and labels are named errors,
// never a panic.
func TestClassEnsemblesRefuse(t *testing.T) {
	d, y, _ := classData(200, 3, true, 23)
	bd, _ := split(t, d, 200)
	bad := slices.Clone(y)
	bad[4] = 2.5
	fp := forestDefaults(d.Cols())
	for _, c := range []struct {
		name string
		err  error
		want string
	}{
		{"forest trees", fitForest(bd, y, 3, ensemble.ForestClassify{}), "number of trees 0"},
		{"forest classes", fitForest(bd, y, 1, fp), "1 classes"},
		{"forest label", fitForest(bd, bad, 3, fp), "label of row 5 is 2.5"},
		{"forest label range", fitForest(bd, y, 2, fp), "want a class index 0 to 1"},
		{"forest workers", fitForest(bd, y, 3, ensemble.ForestClassify{Trees: 2, Workers: -1}), "workers -1"},
		{"forest max features", fitForest(bd, y, 3, ensemble.ForestClassify{Trees: 2, Tree: tree.Params{MaxFeatures: 9}}), "max features 9"},
		{"adaboost rate", fitAda(bd, y, 3, ensemble.AdaBoostClassify{Trees: 2}), "learning rate 0"},
		{"adaboost trees", fitAda(bd, y, 3, ensemble.AdaBoostClassify{LearningRate: 1}), "number of trees 0"},
		{"adaboost label", fitAda(bd, bad, 3, ensemble.AdaBoostClassify{Trees: 2, LearningRate: 1}), "label of row 5"},
		{"adaboost criterion", fitAda(bd, y, 3, ensemble.AdaBoostClassify{Trees: 2, LearningRate: 1, Tree: tree.Params{Criterion: tree.Poisson}}), "impurity"},
	} {
		assert.ErrorContains(t, c.err, c.want, c.name)
	}
	// One class in the rows of three: the first stump is perfect (a leaf),
	// not worse than chance.
	ones := make([]float64, len(y))
	a, err := ensemble.FitAdaBoostClassifier(bd, ones, 3, ensemble.AdaBoostClassify{Trees: 5, LearningRate: 1, Tree: tree.Params{MaxDepth: 1}}, 0)
	require.NoError(t, err)
	assert.Len(t, a.Trees, 1)
}

func fitForest(bd *tree.Binned, y []float64, k int, p ensemble.ForestClassify) error {
	_, err := ensemble.FitForestClassifier(bd, y, k, p, 0)
	return err
}

func fitAda(bd *tree.Binned, y []float64, k int, p ensemble.AdaBoostClassify) error {
	_, err := ensemble.FitAdaBoostClassifier(bd, y, k, p, 0)
	return err
}

// cvModel fits the Go counterpart of a golden CV model on bd.
func cvModel(t testing.TB, name string, bd *tree.Binned, y []float64, k int) classifier {
	t.Helper()
	var m classifier
	var err error
	switch name {
	case "tree depth 5":
		m, err = treeClassifier(bd, y, k, tree.Gini, tree.Params{MaxDepth: 5})
	case "tree depth 8 leaf 5":
		m, err = treeClassifier(bd, y, k, tree.Gini, tree.Params{MaxDepth: 8, MinSamplesLeaf: 5})
	case "forest 100":
		m, err = ensemble.FitForestClassifier(bd, y, k, forestDefaults(bd.Cols()), 0)
	case "samme stumps 100":
		m, err = ensemble.FitAdaBoostClassifier(bd, y, k, ensemble.AdaBoostClassify{Trees: 100, LearningRate: 1, Tree: tree.Params{MaxDepth: 1}}, 0)
	case "samme depth 3 100 rate 0.5":
		m, err = ensemble.FitAdaBoostClassifier(bd, y, k, ensemble.AdaBoostClassify{Trees: 100, LearningRate: 0.5, Tree: tree.Params{MaxDepth: 3}}, 0)
	default:
		t.Fatalf("no Go model for %q", name)
	}
	require.NoError(t, err, name)
	return m
}

// TestCTreesTables puts the tree, the forest and SAMME beside
// scikit-learn's on penguins and credit_data under stratified 5-fold CV
// (folds of the sizes reference.py ctrees uses; 8 shuffles of penguins'
// 344 rows, one of credit_data's): it logs both and holds our accuracy to
// theirs less 0.02 (our trees split categories natively and route
// missing numbers, theirs see ordinal codes and medians). Log loss is
// held only for the forest (1.15× theirs): a single tree's or SAMME's
// log loss is its few confident mistakes, clipped at 1e-15, and swings
// with any difference.
func TestCTreesTables(t *testing.T) {
	if testing.Short() {
		t.Skip("short")
	}
	g := readCtreesGolden(t)
	tabs := map[string]*classTable{}
	for _, c := range g.CV {
		tab := tabs[c.Table]
		if tab == nil {
			tab = readClassTable(t, c.Table, c.Target)
			tabs[c.Table] = tab
		}
		k := len(tab.classes)
		var acc, ll float64
		for s := range c.Shuffles {
			folds := stratifiedFolds(tab.y, 5, uint64(s))
			for f := range folds {
				a, l, _ := scoreFold(t, tab, folds, f, func(bd *tree.Binned, y []float64) probaBatcher {
					return cvModel(t, c.Model, bd, y, k)
				})
				n := float64(5 * c.Shuffles)
				acc += a / n
				ll += l / n
			}
		}
		t.Logf("%s %s: accuracy %.4f (scikit-learn %.4f), log loss %.4f (scikit-learn %.4f), %d shuffles",
			c.Table, c.Model, acc, c.Accuracy, ll, c.LogLoss, c.Shuffles)
		assert.GreaterOrEqual(t, acc, c.Accuracy-0.02, "%s %s: accuracy", c.Table, c.Model)
		if c.Model == "forest 100" {
			assert.LessOrEqual(t, ll, 1.15*c.LogLoss, "%s %s: log loss", c.Table, c.Model)
		}
	}
}

// TestClassEnsemblesTruncate: the first n trees of a fit are, byte for
// byte, the fit of n trees, for the forest and for SAMME.
func TestClassEnsemblesTruncate(t *testing.T) {
	d, y, _ := classData(800, 3, true, 24)
	bd, _ := split(t, d, 800)
	marshal := func(v any) string {
		b, err := json.Marshal(v)
		require.NoError(t, err)
		return string(b)
	}
	fp := forestDefaults(d.Cols())
	fp.Trees = 12
	f, err := ensemble.FitForestClassifier(bd, y, 3, fp, 3)
	require.NoError(t, err)
	fp.Trees = 5
	f5, err := ensemble.FitForestClassifier(bd, y, 3, fp, 3)
	require.NoError(t, err)
	f.Truncate(5)
	assert.Equal(t, marshal(f5), marshal(f), "forest")
	ap := ensemble.AdaBoostClassify{Trees: 12, LearningRate: 0.7, Tree: tree.Params{MaxDepth: 2}}
	a, err := ensemble.FitAdaBoostClassifier(bd, y, 3, ap, 3)
	require.NoError(t, err)
	require.Len(t, a.Trees, 12)
	ap.Trees = 5
	a5, err := ensemble.FitAdaBoostClassifier(bd, y, 3, ap, 3)
	require.NoError(t, err)
	a.Truncate(5)
	assert.Equal(t, marshal(a5), marshal(a), "adaboost")
}
