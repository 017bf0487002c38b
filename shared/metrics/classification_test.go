package metrics_test

import (
	"errors"
	"math"
	"math/rand/v2"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"github.com/studentperf/studentperf/shared/metrics"
)

// randomCase draws n rows of k classes with probabilities that carry some
// skill, rounded to steps of 1/grid (0: not rounded) so scores tie.
func randomCase(rng *rand.Rand, n, k, grid int) ([]int, [][]float64) {
	y := make([]int, n)
	p := make([][]float64, n)
	for i := range y {
		y[i] = rng.IntN(k)
		row := make([]float64, k)
		var s float64
		for c := range row {
			row[c] = rng.Float64()
			if c == y[i] {
				row[c] += rng.Float64()
			}
			if grid > 0 {
				row[c] = math.Round(row[c]*float64(grid)) + 1
			}
			s += row[c]
		}
		for c := range row {
			row[c] /= s
		}
		p[i] = row
	}
	return y, p
}

func oneHot(y []int, k int) [][]float64 {
	p := make([][]float64, len(y))
	for i, c := range y {
		p[i] = make([]float64, k)
		p[i][c] = 1
	}
	return p
}

func TestPerfectPredictions(t *testing.T) {
	for _, k := range []int{2, 3, 5} {
		y := []int{0, 1, 1, 0, 1}
		for i := range y {
			y[i] = (y[i] + i) % k
		}
		c, err := metrics.EvaluateClassification(y, oneHot(y, k), 1)
		require.NoError(t, err, "k %d", k)
		assert.Less(t, c.LogLoss, 1e-15, "k %d", k)
		assert.Equal(t, 0.0, c.Brier, "k %d", k)
		for name, v := range c.Named() {
			if name != "log_loss" && name != "brier" {
				assert.Equal(t, 1.0, v, "%s of k %d", name, k)
			}
		}
		for cl, row := range c.Confusion {
			for j, n := range row {
				if cl != j {
					assert.Zero(t, n, "confusion[%d][%d] of k %d", cl, j, k)
				}
			}
		}
	}
}

func TestCertainWrongCostsClippedLog(t *testing.T) {
	_, err := metrics.EvaluateClassification([]int{0}, [][]float64{{0, 1}}, 1)
	require.ErrorIs(t, err, metrics.ErrUndefined, "one class among the rows: ROC AUC is undefined")
	c, err := metrics.EvaluateClassification([]int{0, 1}, [][]float64{{0, 1}, {1, 0}}, 1)
	require.NoError(t, err)
	assert.InDelta(t, -math.Log(metrics.LogLossEpsilon), c.LogLoss, 1e-12)
	assert.Equal(t, 0.0, c.ROCAUC)
	assert.Equal(t, 0.0, c.Accuracy)
	assert.Equal(t, 0.0, c.F1)    // no true positive: zero_division=0
	assert.Equal(t, 1.0, c.Brier) // binary: (p_pos − y)²
}

func TestConstantPredictions(t *testing.T) {
	rng := rand.New(rand.NewPCG(3, 4))
	y, _ := randomCase(rng, 200, 2, 0)
	y[0], y[1] = 0, 1
	c, err := metrics.Baseline(y, []float64{0.3, 0.7}, 1)
	require.NoError(t, err)
	var positives float64
	for _, v := range y {
		if v == 1 {
			positives++
		}
	}
	rate := positives / float64(len(y))
	assert.Equal(t, 0.5, c.ROCAUC, "a constant score ranks nothing")
	assert.InDelta(t, rate, c.PRAUC, 1e-15, "average precision of a constant score is the positive rate")
	assert.InDelta(t, rate, c.Accuracy, 1e-15, "always class 1")
	assert.Equal(t, 0.5, c.BalancedAccuracy)
	assert.InDelta(t, (1-rate)*0.49+rate*0.09, c.Brier, 1e-12)
	constant := make([][]float64, len(y))
	for i := range constant {
		constant[i] = []float64{0.3, 0.7}
	}
	roc, err := metrics.ROCCurve(y, constant, 1)
	require.NoError(t, err)
	assert.Equal(t, []float64{0, 1}, roc.FPR)
	assert.Equal(t, []float64{0, 1}, roc.TPR)
}

func TestPermutationInvariance(t *testing.T) {
	rng := rand.New(rand.NewPCG(5, 6))
	for _, k := range []int{2, 4} {
		y, p := randomCase(rng, 300, k, 8)
		want, err := metrics.EvaluateClassification(y, p, 1)
		require.NoError(t, err)
		wantROC, err := metrics.ROCCurve(y, p, 1)
		require.NoError(t, err)
		perm := rng.Perm(len(y))
		y2, p2 := make([]int, len(y)), make([][]float64, len(y))
		for i, j := range perm {
			y2[i], p2[i] = y[j], p[j]
		}
		got, err := metrics.EvaluateClassification(y2, p2, 1)
		require.NoError(t, err)
		for name, v := range want.Named() {
			assert.InDelta(t, v, got.Named()[name], 1e-12, "%s of k %d", name, k)
		}
		assert.Equal(t, want.Confusion, got.Confusion)
		gotROC, err := metrics.ROCCurve(y2, p2, 1)
		require.NoError(t, err)
		assert.Equal(t, wantROC, gotROC, "ROC of k %d", k)
	}
}

