package ensemble_test

import (
	"encoding/json"
	"math"
	"math/rand/v2"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/studentperf/studentperf/shared/ensemble"
	"github.com/studentperf/studentperf/shared/tree"
)

// classData draws n rows of a numeric feature, one with 10% missing
// values, a category of 4 levels and one of 80, and each row's true
// margins for k classes (k = 2: one, the log-odds of class 1). With noisy
// the label is drawn from the margins' probabilities, else it is their
// arg-max (separable). It returns the data, the labels and each row's
// true probability of every class.
func classData(n, k int, noisy bool, seed uint64) (*tree.Data, []float64, [][]float64) {
	rng := rand.New(rand.NewPCG(seed, 5))
	m := 1
	if k > 2 {
		m = k
	}
	eff := make([][]float64, m)
	wide := make([][]float64, m)
	for c := range m {
		eff[c] = []float64{rng.NormFloat64(), rng.NormFloat64(), rng.NormFloat64(), rng.NormFloat64()}
		wide[c] = make([]float64, 80)
		for l := range wide[c] {
			wide[c][l] = rng.NormFloat64()
		}
	}
	d := &tree.Data{Rows: n, Levels: []int{0, 0, 4, 80}}
	y := make([]float64, n)
	proba := make([][]float64, n)
	for i := range n {
		a, b := rng.NormFloat64(), rng.Float64()*6
		c, w := rng.IntN(4), rng.IntN(80)
		missing := rng.Float64() < 0.1
		margins := make([]float64, m)
		for j := range m {
			s := float64(j + 1)
			margins[j] = 2*s*a*float64(1-2*(j%2)) + math.Sin(b+s) + eff[j][c] + wide[j][w]
			if missing {
				margins[j] += 1.5 * float64(j%3-1)
			}
		}
		p := make([]float64, k)
		if m == 1 {
			p[1] = 1 / (1 + math.Exp(-margins[0]))
			p[0] = 1 - p[1]
		} else {
			var s float64
			for j, v := range margins {
				p[j] = math.Exp(v)
				s += p[j]
			}
			for j := range p {
				p[j] /= s
			}
		}
		proba[i] = p
		if noisy {
			u, cum := rng.Float64(), 0.0
			y[i] = float64(k - 1)
			for j, v := range p {
				if cum += v; u < cum {
					y[i] = float64(j)
					break
				}
			}
		} else {
			y[i] = float64(argmax(p))
		}
		if missing {
			b = math.NaN()
		}
		d.X = append(d.X, a, b, float64(c), float64(w))
	}
	return d, y, proba
}

func argmax(p []float64) int {
	best := 0
	for j, v := range p {
		if v > p[best] {
			best = j
		}
	}
	return best
}

// split binds the first cut rows of d to bins and returns them with the
// rest as held-out rows.
func split(t testing.TB, d *tree.Data, cut int) (*tree.Binned, *tree.Data) {
	t.Helper()
	p := d.Cols()
	train := &tree.Data{Rows: cut, Levels: d.Levels, X: d.X[:cut*p]}
	test := &tree.Data{Rows: d.Rows - cut, Levels: d.Levels, X: d.X[cut*p:]}
	b, err := tree.FitBinner(train, nil, tree.MaxBins)
	require.NoError(t, err)
	bd, err := b.Bin(train, nil)
	require.NoError(t, err)
	return bd, test
}

// scores is accuracy and mean log loss of probabilities (k a row) for
// labels y.
func scores(proba []float64, k int, y []float64) (acc, logLoss float64) {
	for i, v := range y {
		p := proba[i*k : (i+1)*k]
		if argmax(p) == int(v) {
			acc++
		}
		logLoss -= math.Log(max(p[int(v)], 1e-15))
	}
	return acc / float64(len(y)), logLoss / float64(len(y))
}

var hgbDefaults = ensemble.Classify{Rounds: 100, LearningRate: 0.1,
	Tree: tree.Params{MaxLeaves: 31, MinSamplesLeaf: 20}}

