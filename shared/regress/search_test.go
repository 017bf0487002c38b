package regress_test

import (
	"fmt"
	"math"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/studentperf/studentperf/shared/regress"
	"gonum.org/v1/gonum/mat"
)

// bruteForceCV scores spec on k contiguous folds the slow way: for each
// fold, regress.Fit on the other rows and regress.Evaluate on its own. The
// fold sizes follow scikit-learn's KFold: n/k rows each, the first n%k
// folds one more.
func bruteForceCV(tb testing.TB, X *mat.Dense, y []float64, spec regress.Spec, k int) []float64 {
	tb.Helper()
	n, _ := X.Dims()
	out := make([]float64, k)
	lo := 0
	for f := range k {
		size := n / k
		if f < n%k {
			size++
		}
		hi := lo + size
		xt, yt := rows(X, y, lo, hi, true)
		xv, yv := rows(X, y, lo, hi, false)
		m, err := regress.Fit(xt, yt, spec)
		if err != nil {
			tb.Fatalf("%s, fold %d: Fit: %v", spec.Name, f+1, err)
		}
		got, err := regress.Evaluate(yv, predictAll(m, xv))
		if err != nil {
			tb.Fatalf("%s, fold %d: Evaluate: %v", spec.Name, f+1, err)
		}
		out[f] = got.R2
		lo = hi
	}
	if lo != n {
		tb.Fatalf("folds cover %d of %d rows", lo, n)
	}
	return out
}

func TestSearchMatchesBruteForceCV(t *testing.T) {
	xh, yh := oneHot(103, 12) // 103 rows: folds of unequal size
	xs, ys := sparseProblem(64, 13)
	for _, d := range []struct {
		name string
		X    *mat.Dense
		y    []float64
		k    int
	}{
		{"one-hot, 5 folds", xh, yh, 5},
		{"one-hot, 3 folds", xh, yh, 3},
		{"one-hot, 2 folds", xh, yh, 2},
		{"sparse, 10 folds", xs, ys, 10},
	} {
		t.Run(d.name, func(t *testing.T) {
			specs := regress.LinearFamily()
			res, err := regress.Search(d.X, d.y, specs, regress.Options{Folds: d.k})
			if err != nil {
				t.Fatalf("Search: %v", err)
			}
			if res.Folds != d.k || len(res.Results) != len(specs) {
				t.Fatalf("got %d folds and %d results; want %d and %d", res.Folds, len(res.Results), d.k, len(specs))
			}
			for i, s := range specs {
				r := res.Results[i]
				if r.Name != s.Name || r.Family != s.Family {
					t.Errorf("result %d is %q (%s); want %q (%s)", i, r.Name, r.Family, s.Name, s.Family)
				}
				checkNear(t, s.Name+" fold R²", r.FoldR2, bruteForceCV(t, d.X, d.y, s, d.k), 1e-9)
				var mean, ss float64
				for _, v := range r.FoldR2 {
					mean += v
				}
				mean /= float64(d.k)
				for _, v := range r.FoldR2 {
					ss += (v - mean) * (v - mean)
				}
				if !near(r.CVMean, mean, 1e-12) || !near(r.CVStd, math.Sqrt(ss/float64(d.k)), 1e-12) {
					t.Errorf("%s: mean %g, std %g; want the folds' mean %g and population std %g",
						s.Name, r.CVMean, r.CVStd, mean, math.Sqrt(ss/float64(d.k)))
				}
				if r.FitSeconds < 0 {
					t.Errorf("%s: negative fit time %g", s.Name, r.FitSeconds)
				}
			}

			// The winner has the best mean (ties aside) and is refitted on
			// every row, as Fit would.
			best := res.Results[res.Best]
			for i, r := range res.Results {
				if r.CVMean > best.CVMean+1e-4 {
					t.Errorf("result %d (%s) has mean %g, beating the winner %s (%g) by more than the tie tolerance",
						i, r.Name, r.CVMean, best.Name, best.CVMean)
				}
			}
			m, err := regress.Fit(d.X, d.y, specs[res.Best])
			if err != nil {
				t.Fatalf("Fit(%s): %v", specs[res.Best].Name, err)
			}
			checkNear(t, "refitted predictions", predictAll(res.Model, d.X), predictAll(m, d.X), 1e-9)
		})
	}
}

