package linear_test

import (
	"encoding/json"
	"math"
	"math/rand/v2"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"github.com/studentperf/studentperf/shared/linear"
	"github.com/studentperf/studentperf/shared/metrics"
	"gonum.org/v1/gonum/mat"
)

// labelled draws n rows of standard normal features; the class is the
// arg-max of X·w_c plus Gumbel noise (a draw from the softmax), w_c being
// weights[c]. Columns beyond a weight row's length are noise.
func labelled(n, p int, weights [][]float64, seed uint64) (*mat.Dense, []int) {
	rng := rand.New(rand.NewPCG(seed, seed^0x2545f4914f6cdd1d))
	X := mat.NewDense(n, p, nil)
	y := make([]int, n)
	for i := range n {
		row := X.RawRowView(i)
		for j := range row {
			row[j] = rng.NormFloat64()
		}
		best := math.Inf(-1)
		for c, w := range weights {
			z := -math.Log(-math.Log(rng.Float64()))
			for j, v := range w {
				z += v * row[j]
			}
			if z > best {
				best, y[i] = z, c
			}
		}
	}
	return X, y
}

func l2(c float64) linear.Candidate {
	return linear.Candidate{Name: "l2", Family: linear.LogisticL2, Params: map[string]float64{"C": c}}
}

func l1(c float64) linear.Candidate {
	return linear.Candidate{Name: "l1", Family: linear.LogisticL1, Params: map[string]float64{"C": c}}
}

func elastic(c, ratio float64) linear.Candidate {
	return linear.Candidate{Name: "en", Family: linear.LogisticElasticNet, Params: map[string]float64{"C": c, "l1_ratio": ratio}}
}

// Probabilities are non-negative and sum to 1 within 1e-12 for margins of
// every size, and the class order follows the margins.
func TestLogisticProbabilitiesSumToOne(t *testing.T) {
	for _, m := range []*linear.Logistic{
		{Classes: 2, Intercept: []float64{0.5}, Coef: [][]float64{{1, -2}}},
		{Classes: 3, Intercept: []float64{0.5, -1, 0}, Coef: [][]float64{{1, -2}, {3, 0.5}, {-1, 1}}},
	} {
		for _, x := range [][]float64{{0, 0}, {1, 1}, {1e3, -1e3}, {-800, 800}, {1e300, 1}, {40, -3}} {
			p, err := m.PredictProba(x, nil)
			require.NoError(t, err)
			require.Len(t, p, m.Classes)
			var sum float64
			for _, v := range p {
				assert.False(t, math.IsNaN(v) || v < 0 || v > 1, "probability %v for %v", v, x)
				sum += v
			}
			assert.InDelta(t, 1, sum, 1e-12, "classes %d, x %v: %v", m.Classes, x, p)
		}
	}
	bin := &linear.Logistic{Classes: 2, Intercept: []float64{0}, Coef: [][]float64{{1}}}
	p, err := bin.PredictProba([]float64{2}, nil)
	require.NoError(t, err)
	assert.InDelta(t, 1/(1+math.Exp(-2)), p[1], 1e-15, "P(class 1) is the sigmoid of the margin")
}

// The margins are linear: the intercept plus each feature's contribution
// Coef[r][j]·x[j] adds up to them, and the softmax of the margins is the
// probability.
func TestLogisticMarginsAddUp(t *testing.T) {
	X, y := labelled(400, 4, [][]float64{{1, 0, 0, 0}, {0, 1, 0, 0}, {0, 0, 1, -1}}, 3)
	m, err := linear.FitLogistic(X, y, 3, l2(1))
	require.NoError(t, err)
	x := X.RawRowView(7)
	z, err := m.Margins(x, nil)
	require.NoError(t, err)
	require.Len(t, z, 3)
	p, err := m.PredictProba(x, nil)
	require.NoError(t, err)
	var den float64
	for _, v := range z {
		den += math.Exp(v)
	}
	for r, row := range m.Coef {
		sum := m.Intercept[r]
		for j, w := range row {
			sum += w * x[j]
		}
		assert.InDelta(t, z[r], sum, 1e-12, "margin %d", r)
		assert.InDelta(t, math.Exp(z[r])/den, p[r], 1e-12, "probability %d", r)
	}
}