// TestClassifierLearns: on separable data the classifier is nearly always
// right on held-out rows; on noisy data it comes close to the accuracy and
// log loss of the true probabilities, and is far better than the prior.
func TestClassifierLearns(t *testing.T) {
	for _, c := range []struct {
		k     int
		noisy bool
	}{{2, false}, {2, true}, {4, false}, {4, true}} {
		d, y, truth := classData(10000, c.k, c.noisy, uint64(c.k))
		cut := 8000
		bd, test := split(t, d, cut)
		p := hgbDefaults
		if c.noisy {
			// The truth is additive: small trees fit it without chasing
			// the noise, as 31 leaves on 8,000 noisy rows would.
			p.Tree.MaxLeaves = 4
		}
		cl, err := ensemble.FitBoostClassifier(bd, y[:cut], c.k, p, 1)
		require.NoError(t, err)
		require.NoError(t, cl.Check(d.Levels))
		proba := make([]float64, test.Rows*c.k)
		cl.PredictProbaBatch(test.X, test.Cols(), proba)
		acc, ll := scores(proba, c.k, y[cut:])
		var bayes []float64
		for _, p := range truth[cut:] {
			bayes = append(bayes, p...)
		}
		bAcc, bLL := scores(bayes, c.k, y[cut:])
		prior := make([]float64, 0, test.Rows*c.k)
		counts := make([]float64, c.k)
		for _, v := range y[:cut] {
			counts[int(v)]++
		}
		for range test.Rows {
			for _, n := range counts {
				prior = append(prior, n/float64(cut))
			}
		}
		pAcc, pLL := scores(prior, c.k, y[cut:])
		t.Logf("k=%d noisy=%v: accuracy %.4f (truth %.4f, prior %.4f), log loss %.4f (truth %.4f, prior %.4f)",
			c.k, c.noisy, acc, bAcc, pAcc, ll, bLL, pLL)
		if c.noisy {
			assert.Greater(t, acc, bAcc-0.02, "k=%d noisy: accuracy near the truth's", c.k)
			assert.Less(t, ll, bLL+0.05, "k=%d noisy: log loss near the truth's", c.k)
		} else {
			assert.Greater(t, acc, 0.9, "k=%d separable: accuracy", c.k)
		}
		assert.Less(t, ll, 0.8*pLL, "k=%d: log loss well below the prior's", c.k)
	}
}

// TestClassifierLossFallsEachRound: the training rows' log loss falls with
// every round, from the prior's.
func TestClassifierLossFallsEachRound(t *testing.T) {
	for _, k := range []int{2, 3} {
		d, y, _ := classData(3000, k, true, 9)
		bd, _ := split(t, d, d.Rows)
		p := hgbDefaults
		p.Rounds = 40
		cl, err := ensemble.FitBoostClassifier(bd, y, k, p, 1)
		require.NoError(t, err)
		counts := make([]int, p.Rounds+1)
		for i := range counts {
			counts[i] = i
		}
		// Each margin's staged sums for every round count, then the loss.
		staged := make([][][]float64, cl.Outputs())
		for m, e := range cl.Margins {
			staged[m] = make([][]float64, len(counts))
			for s := range counts {
				staged[m][s] = make([]float64, d.Rows)
			}
			e.StagedBatch(d.X, d.Cols(), counts, staged[m])
		}
		last := math.Inf(1)
		for s := range counts {
			proba := make([]float64, 0, d.Rows*k)
			for r := range d.Rows {
				if k == 2 {
					p1 := 1 / (1 + math.Exp(-staged[0][s][r]))
					proba = append(proba, 1-p1, p1)
					continue
				}
				row := make([]float64, k)
				var sum float64
				for m := range k {
					row[m] = math.Exp(staged[m][s][r])
					sum += row[m]
				}
				for m := range row {
					row[m] /= sum
				}
				proba = append(proba, row...)
			}
			_, ll := scores(proba, k, y)
			require.Less(t, ll, last, "k=%d: round %d's loss below the last", k, s)
			last = ll
		}
	}
}

// TestClassifierDeterministic: the same data, parameters and seed give the
// same JSON on one goroutine or two; another seed with subsampling gives
// other trees.
func TestClassifierDeterministic(t *testing.T) {
	d, y, _ := classData(40000, 3, true, 3)
	bd, _ := split(t, d, d.Rows)
	fit := func(workers int, sub float64, seed uint64) []byte {
		p := hgbDefaults
		p.Rounds, p.Subsample, p.Tree.Workers = 10, sub, workers
		cl, err := ensemble.FitBoostClassifier(bd, y, 3, p, seed)
		require.NoError(t, err)
		b, err := json.Marshal(cl)
		require.NoError(t, err)
		return b
	}
	one := fit(1, 0, 1)
	assert.Equal(t, one, fit(2, 0, 1), "two goroutines")
	assert.Equal(t, one, fit(1, 0, 1), "again")
	assert.Equal(t, one, fit(1, 0, 2), "every row: the seed draws nothing")
	half := fit(2, 0.5, 1)
	assert.Equal(t, half, fit(1, 0.5, 1), "subsampled, two goroutines or one")
	assert.NotEqual(t, half, fit(2, 0.5, 2), "another seed draws other rows")
	assert.NotEqual(t, one, half)
}

