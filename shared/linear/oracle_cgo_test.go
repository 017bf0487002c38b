//go:build cgo

package linear_test

// An independent oracle: golearn's LinearRegression, a different
// implementation (QR of the full design with an intercept column, then
// back substitution) from a different code base. golearn's linear_models
// package links liblinear through cgo, so this file builds only with cgo;
// with CGO_ENABLED=0 it is left out and the rest of the package's tests
// still run.

import (
	"math"
	"testing"

	"github.com/sjwhitworth/golearn/base"
	"github.com/sjwhitworth/golearn/linear_models"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"github.com/studentperf/studentperf/shared/linear"
	"github.com/studentperf/studentperf/shared/testkit/modeltest"
	"gonum.org/v1/gonum/mat"
)

// golearnGrid builds golearn instances holding the given columns of X as
// float attributes, in order, and y as the class attribute.
func golearnGrid(tb testing.TB, names []string, X *mat.Dense, cols []int, y []float64) *base.DenseInstances {
	tb.Helper()
	n, _ := X.Dims()
	g := base.NewDenseInstances()
	specs := make([]base.AttributeSpec, len(cols))
	for k, j := range cols {
		specs[k] = g.AddAttribute(base.NewFloatAttribute(names[j]))
	}
	class := base.NewFloatAttribute("math_score")
	classSpec := g.AddAttribute(class)
	require.NoError(tb, g.AddClassAttribute(class), "AddClassAttribute")
	require.NoError(tb, g.Extend(n), "Extend(%d)", n)
	for i := range n {
		for k, j := range cols {
			// PackFloatToBytes stores the float64's bits: no rounding.
			g.Set(specs[k], i, base.PackFloatToBytes(X.At(i, j)))
		}
		g.Set(classSpec, i, base.PackFloatToBytes(y[i]))
	}
	return g
}

func init() { golearnOracle = checkGolearnOLS }

// TestOracleGolearnOLS runs the oracle on the embedded sample, split as
// train splits it; TestOriginalFigures runs it on the original's split.
func TestOracleGolearnOLS(t *testing.T) {
	train, test := modeltest.Split(t, "sample", 42)
	checkGolearnOLS(t, fitSplit(t, train, test))
}

// checkGolearnOLS fits golearn's and linear's OLS on f's training rows
// and checks that they predict f's test rows alike.
func checkGolearnOLS(t *testing.T, f fitted) {

	// golearn factorises [1 X] with an unpivoted QR and divides by R's
	// diagonal, so it cannot take the full one-hot design: with the
	// intercept, each category's indicator columns sum to a constant, R has
	// a (near) zero on its diagonal and the coefficients blow up. Dropping
	// the first level of every category (reference coding) leaves a
	// full-rank design with the same column space, hence the same OLS
	// predictions; that is the design golearn gets. linear gets the full
	// design, as in production, and its minimum-norm solution must predict
	// the same.
	names := f.tr.Names()
	var cols []int
	for j := range f.tr.Numeric {
		cols = append(cols, j)
	}
	k := len(f.tr.Numeric)
	for _, c := range f.tr.Categorical {
		for l := 1; l < len(c.Levels); l++ {
			cols = append(cols, k+l)
		}
		k += len(c.Levels)
	}
	require.Len(t, cols, f.tr.Width()-len(f.tr.Categorical), "columns of the reduced design")

	lr := linear_models.NewLinearRegression()
	require.NoError(t, lr.Fit(golearnGrid(t, names, f.xTrain, cols, f.train.Target)), "golearn Fit")
	test := golearnGrid(t, names, f.xTest, cols, f.test.Target)
	pred, err := lr.Predict(test)
	require.NoError(t, err, "golearn Predict")
	predClass, err := pred.GetAttribute(pred.AllClassAttributes()[0])
	require.NoError(t, err, "prediction attribute")
	_, n := pred.Size()
	want := make([]float64, n)
	for i := range n {
		want[i] = base.UnpackBytesToFloat(pred.Get(predClass, i))
	}

	m, err := linear.Fit(f.xTrain, f.train.Target, linear.Candidate{Name: "ols", Family: linear.OLS})
	require.NoError(t, err, "linear.Fit")
	got := predictAll(m, f.xTest)
	require.Len(t, got, n, "rows golearn predicted")
	const tol = 1e-6
	var worst float64
	for i := range got {
		worst = max(worst, math.Abs(got[i]-want[i]))
		assert.InDelta(t, want[i], got[i], tol, "test row %d: linear vs golearn", i+1)
	}
	t.Logf("largest difference from golearn over %d test rows: %.3g", n, worst)
}