// Perfectly separable classes: with an L2 (or L1) penalty the weights stay
// finite, the fit converges and classifies every row, and a weaker penalty
// gives larger weights.
func TestLogisticSeparableStaysFinite(t *testing.T) {
	n := 200
	X := mat.NewDense(n, 2, nil)
	y := make([]int, n)
	rng := rand.New(rand.NewPCG(1, 2))
	for i := range n {
		y[i] = i % 2
		X.Set(i, 0, float64(2*y[i]-1)*(0.5+rng.Float64())) // the sign separates
		X.Set(i, 1, rng.NormFloat64())
	}
	var last float64
	for _, c := range []float64{0.1, 1, 100, 1e4} {
		for _, spec := range []linear.Candidate{l2(c), l1(c)} {
			m, err := linear.FitLogistic(X, y, 2, spec)
			require.NoError(t, err, "C=%g", c)
			require.NoError(t, m.Validate(2), "C=%g: weights finite", c)
			for i := range n {
				p, err := m.PredictProba(X.RawRowView(i), nil)
				require.NoError(t, err)
				assert.Greater(t, p[y[i]], 0.5, "C=%g row %d", c, i)
			}
			if spec.Family == linear.LogisticL2 {
				assert.Greater(t, m.Coef[0][0], last, "C=%g: the weight grows as the penalty weakens", c)
				last = m.Coef[0][0]
			}
		}
	}
}

// L1 and elastic net set the weights of irrelevant features to exactly 0,
// and keep the relevant ones; L2 does not zero them.
func TestLogisticL1ZeroesIrrelevantWeights(t *testing.T) {
	weights := [][]float64{{2, -1.5}, {0, 0}, {-2, 1.5}} // columns 2..7 are noise
	X, y := labelled(1500, 8, weights, 9)
	for _, spec := range []linear.Candidate{l1(0.01), elastic(0.02, 0.9)} {
		m, err := linear.FitLogistic(X, y, 3, spec)
		require.NoError(t, err, spec.Name)
		var zeros int
		for _, row := range m.Coef {
			for j := 2; j < 8; j++ {
				if row[j] == 0 {
					zeros++
				}
			}
		}
		assert.Equal(t, 18, zeros, "%s: zeros among the 18 noise weights: %v", spec.Name, m.Coef)
		assert.True(t, m.Coef[0][0] > 0.5 && m.Coef[2][0] < -0.5, "%s: the relevant weights stay: %v", spec.Name, m.Coef)
	}
	m, err := linear.FitLogistic(X, y, 3, l2(0.01))
	require.NoError(t, err)
	for _, row := range m.Coef {
		for j, w := range row {
			assert.NotZero(t, w, "L2 weight %d", j)
		}
	}
}

// The same rows and options give byte-identical JSON, for every family
// and for cross-validation's scores and refit.
func TestLogisticDeterministic(t *testing.T) {
	X, y := labelled(600, 5, [][]float64{{1, 1}, {-1, 0.5}, {0, -1}}, 4)
	for _, spec := range []linear.Candidate{l2(1), l1(0.5), elastic(0.5, 0.5)} {
		var first []byte
		for range 3 {
			m, err := linear.FitLogistic(X, y, 3, spec)
			require.NoError(t, err)
			b, err := json.Marshal(m)
			require.NoError(t, err)
			if first == nil {
				first = b
			}
			assert.Equal(t, string(first), string(b), spec.Name)
		}
	}
	folds := stratified(y, 3, 5)
	a, err := linear.CrossValidateLogistic(X, y, 3, linear.LogisticGrid(), folds, linear.Options{})
	require.NoError(t, err)
	b, err := linear.CrossValidateLogistic(X, y, 3, linear.LogisticGrid(), folds, linear.Options{})
	require.NoError(t, err)
	for i := range a.Scores {
		assert.Equal(t, a.Scores[i].FoldLogLoss, b.Scores[i].FoldLogLoss, "candidate %d", i)
	}
}

