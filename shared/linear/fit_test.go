package linear_test

import (
	"fmt"
	"math"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"github.com/studentperf/studentperf/shared/linear"
	"gonum.org/v1/gonum/mat"
)

var olsSpec = linear.Candidate{Name: "ols", Family: linear.OLS}

func TestFitOLSRecoversKnownCoefficients(t *testing.T) {
	// Noiseless: y is exactly linear in X, so OLS must give back the
	// coefficients up to rounding.
	pr := synthetic(200, 3, []float64{1.5, -2, 0.5, 4, -0.25}, 0, 1)
	m, err := linear.Fit(pr.X, pr.y, olsSpec)
	require.NoError(t, err, "Fit")
	const tol = 1e-9
	checkNear(t, "coef", m.Coef, pr.coef, tol)
	assertNear(t, pr.intercept, m.Intercept, tol, "intercept")
}

func TestFitOLSMatchesQR(t *testing.T) {
	// With noise the answer is the least-squares solution, which gonum's
	// QR-based Dense.Solve finds on [1 X] independently of the package.
	pr := synthetic(150, -7, []float64{0.3, 2, -1, 0}, 2, 2)
	m, err := linear.Fit(pr.X, pr.y, olsSpec)
	require.NoError(t, err, "Fit")
	n, p := pr.X.Dims()
	a := mat.NewDense(n, p+1, nil)
	for i := range n {
		a.Set(i, 0, 1)
		for j := range p {
			a.Set(i, j+1, pr.X.At(i, j))
		}
	}
	var w mat.Dense
	require.NoError(t, w.Solve(a, mat.NewDense(n, 1, pr.y)), "Dense.Solve")
	const tol = 1e-9
	assertNear(t, w.At(0, 0), m.Intercept, tol, "intercept")
	checkNear(t, "coef", m.Coef, mat.Col(nil, 0, &w)[1:], tol)
}

func TestFitUncentredColumns(t *testing.T) {
	// Columns far from 0 (think timestamps or incomes): the fit must not
	// depend on where the columns sit. Search shifts the rows by their
	// means before accumulating moments (see moments.go) and its refit
	// matches QR to about 1e-11 here; Fit accumulates them unshifted, and
	// the centring then cancels catastrophically: at offset 1e6 the
	// coefficients are off by about 1e-3 (2.0009 for 1.9981), at 1e7 by 10%.
	for _, off := range []float64{1e3, 1e5, 1e6, 1e7} {
		n := 200
		a, b, e := normals(n, 0, 1, 1), normals(n, 0, 1, 2), normals(n, 0, 1, 3)
		X := mat.NewDense(n, 2, nil)
		y := make([]float64, n)
		A := mat.NewDense(n, 3, nil)
		for i := range n {
			X.SetRow(i, []float64{a[i] + off, b[i] - off})
			A.SetRow(i, []float64{1, a[i] + off, b[i] - off})
			y[i] = 2*a[i] - 3*b[i] + 0.1*e[i]
		}
		var w mat.Dense
		require.NoError(t, w.Solve(A, mat.NewDense(n, 1, y)), "Dense.Solve")
		m, err := linear.Fit(X, y, olsSpec)
		require.NoError(t, err, "offset %g: Fit", off)
		checkNear(t, fmt.Sprintf("offset %g: coef", off), m.Coef, mat.Col(nil, 0, &w)[1:], 1e-8)
	}
}

// ridgeClosedForm solves (XcᵀXc + αI)w = Xcᵀyc with a general LU solve on
// the centred rows, and returns the intercept ȳ − x̄ᵀw and w.
func ridgeClosedForm(tb testing.TB, X *mat.Dense, y []float64, alpha float64) (float64, []float64) {
	tb.Helper()
	xc, yc, mx, my := centred(X, y)
	_, p := X.Dims()
	var a mat.Dense
	a.Mul(xc.T(), xc)
	for j := range p {
		a.Set(j, j, a.At(j, j)+alpha)
	}
	var b mat.VecDense
	b.MulVec(xc.T(), mat.NewVecDense(len(yc), yc))
	var w mat.VecDense
	require.NoError(tb, w.SolveVec(&a, &b), "SolveVec")
	coef := mat.Col(nil, 0, &w)
	b0 := my
	for j, v := range coef {
		b0 -= mx[j] * v
	}
	return b0, coef
}