func TestSearchKnownFoldScores(t *testing.T) {
	// x = 0..9, y = 2x except y[9] = 20 (instead of 18). Two contiguous
	// folds: fitting rows 0-4 gives y = 2x exactly; on rows 5-9 that
	// predicts 10..18, missing only the last row by 2, so SSE 4 and
	// SST = Σ(y−mean)² with y = 10,12,14,16,20: mean 14.4, SST 59.2.
	x := make([]float64, 10)
	y := make([]float64, 10)
	for i := range x {
		x[i], y[i] = float64(i), 2*float64(i)
	}
	y[9] = 20
	res, err := regress.Search(mat.NewDense(10, 1, x), y, []regress.Spec{olsSpec}, regress.Options{Folds: 2})
	if err != nil {
		t.Fatalf("Search: %v", err)
	}
	if got, want := res.Results[0].FoldR2[1], 1-4/59.2; !near(got, want, 1e-12) {
		t.Errorf("second fold R²: got %.15g; want %.15g", got, want)
	}
}

func TestSearchConstantValidationFold(t *testing.T) {
	// A validation fold whose target is constant: Evaluate (like
	// scikit-learn's r2_score) gives 0 for an imperfect prediction, and
	// Search's fold score must agree with it, and in any case never exceed
	// 1. With c = 3.3 it does; with 0.3 and 1.4, SST computed from the
	// moments (Σỹ² − (Σỹ)²/n) is rounding noise of either sign instead of
	// 0, and the fold R² comes out near ±1e16.
	for _, c := range []float64{3.3, 0.3, 1.4} {
		x := []float64{0, 1, 2, 3, 4, 5, 6, 7, 8, 9}
		y := []float64{c, c, c, c, c, 1, 4, 2, 8, 5}
		X := mat.NewDense(10, 1, x)
		res, err := regress.Search(X, y, []regress.Spec{olsSpec}, regress.Options{Folds: 2})
		if err != nil {
			t.Errorf("c = %g: Search: %v", c, err)
			continue
		}
		got := res.Results[0].FoldR2
		for f, v := range got {
			if v > 1 {
				t.Errorf("c = %g: fold %d R² %g > 1", c, f+1, v)
			}
		}
		checkNear(t, fmt.Sprintf("c = %g: fold R²", c), got, bruteForceCV(t, X, y, olsSpec, 2), 1e-9)
	}
}

func TestSearchTieGoesToSimplest(t *testing.T) {
	// Noiseless data: OLS is perfect and a weak ridge is within 1e-4 of it.
	pr := synthetic(100, 5, []float64{2, -1}, 0, 14)
	weak := spec(regress.Ridge, 0.01)
	strong := spec(regress.Ridge, 1e6)
	for _, tt := range []struct {
		name  string
		specs []regress.Spec
		tie   float64
		want  int
	}{
		{"family order: OLS first", regress.LinearFamily(), 0, 0},
		{"tied, weak ridge listed first", []regress.Spec{weak, olsSpec}, 0, 0},
		{"tied, OLS listed first", []regress.Spec{olsSpec, weak}, 0, 0},
		{"identical candidates", []regress.Spec{olsSpec, {Name: "ols again", Family: regress.OLS}}, 0, 0},
		{"clearly better later candidate wins", []regress.Spec{strong, olsSpec}, 0, 1},
		{"tolerance so small nothing ties", []regress.Spec{weak, olsSpec}, 1e-300, 1},
		{"tolerance so large everything ties", []regress.Spec{strong, olsSpec}, 10, 0},
	} {
		t.Run(tt.name, func(t *testing.T) {
			res, err := regress.Search(pr.X, pr.y, tt.specs, regress.Options{TieTolerance: tt.tie})
			if err != nil {
				t.Fatalf("Search: %v", err)
			}
			if res.Best != tt.want {
				means := make([]float64, len(res.Results))
				for i, r := range res.Results {
					means[i] = r.CVMean
				}
				t.Errorf("best %d (%s); want %d (%s); CV means %.12g", res.Best, tt.specs[res.Best].Name, tt.want, tt.specs[tt.want].Name, means)
			}
		})
	}
}