// stratified deals each class's rows to k folds in turn.
func stratified(y []int, classes, k int) [][]int {
	folds := make([][]int, k)
	seen := make([]int, classes)
	for i, c := range y {
		folds[seen[c]%k] = append(folds[seen[c]%k], i)
		seen[c]++
	}
	return folds
}

// Cross-validation scores each fold as a fit on the other folds' rows
// would, and Refit is the fit on every row, bit for bit.
func TestCrossValidateLogisticMatchesFits(t *testing.T) {
	X, y := labelled(500, 3, [][]float64{{1.5, 0}, {0, 0}}, 8)
	n, p := X.Dims()
	folds := stratified(y, 2, 4)
	cands := linear.LogisticGrid()
	var seen []string
	cv, err := linear.CrossValidateLogistic(X, y, 2, cands, folds, linear.Options{
		Progress: func(family string, count int, _ time.Duration) { seen = append(seen, family) }})
	require.NoError(t, err)
	assert.Equal(t, []string{linear.LogisticL2, linear.LogisticL1, linear.LogisticElasticNet}, seen)
	for _, i := range []int{0, 3, 6, 9} {
		sc := cv.Scores[i]
		require.Empty(t, sc.Skipped, cands[i].Name)
		for f, val := range folds {
			in := map[int]bool{}
			for _, r := range val {
				in[r] = true
			}
			var rows []float64
			var ty []int
			for r := range n {
				if !in[r] {
					rows, ty = append(rows, X.RawRowView(r)...), append(ty, y[r])
				}
			}
			m, err := linear.FitLogistic(mat.NewDense(len(ty), p, rows), ty, 2, cands[i])
			require.NoError(t, err)
			vx := mat.NewDense(len(val), p, nil)
			vy := make([]int, len(val))
			for k, r := range val {
				vx.SetRow(k, X.RawRowView(r))
				vy[k] = y[r]
			}
			acc, loss := holdOut(t, m, vx, vy)
			assert.InDelta(t, loss, sc.FoldLogLoss[f], 1e-12, "%s fold %d log loss", cands[i].Name, f+1)
			assert.Equal(t, acc, sc.FoldAccuracy[f], "%s fold %d accuracy", cands[i].Name, f+1)
			// The metrics package, which the search will score with,
			// agrees (its clipping at 2⁻⁵² never binds here).
			proba := make([][]float64, len(val))
			for k := range val {
				proba[k], err = m.PredictProba(vx.RawRowView(k), nil)
				require.NoError(t, err)
			}
			c, err := metrics.EvaluateClassification(vy, proba, 1)
			require.NoError(t, err)
			assert.InDelta(t, c.LogLoss, sc.FoldLogLoss[f], 1e-12, "%s fold %d: metrics.LogLoss", cands[i].Name, f+1)
			assert.Equal(t, c.Accuracy, sc.FoldAccuracy[f], "%s fold %d: metrics.Accuracy", cands[i].Name, f+1)
		}
		whole, err := linear.FitLogistic(X, y, 2, cands[i])
		require.NoError(t, err)
		refit, err := cv.Refit(i)
		require.NoError(t, err)
		assert.Equal(t, whole, refit, cands[i].Name)
	}
	// Scores reward the relevant feature: the best log loss beats the
	// class prior's by far.
	assert.Less(t, mean(cv.Scores[3].FoldLogLoss), 0.6)
}

func mean(v []float64) float64 {
	var s float64
	for _, x := range v {
		s += x
	}
	return s / float64(len(v))
}