// TestClassifierProbabilities: every row's probabilities sum to 1 within
// 1e-12, the batch gives what single rows give bit for bit, and the JSON
// round trip predicts the same.
func TestClassifierProbabilities(t *testing.T) {
	for _, k := range []int{2, 5} {
		d, y, _ := classData(4000, k, true, 21)
		bd, test := split(t, d, 3000)
		p := hgbDefaults
		p.Rounds, p.Subsample = 30, 0.7
		cl, err := ensemble.FitBoostClassifier(bd, y[:3000], k, p, 4)
		require.NoError(t, err)
		b, err := json.Marshal(cl)
		require.NoError(t, err)
		var back ensemble.Classifier
		require.NoError(t, json.Unmarshal(b, &back))
		require.NoError(t, back.Check(d.Levels))
		batch := make([]float64, test.Rows*k)
		cl.PredictProbaBatch(test.X, test.Cols(), batch)
		margins := make([]float64, test.Rows*cl.Outputs())
		cl.MarginBatch(test.X, test.Cols(), margins)
		one, again, m := make([]float64, k), make([]float64, k), make([]float64, cl.Outputs())
		for r := range test.Rows {
			x := test.Row(r)
			cl.PredictProba(x, one)
			back.PredictProba(x, again)
			require.Equal(t, one, batch[r*k:(r+1)*k], "k=%d row %d: batch", k, r)
			require.Equal(t, one, again, "k=%d row %d: JSON round trip", k, r)
			var s float64
			for _, v := range one {
				require.True(t, v >= 0 && v <= 1, "k=%d row %d: %v", k, r, one)
				s += v
			}
			require.InDelta(t, 1, s, 1e-12, "k=%d row %d", k, r)
			cl.Margin(x, m)
			require.Equal(t, m, margins[r*len(m):(r+1)*len(m)], "k=%d row %d: margins", k, r)
			if k == 2 {
				require.InDelta(t, one[1], 1/(1+math.Exp(-m[0])), 1e-15, "the log-odds")
			}
		}
	}
}

// TestClassifierRefuses: bad parameters and labels are errors naming the
// problem, as is a decoded model that cannot predict.
func TestClassifierRefuses(t *testing.T) {
	d, y, _ := classData(200, 3, true, 1)
	bd, _ := split(t, d, d.Rows)
	bad := func(i int, v float64) []float64 { c := append([]float64{}, y...); c[i] = v; return c }
	for name, c := range map[string]struct {
		y       []float64
		classes int
		p       ensemble.Classify
		want    string
	}{
		"one class":        {y, 1, hgbDefaults, "1 classes; want at least 2"},
		"label too large":  {bad(6, 3), 3, hgbDefaults, "label of row 7 is 3; want a class index 0 to 2"},
		"negative label":   {bad(0, -1), 3, hgbDefaults, "label of row 1 is -1"},
		"fractional label": {bad(4, 1.5), 3, hgbDefaults, "label of row 5 is 1.5"},
		"NaN label":        {bad(9, math.NaN()), 3, hgbDefaults, "label of row 10 is NaN"},
		"short labels":     {y[:10], 3, hgbDefaults, "10 targets for 200 rows"},
		"no rounds":        {y, 3, ensemble.Classify{LearningRate: 0.1}, "rounds 0 must be positive"},
		"rate":             {y, 3, ensemble.Classify{Rounds: 1, LearningRate: 2}, "learning rate 2 must be in (0, 1]"},
		"subsample":        {y, 3, ensemble.Classify{Rounds: 1, LearningRate: 0.1, Subsample: 1.5}, "subsample 1.5"},
		"criterion": {y, 3, ensemble.Classify{Rounds: 1, LearningRate: 0.1, Tree: tree.Params{Criterion: tree.Poisson}},
			"not poisson"},
		"leaves": {y, 3, ensemble.Classify{Rounds: 1, LearningRate: 0.1, Tree: tree.Params{MaxLeaves: 1}}, "max leaves 1"},
	} {
		_, err := ensemble.FitBoostClassifier(bd, c.y, c.classes, c.p, 1)
		require.Error(t, err, name)
		assert.Contains(t, err.Error(), c.want, name)
		assert.Contains(t, err.Error(), "boost classifier: ", name)
	}

	good := `{"combine":"sum","base":0.5,"trees":[{"nodes":[{"f":-1,"v":1}]}]}`
	for name, c := range map[string]struct{ json, want string }{
		"one class":     {`{"classes":1,"margins":[` + good + `]}`, "1 classes; want 2 to"},
		"binary, two":   {`{"classes":2,"margins":[` + good + `,` + good + `]}`, "2 margins for 2 classes; want 1"},
		"three, one":    {`{"classes":3,"margins":[` + good + `]}`, "1 margins for 3 classes"},
		"null margin":   {`{"classes":2,"margins":[null]}`, "margin 0 is missing"},
		"mean":          {`{"classes":2,"margins":[{"combine":"mean","trees":[{"nodes":[{"f":-1}]}]}]}`, `combines by "mean"`},
		"uneven rounds": {`{"classes":3,"margins":[` + good + `,` + good + `,{"combine":"sum","trees":[]}]}`, "margin 2 has 0 trees"},
		"bad feature":   {`{"classes":2,"margins":[{"combine":"sum","trees":[{"nodes":[{"f":9,"l":1,"r":2},{"f":-1},{"f":-1}]}]}]}`, "margin 0"},
		"too many":      {`{"classes":5000,"margins":[]}`, "5000 classes"},
	} {
		var cl ensemble.Classifier
		require.NoError(t, json.Unmarshal([]byte(c.json), &cl), name)
		err := cl.Check(d.Levels)
		require.Error(t, err, name)
		assert.Contains(t, err.Error(), c.want, name)
	}
}
