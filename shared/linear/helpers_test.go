package linear_test

import (
	"fmt"
	"math"
	"math/rand/v2"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"github.com/studentperf/studentperf/shared/linear"
	"github.com/studentperf/studentperf/shared/search"
	"gonum.org/v1/gonum/mat"
	"gonum.org/v1/gonum/stat"
	"gonum.org/v1/gonum/stat/distuv"
)

// normals returns n draws of N(mu, sigma²) from a seeded gonum source.
func normals(n int, mu, sigma float64, seed uint64) []float64 {
	d := distuv.Normal{Mu: mu, Sigma: sigma, Src: rand.NewPCG(seed, seed^0x5bd1e995)}
	out := make([]float64, n)
	for i := range out {
		out[i] = d.Rand()
	}
	return out
}

// problem is a synthetic regression problem y = intercept + X·coef + noise.
type problem struct {
	X         *mat.Dense
	y         []float64
	intercept float64
	coef      []float64
}

// synthetic builds an n×len(coef) problem whose columns have different
// means and scales (column j ~ N(10j, (j+1)²)), so that centring matters,
// plus noise ~ N(0, noise²). The result depends only on its arguments.
func synthetic(n int, intercept float64, coef []float64, noise float64, seed uint64) problem {
	p := len(coef)
	X := mat.NewDense(n, p, nil)
	for j := range p {
		col := normals(n, 10*float64(j), float64(j+1), seed+uint64(j)+1)
		for i, v := range col {
			X.Set(i, j, v)
		}
	}
	eps := normals(n, 0, 1, seed+1000)
	y := make([]float64, n)
	for i := range n {
		y[i] = intercept + mat.Dot(X.RowView(i), mat.NewVecDense(p, coef)) + noise*eps[i]
	}
	return problem{X: X, y: y, intercept: intercept, coef: coef}
}

// oneHot builds a design of two standardish numeric columns followed by
// the indicators of two categories (levels 3 and 4), each indicator column
// divided by scale[level] as features.Matrix does. With an intercept the
// indicators of each category sum to a constant: the design is collinear.
// y depends on every column, plus noise.
func oneHot(n int, seed uint64) (X *mat.Dense, y []float64) {
	a := normals(n, 0, 1, seed+1)
	b := normals(n, 0, 1, seed+2)
	ua := normals(n, 0, 1, seed+3)
	ub := normals(n, 0, 1, seed+5)
	eps := normals(n, 0, 1, seed+4)
	const w = 2 + 3 + 4
	X = mat.NewDense(n, w, nil)
	y = make([]float64, n)
	catA := []float64{0, 2, -1}
	catB := []float64{1, 0, 3, -2}
	for i := range n {
		la, lb := level(ua[i], 3), level(ub[i], 4)
		X.Set(i, 0, a[i])
		X.Set(i, 1, b[i])
		X.Set(i, 2+la, 1/(0.4+0.1*float64(la)))
		X.Set(i, 5+lb, 1/(0.3+0.05*float64(lb)))
		y[i] = 50 + 3*a[i] - 2*b[i] + catA[la] + catB[lb] + 0.5*eps[i]
	}
	return X, y
}

// level maps a standard normal draw to one of k equally likely levels.
func level(z float64, k int) int {
	u := 0.5 * (1 + math.Erf(z/math.Sqrt2))
	return min(int(u*float64(k)), k-1)
}

// centred returns X and y with each column centred on its mean, and the
// means.
func centred(X *mat.Dense, y []float64) (xc *mat.Dense, yc []float64, mx []float64, my float64) {
	n, p := X.Dims()
	xc = mat.DenseCopyOf(X)
	mx = make([]float64, p)
	for j := range p {
		for i := range n {
			mx[j] += X.At(i, j)
		}
		mx[j] /= float64(n)
		for i := range n {
			xc.Set(i, j, X.At(i, j)-mx[j])
		}
	}
	for _, v := range y {
		my += v
	}
	my /= float64(n)
	yc = make([]float64, n)
	for i, v := range y {
		yc[i] = v - my
	}
	return xc, yc, mx, my
}