func TestReversedScoresFlipAUC(t *testing.T) {
	rng := rand.New(rand.NewPCG(7, 8))
	y, p := randomCase(rng, 150, 2, 10)
	swapped := make([][]float64, len(p))
	for i, row := range p {
		swapped[i] = []float64{row[1], row[0]}
	}
	a, err := metrics.ROCAUC(y, p, 1)
	require.NoError(t, err)
	b, err := metrics.ROCAUC(y, swapped, 1)
	require.NoError(t, err)
	assert.InDelta(t, 1, a+b, 1e-12, "AUC %v and reversed %v", a, b)
	assert.Greater(t, a, 0.5, "the scores carry skill")
}

func TestReliabilityBins(t *testing.T) {
	rng := rand.New(rand.NewPCG(9, 10))
	y, p := randomCase(rng, 500, 3, 10)
	bins, err := metrics.Reliability(y, p, 2, 10)
	require.NoError(t, err)
	var n int
	var sum, wantSum float64
	for _, b := range bins {
		n += b.Count
		sum += b.MeanPredicted * float64(b.Count)
		assert.True(t, b.MeanPredicted > b.Lo-1e-15 && b.MeanPredicted <= b.Hi, "mean %v outside (%v, %v]", b.MeanPredicted, b.Lo, b.Hi)
	}
	for _, row := range p {
		wantSum += row[2]
	}
	assert.Equal(t, len(y), n)
	assert.InDelta(t, wantSum, sum, 1e-9)
	// A probability on an edge goes to the lower bin.
	bins, err = metrics.Reliability([]int{1, 0}, [][]float64{{0.8, 0.2}, {0.6, 0.4}}, 1, 5)
	require.NoError(t, err)
	require.Len(t, bins, 2)
	assert.Equal(t, 0.0, bins[0].Lo)
	assert.Equal(t, 1.0, bins[0].Observed)
	assert.InDelta(t, 0.2, bins[1].Lo, 1e-15)
}

// TestChooseThresholdBruteForce checks the sweep against evaluating every
// candidate's decisions in full, with ties resolved as documented.
func TestChooseThresholdBruteForce(t *testing.T) {
	rng := rand.New(rand.NewPCG(11, 12))
	for trial := range 40 {
		y, p := randomCase(rng, 5+rng.IntN(60), 2, []int{0, 3, 10}[trial%3])
		y[0], y[1] = 0, 1
		pos := trial % 2
		scores := map[float64]bool{}
		for _, row := range p {
			scores[row[pos]] = true
		}
		var cands []float64
		lo, hi := 2.0, -1.0
		for s := range scores {
			lo, hi = min(lo, s), max(hi, s)
			next := 2.0
			for u := range scores {
				if u > s && u < next {
					next = u
				}
			}
			if next <= 1 {
				cands = append(cands, (s+next)/2)
			}
		}
		cands = append(cands, lo, math.Nextafter(hi, 2))
		for _, m := range []metrics.Metric{metrics.MetricF1, metrics.MetricBalancedAccuracy, metrics.MetricAccuracy} {
			got, err := metrics.ChooseThreshold(y, p, pos, m)
			require.NoError(t, err)
			best, bestT := -1.0, 0.0
			for _, t0 := range cands {
				c, err := metrics.EvaluateLabels(y, metrics.ThresholdLabels(p, pos, t0), p, pos)
				require.NoError(t, err)
				v, err := c.Value(m)
				require.NoError(t, err)
				d, bd := math.Abs(t0-0.5), math.Abs(bestT-0.5)
				if v > best+1e-12 || v > best-1e-12 && (d < bd || d == bd && t0 < bestT) {
					best, bestT = max(v, best), t0
				}
			}
			assert.Equal(t, bestT, got.Threshold, "trial %d %s", trial, m)
			assert.InDelta(t, best, got.Value, 1e-12, "trial %d %s", trial, m)
			assert.Equal(t, m, got.Metric)
		}
	}
}

