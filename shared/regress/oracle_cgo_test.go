//go:build cgo

package regress_test

// An independent oracle: golearn's LinearRegression, a different
// implementation (QR of the full design with an intercept column, then
// back substitution) from a different code base. golearn's linear_models
// package links liblinear through cgo, so this file builds only with cgo;
// with CGO_ENABLED=0 it is left out and the rest of the package's tests
// still run.

import (
	"testing"

	"github.com/sjwhitworth/golearn/base"
	"github.com/sjwhitworth/golearn/linear_models"
	"github.com/studentperf/studentperf/shared/regress"
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
	if err := g.AddClassAttribute(class); err != nil {
		tb.Fatalf("AddClassAttribute: %v", err)
	}
	if err := g.Extend(n); err != nil {
		tb.Fatalf("Extend(%d): %v", n, err)
	}
	for i := range n {
		for k, j := range cols {
			// PackFloatToBytes stores the float64's bits: no rounding.
			g.Set(specs[k], i, base.PackFloatToBytes(X.At(i, j)))
		}
		g.Set(classSpec, i, base.PackFloatToBytes(y[i]))
	}
	return g
}

func TestOracleGolearnOLS(t *testing.T) {
	f := fitTrainTest(t)

	// golearn factorises [1 X] with an unpivoted QR and divides by R's
	// diagonal, so it cannot take the full one-hot design: with the
	// intercept, each category's indicator columns sum to a constant, R has
	// a (near) zero on its diagonal and the coefficients blow up. Dropping
	// the first level of every category (reference coding) leaves a
	// full-rank design with the same column space, hence the same OLS
	// predictions; that is the design golearn gets. regress gets the full
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
	if want := f.tr.Width() - len(f.tr.Categorical); len(cols) != want {
		t.Fatalf("reduced design has %d columns; want %d", len(cols), want)
	}

	lr := linear_models.NewLinearRegression()
	if err := lr.Fit(golearnGrid(t, names, f.xTrain, cols, f.train.Target)); err != nil {
		t.Fatalf("golearn Fit: %v", err)
	}
	test := golearnGrid(t, names, f.xTest, cols, f.test.Target)
	pred, err := lr.Predict(test)
	if err != nil {
		t.Fatalf("golearn Predict: %v", err)
	}
	predClass, err := pred.GetAttribute(pred.AllClassAttributes()[0])
	if err != nil {
		t.Fatalf("prediction attribute: %v", err)
	}
	_, n := pred.Size()
	want := make([]float64, n)
	for i := range n {
		want[i] = base.UnpackBytesToFloat(pred.Get(predClass, i))
	}

	m, err := regress.Fit(f.xTrain, f.train.Target, regress.Spec{Name: "ols", Family: regress.OLS})
	if err != nil {
		t.Fatalf("regress Fit: %v", err)
	}
	got := predictAll(m, f.xTest)
	if len(got) != n {
		t.Fatalf("golearn predicted %d rows; regress %d", n, len(got))
	}
	const tol = 1e-6
	var worst float64
	for i := range got {
		d := got[i] - want[i]
		if d < 0 {
			d = -d
		}
		worst = max(worst, d)
		if d > tol {
			t.Errorf("test row %d: regress predicts %.10f; golearn %.10f (tolerance %g)", i+1, got[i], want[i], tol)
		}
	}
	t.Logf("largest difference from golearn over %d test rows: %.3g", n, worst)
}