func TestFitRidgeMatchesClosedForm(t *testing.T) {
	wide := synthetic(120, 4, []float64{1, -1, 2, 0.5, -3, 0}, 3, 3)
	xh, yh := oneHot(90, 4)
	for _, tt := range []struct {
		name string
		X    *mat.Dense
		y    []float64
	}{
		{"numeric", wide.X, wide.y},
		{"collinear one-hot", xh, yh}, // ridge is unique even where OLS is not
	} {
		for _, alpha := range []float64{1e-3, 0.1, 1, 10, 100, 1e4} {
			m, err := linear.Fit(tt.X, tt.y, spec(linear.Ridge, alpha))
			require.NoError(t, err, "%s, alpha %g: Fit", tt.name, alpha)
			b0, w := ridgeClosedForm(t, tt.X, tt.y, alpha)
			const tol = 1e-8
			checkNear(t, fmt.Sprintf("%s, alpha %g: coef", tt.name, alpha), m.Coef, w, tol)
			assertNear(t, b0, m.Intercept, tol, "%s, alpha %g: intercept", tt.name, alpha)
		}
	}
	// alpha 0 on a full-rank design is OLS.
	m, err := linear.Fit(wide.X, wide.y, spec(linear.Ridge, 0))
	require.NoError(t, err, "ridge alpha 0")
	o, err := linear.Fit(wide.X, wide.y, olsSpec)
	require.NoError(t, err, "OLS")
	checkNear(t, "ridge(0) vs OLS coef", m.Coef, o.Coef, 1e-8)
}

// sparseProblem has unit-scale columns with different means, two of them
// strongly correlated, and a target that depends on only some of them, so
// that the lasso zeroes some coefficients and coordinate descent needs many
// sweeps.
func sparseProblem(n int, seed uint64) (*mat.Dense, []float64) {
	const p = 6
	z := make([][]float64, p)
	for j := range z {
		z[j] = normals(n, float64(j)-2, 1, seed+uint64(j))
	}
	eps := normals(n, 0, 1, seed+99)
	X := mat.NewDense(n, p, nil)
	y := make([]float64, n)
	for i := range n {
		x := []float64{z[0][i], 0.9*z[0][i] + 0.436*z[1][i], z[2][i], z[3][i], z[4][i], z[5][i]}
		X.SetRow(i, x)
		y[i] = 10 + 2*x[0] + 1*x[1] - 1.5*x[3] + 0.05*x[5] + eps[i]
	}
	return X, y
}

// kkt checks the optimality conditions of
//
//	‖yc − Xc·w‖²/(2n) + αρ‖w‖₁ + α(1−ρ)‖w‖²/2
//
// computed on the centred rows: with gⱼ = Xcⱼᵀ(yc − Xc·w)/n, a non-zero wⱼ
// needs gⱼ = αρ·sign(wⱼ) + α(1−ρ)wⱼ and a zero one |gⱼ| ≤ αρ. It also
// checks that the intercept is ȳ − x̄ᵀw. It returns how many coefficients
// are zero.
func kkt(tb testing.TB, name string, X *mat.Dense, y []float64, m *linear.Linear, alpha, rho float64) int {
	tb.Helper()
	const tol = 1e-6
	xc, yc, mx, my := centred(X, y)
	n, p := X.Dims()
	r := make([]float64, n)
	for i := range n {
		r[i] = yc[i] - mat.Dot(xc.RowView(i), mat.NewVecDense(p, m.Coef))
	}
	zeros := 0
	for j, w := range m.Coef {
		g := mat.Dot(xc.ColView(j), mat.NewVecDense(n, r)) / float64(n)
		if w == 0 {
			zeros++
			assert.LessOrEqual(tb, math.Abs(g), alpha*rho+tol, "%s: w[%d] = 0: |gradient| must be at most αρ %.3g (tolerance %g)", name, j, alpha*rho, tol)
			continue
		}
		want := alpha*rho*math.Copysign(1, w) + alpha*(1-rho)*w
		assert.InDelta(tb, want, g, tol, "%s: w[%d] = %.6g: gradient", name, j, w)
	}
	b0 := my
	for j, w := range m.Coef {
		b0 -= mx[j] * w
	}
	assertNear(tb, b0, m.Intercept, 1e-9, "%s: intercept; want ȳ − x̄ᵀw", name)
	return zeros
}