// Bad input is refused with an error naming what is wrong.
func TestLogisticRefusesBadInput(t *testing.T) {
	X, y := labelled(60, 2, [][]float64{{1, 0}, {-1, 0}}, 2)
	nan := mat.DenseCopyOf(X)
	nan.Set(4, 1, math.NaN())
	one := make([]int, 60)
	folds := stratified(y, 2, 3)
	for _, tc := range []struct {
		name string
		err  func() error
		want string
	}{
		{"one class", func() error { _, err := linear.FitLogistic(X, one, 2, l2(1)); return err }, "class 1 of 2 has no rows"},
		{"one class declared", func() error { _, err := linear.FitLogistic(X, one, 1, l2(1)); return err }, "1 classes: a classifier needs at least 2"},
		{"NaN", func() error { _, err := linear.FitLogistic(nan, y, 2, l2(1)); return err }, "row 4, feature 1: NaN is not a finite number"},
		{"targets", func() error { _, err := linear.FitLogistic(X, y[:10], 2, l2(1)); return err }, "10 targets for 60 rows"},
		{"class out of range", func() error {
			bad := append([]int(nil), y...)
			bad[3] = 2
			_, err := linear.FitLogistic(X, bad, 2, l2(1))
			return err
		}, "row 3: class 2 is not in 0..1"},
		{"C", func() error { _, err := linear.FitLogistic(X, y, 2, l2(0)); return err }, "parameter C must be a positive finite number"},
		{"l1_ratio", func() error { _, err := linear.FitLogistic(X, y, 2, elastic(1, 1.5)); return err }, "parameter l1_ratio must be in [0, 1]"},
		{"regression family", func() error {
			_, err := linear.FitLogistic(X, y, 2, linear.Candidate{Name: "ols", Family: linear.OLS})
			return err
		}, `family "ols" is not a logistic regression`},
		{"fold overlap", func() error {
			_, err := linear.CrossValidateLogistic(X, y, 2, []linear.Candidate{l2(1)}, [][]int{folds[0], folds[1], append([]int{0}, folds[2]...)}, linear.Options{})
			return err
		}, "already in fold"},
		{"fold gap", func() error {
			_, err := linear.CrossValidateLogistic(X, y, 2, []linear.Candidate{l2(1)}, folds[:2], linear.Options{})
			return err
		}, "is in no fold: the folds must cover all 60 rows"},
		{"class in one fold", func() error {
			rare := append([]int(nil), y...)
			for i := range rare {
				rare[i] = 0
			}
			rare[folds[1][0]] = 1
			_, err := linear.CrossValidateLogistic(X, rare, 2, []linear.Candidate{l2(1)}, folds, linear.Options{})
			return err
		}, "fold 2: class 1 has no training rows"},
		{"too wide", func() error {
			_, err := linear.FitLogistic(mat.NewDense(3, 700, nil), []int{0, 1, 2}, 3, l2(1))
			return err
		}, "3 classes × 700 features make 2103 parameters; the Newton solver takes at most 2048"},
		{"width", func() error {
			m := &linear.Logistic{Classes: 2, Intercept: []float64{0}, Coef: [][]float64{{1, 2}}}
			_, err := m.PredictProba([]float64{1, 2, 3}, nil)
			return err
		}, "3 values for 2 features"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			err := tc.err()
			require.Error(t, err)
			assert.Contains(t, err.Error(), tc.want)
		})
	}
}

// A model from untrusted JSON is checked before use.
func TestLogisticValidate(t *testing.T) {
	good := `{"classes":3,"intercept":[0,1,2],"coef":[[1,2],[3,4],[5,6]]}`
	var m linear.Logistic
	require.NoError(t, json.Unmarshal([]byte(good), &m))
	require.NoError(t, m.Validate(2))
	for _, tc := range []struct{ json, want string }{
		{`{"classes":3,"intercept":[0,1,2],"coef":[[1,2],[3,4],[5,6]]}`, "row 0 has 2 coefficients for 3 features"},
		{`{"classes":1,"intercept":[0],"coef":[[1,2,3]]}`, "1 classes; it needs at least 2"},
		{`{"classes":2,"intercept":[0,1],"coef":[[1,2,3],[1,2,3]]}`, "has 2 coefficient rows and 2 intercepts; want 1 of each"},
		{`{"classes":3,"intercept":[0,1],"coef":[[1,2,3],[1,2,3],[1,2,3]]}`, "3 coefficient rows and 2 intercepts"},
	} {
		var bad linear.Logistic
		require.NoError(t, json.Unmarshal([]byte(tc.json), &bad))
		err := bad.Validate(3)
		require.Error(t, err, tc.json)
		assert.Contains(t, err.Error(), tc.want)
	}
	inf := linear.Logistic{Classes: 2, Intercept: []float64{0}, Coef: [][]float64{{1, math.Inf(1), 3}}}
	assert.ErrorContains(t, inf.Validate(3), "coefficient 1 of row 0 is not finite")
}