func TestSearchNegativeTieTolerance(t *testing.T) {
	// A negative tolerance makes no sense; it must not make the search
	// pick a candidate that is clearly worse. Search takes it as it is, and
	// pick, finding no candidate within a negative distance of the best,
	// falls back to the first.
	pr := synthetic(100, 5, []float64{2, -1}, 0, 14)
	res, err := regress.Search(pr.X, pr.y, []regress.Spec{spec(regress.Ridge, 1e6), olsSpec}, regress.Options{TieTolerance: -0.5})
	if err == nil && res.Best != 1 {
		t.Errorf("TieTolerance -0.5: best %d (%s, CV mean %.4f) over OLS (CV mean %.4f); want OLS or an error",
			res.Best, res.Results[res.Best].Name, res.Results[res.Best].CVMean, res.Results[1].CVMean)
	}
}

func TestSearchDefaultsToFiveFolds(t *testing.T) {
	pr := synthetic(50, 0, []float64{1}, 1, 15)
	res, err := regress.Search(pr.X, pr.y, []regress.Spec{olsSpec}, regress.Options{})
	if err != nil {
		t.Fatalf("Search: %v", err)
	}
	if res.Folds != 5 || len(res.Results[0].FoldR2) != 5 {
		t.Errorf("got %d folds (%d scores); want 5", res.Folds, len(res.Results[0].FoldR2))
	}
}

func TestSearchProgress(t *testing.T) {
	pr := synthetic(40, 0, []float64{1, 2}, 1, 16)
	type call struct {
		family string
		n      int
	}
	var calls []call
	var last time.Duration
	_, err := regress.Search(pr.X, pr.y, regress.LinearFamily(), regress.Options{
		Progress: func(family string, candidates int, elapsed time.Duration) {
			calls = append(calls, call{family, candidates})
			if elapsed < last {
				t.Errorf("%s: elapsed %v went back from %v", family, elapsed, last)
			}
			last = elapsed
		},
	})
	if err != nil {
		t.Fatalf("Search: %v", err)
	}
	want := []call{{regress.OLS, 1}, {regress.Ridge, 5}, {regress.Lasso, 4}, {regress.ElasticNet, 12}}
	if !slices.Equal(calls, want) {
		t.Errorf("progress calls %v; want %v", calls, want)
	}
}

func TestSearchProgressInterleavedFamilies(t *testing.T) {
	// Options.Progress promises one call per family, after its last
	// candidate. With the families not grouped, Search calls it at the end
	// of every run of a family instead, each time with the family's total:
	// here ("ols", 2) after the first candidate, ("ridge", 1), ("ols", 2).
	pr := synthetic(40, 0, []float64{1, 2}, 1, 16)
	var calls []string
	specs := []regress.Spec{olsSpec, spec(regress.Ridge, 1), {Name: "ols again", Family: regress.OLS}}
	_, err := regress.Search(pr.X, pr.y, specs, regress.Options{
		Progress: func(family string, candidates int, _ time.Duration) {
			calls = append(calls, fmt.Sprintf("%s:%d", family, candidates))
		},
	})
	if err != nil {
		t.Fatalf("Search: %v", err)
	}
	if want := []string{"ridge:1", "ols:2"}; !slices.Equal(calls, want) {
		t.Errorf("progress calls %q; want %q", calls, want)
	}
}

