package linear

import (
	"errors"
	"math"
	"math/rand/v2"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"gonum.org/v1/gonum/mat"
)

// classRows draws n rows of p standard normal features and a class in
// 0..k-1 from a softmax of random true weights; the result depends only on
// its arguments.
func classRows(n, p, k int, seed uint64) (*mat.Dense, []int) {
	rng := rand.New(rand.NewPCG(seed, seed^0x9e3779b97f4a7c15))
	w := make([]float64, k*p)
	for i := range w {
		w[i] = rng.NormFloat64()
	}
	X := mat.NewDense(n, p, nil)
	y := make([]int, n)
	z := make([]float64, k)
	for i := range n {
		row := X.RawRowView(i)
		for j := range row {
			row[j] = rng.NormFloat64()
		}
		for c := range k {
			z[c] = dot(w[c*p:(c+1)*p], row)
		}
		lse, u := logSumExp(z), rng.Float64()
		for c := range k {
			if u -= math.Exp(z[c] - lse); u < 0 || c == k-1 {
				y[i] = c
				break
			}
		}
	}
	return X, y
}

// The gradient and Hessian of the smooth objective (log loss, L2 penalty,
// intercept-sum term) against central finite differences of its value.
func TestLogisticGradientMatchesFiniteDifferences(t *testing.T) {
	for _, k := range []int{2, 3, 4} {
		X, y := classRows(60, 4, k, uint64(k))
		pr := newLogitProblem(X, y, k, 0.5, 0.3)
		rng := rand.New(rand.NewPCG(7, 7))
		theta := make([]float64, pr.d)
		for j := range theta {
			theta[j] = rng.NormFloat64()
		}
		g, h := make([]float64, pr.d), make([]float64, pr.d*pr.d)
		pr.smooth(theta, g, h)
		const step = 1e-5
		plus, minus := make([]float64, pr.d), make([]float64, pr.d)
		gp, gm := make([]float64, pr.d), make([]float64, pr.d)
		for j := range theta {
			copy(plus, theta)
			copy(minus, theta)
			plus[j] += step
			minus[j] -= step
			fd := (pr.smooth(plus, gp, nil) - pr.smooth(minus, gm, nil)) / (2 * step)
			assert.InDelta(t, fd, g[j], 1e-7*math.Max(1, math.Abs(fd)), "k=%d: gradient %d", k, j)
			for m := range theta {
				hd := (gp[m] - gm[m]) / (2 * step)
				assert.InDelta(t, hd, h[j*pr.d+m], 1e-6*math.Max(1, math.Abs(hd)), "k=%d: Hessian (%d, %d)", k, j, m)
			}
		}
	}
}

// On two classes, a softmax with two weight rows under an L2 penalty at C
// is the binary logit at 2C (its weights are ±v/2 of the logit's v), and
// under an L1 penalty at C the logit at C: the binary convention loses
// nothing.
func TestLogisticMultinomialAgreesWithBinary(t *testing.T) {
	X, y := classRows(300, 5, 2, 11)
	for _, tc := range []struct {
		l1Ratio, multiC, binaryC float64
	}{{0, 0.3, 0.6}, {1, 0.3, 0.3}} {
		bin, err := newLogitProblem(X, y, 2, tc.binaryC, tc.l1Ratio).solve()
		require.NoError(t, err)
		pr := newLogitRows(X, y, 2, 2, tc.multiC, tc.l1Ratio) // the softmax form of two classes
		multi, err := pr.solve()
		require.NoError(t, err)
		P := pr.p + 1
		for j := range P {
			assert.InDelta(t, bin[j], multi[P+j]-multi[j], 1e-6, "l1_ratio %g: parameter %d", tc.l1Ratio, j)
		}
	}
}

// A fit that reaches its iteration cap fails with ErrNotConverged, and
// cross-validation skips the candidate, naming the fold and the reason.
func TestLogisticNotConvergedIsSkipped(t *testing.T) {
	saved := logitMaxNewton
	t.Cleanup(func() { logitMaxNewton = saved })
	logitMaxNewton = 1
	X, y := classRows(200, 3, 3, 5)
	spec := Candidate{Name: "logistic(C=1)", Family: LogisticL2, Params: map[string]float64{"C": 1}}
	_, err := FitLogistic(X, y, 3, spec)
	require.Error(t, err)
	assert.True(t, errors.Is(err, ErrNotConverged), "got %v; want ErrNotConverged", err)
	assert.Contains(t, err.Error(), `candidate "logistic(C=1)": did not converge in 1 Newton steps`)

	folds := [][]int{{}, {}}
	for i := range y {
		folds[i%2] = append(folds[i%2], i)
	}
	cv, err := CrossValidateLogistic(X, y, 3, []Candidate{spec}, folds, Options{})
	require.NoError(t, err)
	assert.Nil(t, cv.Scores[0].FoldLogLoss)
	assert.Contains(t, cv.Scores[0].Skipped, "fold 1: candidate \"logistic(C=1)\": did not converge")
}

// minShift finds the minimum of its piecewise quadratic: no point of a
// fine grid does better.
func TestMinShiftIsTheMinimum(t *testing.T) {
	rng := rand.New(rand.NewPCG(3, 4))
	for trial := range 200 {
		u := make([]float64, 2+trial%4)
		for c := range u {
			u[c] = rng.NormFloat64()
		}
		alpha, l1 := rng.NormFloat64(), rng.Float64()
		beta := []float64{0, 1e-3, 0.5, 2}[trial%4]
		if beta == 0 {
			alpha = math.Min(math.Abs(alpha), l1*float64(len(u))) * math.Copysign(0.9, alpha) // bounded below
		}
		phi := func(t float64) float64 {
			v := alpha*t + beta*t*t/2
			for _, uc := range u {
				v += l1 * math.Abs(uc+t)
			}
			return v
		}
		best := phi(minShift(alpha, beta, l1, u))
		for t0 := -10.0; t0 <= 10; t0 += 1e-2 {
			require.LessOrEqual(t, best, phi(t0)+1e-12, "trial %d: φ(%g) beats the minimum", trial, t0)
		}
	}
}