func TestMetricNames(t *testing.T) {
	for _, m := range metrics.Metrics {
		got, err := metrics.ParseMetric(string(m))
		require.NoError(t, err)
		assert.Equal(t, m, got)
		assert.Equal(t, m != metrics.MetricLogLoss, m.GreaterIsBetter(), "%s", m)
		assert.NoError(t, m.Check(2))
		if m.BinaryOnly() {
			assert.Error(t, m.Check(3), "%s with 3 classes", m)
		}
	}
	_, err := metrics.ParseMetric("auc")
	require.ErrorContains(t, err, `"auc" is not one of log_loss, accuracy, balanced_accuracy, roc_auc, f1, macro_f1`)
	assert.True(t, metrics.MetricLogLoss.Better(0.2, 0.3))
	assert.False(t, metrics.MetricAccuracy.Better(0.3, 0.3))
	assert.True(t, metrics.MetricLogLoss.Meets(0.3, 0.3))
	assert.False(t, metrics.MetricMacroF1.Meets(0.29, 0.3))
}

func TestBeatsBaseline(t *testing.T) {
	rng := rand.New(rand.NewPCG(13, 14))
	for _, k := range []int{2, 3} {
		y, p := randomCase(rng, 200, k, 0)
		model, err := metrics.EvaluateClassification(y, p, 1)
		require.NoError(t, err)
		prior, err := metrics.Prior(y, k)
		require.NoError(t, err)
		base, err := metrics.Baseline(y, prior, 1)
		require.NoError(t, err)
		for _, m := range metrics.Metrics {
			if m.BinaryOnly() && k != 2 {
				_, err := metrics.BeatsBaseline(m, model, base)
				assert.Error(t, err, "%s of %d classes", m, k)
				continue
			}
			ok, err := metrics.BeatsBaseline(m, model, base)
			require.NoError(t, err)
			assert.True(t, ok, "%s of %d classes: a model with skill beats the prior", m, k)
			ok, err = metrics.BeatsBaseline(m, base, base)
			require.NoError(t, err)
			assert.False(t, ok, "%s: the baseline does not beat itself", m)
		}
	}
}

func TestClassificationErrors(t *testing.T) {
	good := [][]float64{{0.4, 0.6}, {0.7, 0.3}}
	for _, tt := range []struct {
		name string
		y    []int
		p    [][]float64
		pos  int
		want string
	}{
		{"no rows", nil, nil, 1, "no rows"},
		{"lengths differ", []int{0}, good, 1, "2 probability rows for 1 rows"},
		{"one column", []int{0}, [][]float64{{1}}, 0, "at least 2"},
		{"ragged", []int{0, 1}, [][]float64{{0.5, 0.5}, {1}}, 1, "row 1 has 1 columns; want 2"},
		{"NaN", []int{0, 1}, [][]float64{{math.NaN(), 1}, {0.5, 0.5}}, 1, "NaN of class 0 in row 0 is not in [0, 1]"},
		{"negative", []int{0, 1}, [][]float64{{-0.1, 1.1}, {0.5, 0.5}}, 1, "not in [0, 1]"},
		{"sum", []int{0, 1}, [][]float64{{0.5, 0.4}, {0.5, 0.5}}, 1, "row 0 sums to 0.9, not 1"},
		{"class too big", []int{0, 2}, good, 1, "class 2 of row 1 is not in 0..1"},
		{"negative class", []int{-1, 0}, good, 1, "class -1 of row 0"},
		{"bad positive", []int{0, 1}, good, 2, "positive class 2 is not 0 or 1"},
		{"one class present", []int{1, 1}, good, 1, "needs rows of it and of another class"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			var err error
			require.NotPanics(t, func() { _, err = metrics.EvaluateClassification(tt.y, tt.p, tt.pos) })
			require.ErrorContains(t, err, tt.want)
		})
	}
	_, err := metrics.EvaluateClassification([]int{0, 0}, [][]float64{{0.5, 0.5}, {0.5, 0.5}}, 1)
	assert.True(t, errors.Is(err, metrics.ErrUndefined), "one class: %v", err)
	// Three classes, one absent: defined (the binary metrics are not computed).
	_, err = metrics.EvaluateClassification([]int{0, 0}, [][]float64{{0.5, 0.3, 0.2}, {0.1, 0.6, 0.3}}, -1)
	assert.NoError(t, err)
	_, err = metrics.EvaluateLabels([]int{0, 1}, []int{0, 3}, good, 1)
	assert.ErrorContains(t, err, "predicted class 3 of row 1")
	_, err = metrics.ChooseThreshold([]int{0, 1}, good, 1, metrics.MetricLogLoss)
	assert.ErrorContains(t, err, "not \"log_loss\"")
	_, err = metrics.ChooseThreshold([]int{0, 1}, [][]float64{{0.5, 0.3, 0.2}, {0.1, 0.6, 0.3}}, 1, metrics.MetricF1)
	assert.ErrorContains(t, err, "two classes, not 3")
	_, err = metrics.Reliability([]int{0, 1}, good, 1, 0)
	assert.ErrorContains(t, err, "0 reliability bins")
	_, err = metrics.Prior([]int{0, 5}, 3)
	assert.ErrorContains(t, err, "class 5 of row 1")
}