func TestLinearFamily(t *testing.T) {
	specs := regress.LinearFamily()
	if len(specs) != 22 {
		t.Errorf("got %d candidates; want 22 (1 OLS, 5 ridge, 4 lasso, 12 elastic net)", len(specs))
	}
	if specs[0].Family != regress.OLS {
		t.Errorf("first candidate %q; want OLS, the simplest", specs[0].Name)
	}
	order := map[string]int{regress.OLS: 0, regress.Ridge: 1, regress.Lasso: 2, regress.ElasticNet: 3}
	names := map[string]bool{}
	pr := synthetic(30, 0, []float64{1, 1}, 1, 17)
	for i, s := range specs {
		if names[s.Name] {
			t.Errorf("duplicate candidate name %q", s.Name)
		}
		names[s.Name] = true
		if _, ok := order[s.Family]; !ok {
			t.Errorf("%q: unknown family %q", s.Name, s.Family)
		}
		if i > 0 {
			prev := specs[i-1]
			switch {
			case order[s.Family] < order[prev.Family]:
				t.Errorf("%q comes after %q: families out of order", s.Name, prev.Name)
			case s.Family == prev.Family && s.Params["alpha"] > prev.Params["alpha"]:
				t.Errorf("%q comes after %q: penalties must go from strongest to weakest", s.Name, prev.Name)
			}
		}
		if _, err := regress.Fit(pr.X, pr.y, s); err != nil {
			t.Errorf("%q does not fit: %v", s.Name, err)
		}
	}
	// A fresh grid each call: changing one must not change the next.
	specs[1].Params["alpha"] = -1
	if a := regress.LinearFamily()[1].Params["alpha"]; a != 100 {
		t.Errorf("LinearFamily()[1] alpha %g after changing an earlier grid; want 100", a)
	}
}

func TestSearchErrors(t *testing.T) {
	pr := synthetic(20, 0, []float64{1, 2}, 1, 18)
	ok := []regress.Spec{olsSpec}
	for _, tt := range []struct {
		name  string
		X     *mat.Dense
		y     []float64
		specs []regress.Spec
		opts  regress.Options
		want  string
	}{
		{"nil candidates", pr.X, pr.y, nil, regress.Options{}, "no candidates"},
		{"no candidates", pr.X, pr.y, []regress.Spec{}, regress.Options{}, "no candidates"},
		{"too few targets", pr.X, pr.y[:19], ok, regress.Options{}, "targets"},
		{"too many targets", pr.X, append(slices.Clone(pr.y), 0), ok, regress.Options{}, "targets"},
		{"one fold", pr.X, pr.y, ok, regress.Options{Folds: 1}, "folds"},
		{"negative folds", pr.X, pr.y, ok, regress.Options{Folds: -3}, "folds"},
		{"too few rows for the folds", pr.X, pr.y, ok, regress.Options{Folds: 11}, "too few"},
		{"no rows", &mat.Dense{}, nil, ok, regress.Options{}, "too few"},
		{"bad candidate after good ones", pr.X, pr.y, []regress.Spec{olsSpec, spec(regress.Ridge, -1)}, regress.Options{}, "alpha"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			noPanic(t, "Search", func() {
				res, err := regress.Search(tt.X, tt.y, tt.specs, tt.opts)
				if err == nil {
					t.Fatalf("Search = %+v, nil error; want an error", res)
				}
				if res != nil {
					t.Errorf("Search returned a result with error %v", err)
				}
				if !strings.Contains(err.Error(), tt.want) {
					t.Errorf("error %q; want it to mention %q", err, tt.want)
				}
			})
		})
	}
	for _, tt := range badSpecs {
		t.Run("candidate: "+tt.name, func(t *testing.T) {
			noPanic(t, "Search", func() {
				if res, err := regress.Search(pr.X, pr.y, []regress.Spec{tt.spec}, regress.Options{}); err == nil {
					t.Errorf("Search(%+v) = %+v, nil error; want an error", tt.spec, res)
				}
			})
		})
	}
	// The boundary: exactly two rows a fold is enough.
	if _, err := regress.Search(pr.X, pr.y, ok, regress.Options{Folds: 10}); err != nil {
		t.Errorf("20 rows in 10 folds: %v", err)
	}
}