func TestFitElasticNetKKT(t *testing.T) {
	xs, ys := sparseProblem(300, 5)
	xh, yh := oneHot(200, 6)
	var zeros, nonzeros int
	for _, d := range []struct {
		name string
		X    *mat.Dense
		y    []float64
	}{{"sparse", xs, ys}, {"one-hot", xh, yh}} {
		_, p := d.X.Dims()
		for _, alpha := range []float64{100, 1, 0.3, 0.1, 0.01, 0.001} {
			for _, rho := range []float64{1, 0.8, 0.5, 0.2} {
				s := spec(linear.ElasticNet, alpha, rho)
				if rho == 1 {
					s = spec(linear.Lasso, alpha)
				}
				name := d.name + " " + s.Name
				m, err := linear.Fit(d.X, d.y, s)
				if !assert.NoError(t, err, "%s: Fit", name) {
					continue
				}
				z := kkt(t, name, d.X, d.y, m, alpha, rho)
				zeros += z
				nonzeros += p - z
			}
		}
	}
	// Both branches of the conditions must have been exercised.
	assert.Positive(t, zeros, "zero coefficients in all: both branches of the conditions must be exercised")
	assert.Positive(t, nonzeros, "non-zero coefficients in all: both branches of the conditions must be exercised")
	t.Logf("checked %d zero and %d non-zero coefficients", zeros, nonzeros)
}

func TestFitLassoZeroesEverythingAboveAlphaMax(t *testing.T) {
	// Above α_max = max|Xcᵀyc|/n the lasso solution is all zeros and the
	// model predicts the mean.
	X, y := sparseProblem(100, 7)
	xc, yc, _, my := centred(X, y)
	_, p := X.Dims()
	var alphaMax float64
	for j := range p {
		alphaMax = math.Max(alphaMax, math.Abs(mat.Dot(xc.ColView(j), mat.NewVecDense(len(yc), yc)))/float64(len(yc)))
	}
	m, err := linear.Fit(X, y, spec(linear.Lasso, alphaMax*1.001))
	require.NoError(t, err, "Fit")
	assert.Equal(t, make([]float64, p), m.Coef, "coefficients above alpha_max")
	assertNear(t, my, m.Intercept, 1e-12, "intercept; want the mean")
	m, err = linear.Fit(X, y, spec(linear.Lasso, alphaMax*0.9))
	require.NoError(t, err, "Fit")
	nz := p - kkt(t, "lasso below alpha_max", X, y, m, alphaMax*0.9, 1)
	assert.Positive(t, nz, "below alpha_max: non-zero coefficients")
}

// pinvSolution returns the minimum-norm least-squares solution of the
// centred problem through gonum's SVD, and its intercept.
func pinvSolution(tb testing.TB, X *mat.Dense, y []float64) (float64, []float64) {
	tb.Helper()
	xc, yc, mx, my := centred(X, y)
	var svd mat.SVD
	require.True(tb, svd.Factorize(xc, mat.SVDThin), "SVD did not converge")
	var w mat.Dense
	svd.SolveTo(&w, mat.NewDense(len(yc), 1, yc), svd.Rank(1e-8))
	coef := mat.Col(nil, 0, &w)
	b0 := my
	for j, v := range coef {
		b0 -= mx[j] * v
	}
	return b0, coef
}