// rows returns the rows [lo, hi) of X and y except when skip is true, in
// which case it returns every row outside [lo, hi).
func rows(X *mat.Dense, y []float64, lo, hi int, skip bool) (*mat.Dense, []float64) {
	n, p := X.Dims()
	var data, ys []float64
	for i := range n {
		if (i >= lo && i < hi) == skip {
			continue
		}
		data = append(data, X.RawRowView(i)...)
		ys = append(ys, y[i])
	}
	return mat.NewDense(len(ys), p, data), ys
}

// predictAll returns m's prediction for every row of X.
func predictAll(m *linear.Linear, X *mat.Dense) []float64 {
	n, _ := X.Dims()
	out := make([]float64, n)
	for i := range n {
		out[i] = m.Predict(X.RawRowView(i))
	}
	return out
}

// assertNear asserts that got is within tol of want, absolutely for
// values up to 1 in size and relatively beyond.
func assertNear(tb testing.TB, want, got, tol float64, msgAndArgs ...any) bool {
	tb.Helper()
	return assert.InDelta(tb, want, got, tol*math.Max(1, math.Abs(want)), msgAndArgs...)
}

// checkNear asserts every element of got is near want (see assertNear).
func checkNear(tb testing.TB, what string, got, want []float64, tol float64) {
	tb.Helper()
	require.Len(tb, got, len(want), what)
	for i := range got {
		assertNear(tb, want[i], got[i], tol, "%s[%d]", what, i)
	}
}

// spec returns a candidate of family with params given as name, value pairs.
func spec(family string, params ...float64) linear.Candidate {
	s := linear.Candidate{Family: family, Params: map[string]float64{}}
	names := []string{"alpha", "l1_ratio"}
	for i, v := range params {
		s.Params[names[i]] = v
	}
	s.Name = fmt.Sprintf("%s%v", family, params)
	return s
}

// searchOpts and searchResult are the search over the linear family alone
// as package search runs it: CrossValidate on search.FoldBounds, the winner
// by search.Pick, refitted by CV.Refit.
type searchOpts struct {
	Folds        int
	TieTolerance float64
	Progress     func(family string, candidates int, elapsed time.Duration)
}

type searchResult struct {
	Results []search.Result
	Best    int
	Model   *linear.Linear
	Folds   int
}

// runSearch cross-validates cands as package search does (k folds, 5 when
// 0; at least two rows a fold and a non-negative tie tolerance, as
// search.Run requires) and refits the winner.
func runSearch(X *mat.Dense, y []float64, cands []linear.Candidate, opts searchOpts) (*searchResult, error) {
	n, _ := X.Dims()
	k := opts.Folds
	if k == 0 {
		k = 5
	}
	tie := opts.TieTolerance
	if tie == 0 {
		tie = 1e-4
	}
	switch {
	case k < 2:
		return nil, fmt.Errorf("need at least 2 folds, got %d", k)
	case n < 2*k:
		return nil, fmt.Errorf("%d rows are too few for %d folds", n, k)
	case !(tie >= 0):
		return nil, fmt.Errorf("tie tolerance %g must be a non-negative number", tie)
	}
	cv, err := linear.CrossValidate(X, y, cands, search.FoldBounds(n, k), linear.Options{Progress: opts.Progress})
	if err != nil {
		return nil, err
	}
	res := &searchResult{Folds: k, Results: make([]search.Result, len(cands))}
	for i, sc := range cv.Scores {
		r := search.Result{Spec: search.Spec(cands[i]), FoldR2: sc.FoldR2, FitSeconds: sc.FitSeconds}
		r.CVMean, r.CVStd = stat.PopMeanStdDev(sc.FoldR2, nil)
		res.Results[i] = r
	}
	res.Best = search.Pick(res.Results, tie)
	if res.Model, err = cv.Refit(res.Best); err != nil {
		return nil, err
	}
	return res, nil
}