func TestFitOLSCollinearMinimumNorm(t *testing.T) {
	X, y := oneHot(80, 8)
	m, err := linear.Fit(X, y, olsSpec)
	require.NoError(t, err, "Fit")
	b0, w := pinvSolution(t, X, y)
	const tol = 1e-9
	checkNear(t, "coef vs pinv", m.Coef, w, tol)
	assertNear(t, b0, m.Intercept, tol, "intercept")

	// Predictions do not depend on which solution is taken: dropping the
	// first level of each category makes the design full rank, and QR on it
	// predicts the same.
	keep := []int{0, 1, 3, 4, 6, 7, 8} // drop columns 2 and 5
	n, _ := X.Dims()
	a := mat.NewDense(n, len(keep)+1, nil)
	for i := range n {
		a.Set(i, 0, 1)
		for k, j := range keep {
			a.Set(i, k+1, X.At(i, j))
		}
	}
	var full mat.Dense
	require.NoError(t, full.Solve(a, mat.NewDense(n, 1, y)), "Dense.Solve on the reduced design")
	want := make([]float64, n)
	for i := range n {
		want[i] = mat.Dot(a.RowView(i), full.ColView(0))
	}
	checkNear(t, "predictions vs reduced design", predictAll(m, X), want, tol)

}

func TestFitOLSDuplicateColumnSplitsWeight(t *testing.T) {
	// With column a duplicated, every split of a's weight fits equally
	// well; the minimum-norm solution splits it evenly.
	pr := synthetic(60, 1, []float64{3, -2}, 0.5, 9)
	n, _ := pr.X.Dims()
	dup := mat.NewDense(n, 3, nil)
	for i := range n {
		dup.SetRow(i, []float64{pr.X.At(i, 0), pr.X.At(i, 0), pr.X.At(i, 1)})
	}
	single, err := linear.Fit(pr.X, pr.y, olsSpec)
	require.NoError(t, err, "Fit")
	m, err := linear.Fit(dup, pr.y, olsSpec)
	require.NoError(t, err, "Fit with duplicate")
	want := []float64{single.Coef[0] / 2, single.Coef[0] / 2, single.Coef[1]}
	checkNear(t, "coef", m.Coef, want, 1e-9)
	assertNear(t, single.Intercept, m.Intercept, 1e-9, "intercept")
}

func TestFitConstantColumnGetsNoWeight(t *testing.T) {
	pr := synthetic(50, 2, []float64{1.5}, 1, 10)
	n, _ := pr.X.Dims()
	X := mat.NewDense(n, 2, nil)
	for i := range n {
		X.SetRow(i, []float64{7, pr.X.At(i, 0)})
	}
	ref, err := linear.Fit(pr.X, pr.y, olsSpec)
	require.NoError(t, err, "Fit")
	for _, s := range []linear.Candidate{olsSpec, spec(linear.Ridge, 1), spec(linear.Lasso, 0.1), spec(linear.ElasticNet, 0.1, 0.5)} {
		m, err := linear.Fit(X, pr.y, s)
		if !assert.NoError(t, err, "%s: Fit", s.Name) {
			continue
		}
		// Fit does not shift the columns before accumulating, so the
		// centred cross-products of a constant column are rounding, not 0.
		assert.InDelta(t, 0, m.Coef[0], 1e-9, "%s: constant column coefficient", s.Name)
		if s.Family == linear.OLS {
			assertNear(t, ref.Coef[0], m.Coef[1], 1e-9, "OLS with a constant column: coefficient of x")
			assertNear(t, ref.Intercept, m.Intercept, 1e-9, "OLS with a constant column: intercept")
		}
	}

	// No variation at all: every family predicts the mean.
	allConst := mat.NewDense(4, 2, []float64{1, 2, 1, 2, 1, 2, 1, 2})
	y := []float64{1, 2, 3, 6}
	for _, s := range []linear.Candidate{olsSpec, spec(linear.Ridge, 1), spec(linear.Lasso, 0.1), spec(linear.ElasticNet, 0.1, 0.5)} {
		m, err := linear.Fit(allConst, y, s)
		if !assert.NoError(t, err, "%s on constant columns", s.Name) {
			continue
		}
		assert.Equal(t, []float64{0, 0}, m.Coef, "%s on constant columns: coefficients", s.Name)
		assertNear(t, 3, m.Intercept, 1e-12, "%s on constant columns: intercept", s.Name)
	}
}

// badSpecs are candidates that must be refused, never fitted or panicked on.
var badSpecs = []struct {
	name string
	spec linear.Candidate
	want string // in the error
}{
	{"unknown family", linear.Candidate{Name: "x", Family: "svm"}, "unknown family"},
	{"empty family", linear.Candidate{Name: "x", Family: ""}, "unknown family"},
	{"family in upper case", linear.Candidate{Name: "x", Family: "OLS"}, "unknown family"},
	{"ridge negative alpha", linear.Candidate{Name: "r", Family: linear.Ridge, Params: map[string]float64{"alpha": -1}}, "alpha"},
	{"ridge NaN alpha", linear.Candidate{Name: "r", Family: linear.Ridge, Params: map[string]float64{"alpha": math.NaN()}}, "alpha"},
	{"ridge without alpha", linear.Candidate{Name: "r", Family: linear.Ridge}, "alpha"},
	{"lasso negative alpha", linear.Candidate{Name: "l", Family: linear.Lasso, Params: map[string]float64{"alpha": -0.1}}, "alpha"},
	{"lasso alpha -Inf", linear.Candidate{Name: "l", Family: linear.Lasso, Params: map[string]float64{"alpha": math.Inf(-1)}}, "alpha"},
	{"elastic net negative alpha", linear.Candidate{Name: "e", Family: linear.ElasticNet, Params: map[string]float64{"alpha": -1, "l1_ratio": 0.5}}, "alpha"},
	{"elastic net l1_ratio above 1", linear.Candidate{Name: "e", Family: linear.ElasticNet, Params: map[string]float64{"alpha": 1, "l1_ratio": 1.5}}, "l1_ratio"},
	{"elastic net negative l1_ratio", linear.Candidate{Name: "e", Family: linear.ElasticNet, Params: map[string]float64{"alpha": 1, "l1_ratio": -0.1}}, "l1_ratio"},
	{"elastic net NaN l1_ratio", linear.Candidate{Name: "e", Family: linear.ElasticNet, Params: map[string]float64{"alpha": 1, "l1_ratio": math.NaN()}}, "l1_ratio"},
	{"elastic net without l1_ratio", linear.Candidate{Name: "e", Family: linear.ElasticNet, Params: map[string]float64{"alpha": 1}}, "l1_ratio"},
}

func TestFitErrors(t *testing.T) {
	pr := synthetic(20, 0, []float64{1, 2}, 1, 11)
	for _, tt := range badSpecs {
		t.Run(tt.name, func(t *testing.T) {
			var err error
			require.NotPanics(t, func() { _, err = linear.Fit(pr.X, pr.y, tt.spec) })
			require.Error(t, err, "Fit(%+v)", tt.spec)
			assert.ErrorContains(t, err, tt.want)
			assert.ErrorContains(t, err, tt.spec.Name, "the error must name the candidate")
		})
	}
	for _, tt := range []struct {
		name string
		X    *mat.Dense
		y    []float64
	}{
		{"too few targets", pr.X, pr.y[:19]},
		{"too many targets", pr.X, append(append([]float64(nil), pr.y...), 1)},
		{"one row", mat.NewDense(1, 2, []float64{1, 2}), []float64{3}},
		{"no rows", &mat.Dense{}, nil},
	} {
		t.Run(tt.name, func(t *testing.T) {
			var err error
			require.NotPanics(t, func() { _, err = linear.Fit(tt.X, tt.y, olsSpec) })
			assert.Error(t, err)
		})
	}
}
