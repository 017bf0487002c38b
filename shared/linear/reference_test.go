package linear_test

import (
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"github.com/studentperf/studentperf/shared/dataset"
	"github.com/studentperf/studentperf/shared/features"
	"github.com/studentperf/studentperf/shared/linear"
	"github.com/studentperf/studentperf/shared/metrics"
	"github.com/studentperf/studentperf/shared/testkit/modeltest"
	"github.com/studentperf/studentperf/shared/testkit/studentdata"
	"gonum.org/v1/gonum/mat"
)

// Parity with the Python original, a scikit-learn pipeline: a
// ColumnTransformer (median imputer + StandardScaler for the scores,
// most-frequent imputer + OneHotEncoder + StandardScaler(with_mean=False)
// for the categories) fitted on train.csv, then LinearRegression and Ridge
// scored on test.csv, and cross_val_score(cv=5) of LinearRegression on all
// of stud.csv. The figures handed down from it, with their stated
// tolerances, are the first checks of each test. A figure that misses them
// is a finding to explain, not a tolerance to loosen.
//
// The second checks are tighter: the same pipeline rerun with
// scikit-learn 1.2.1 (scipy 1.10.1, numpy 1.24.2), but with
// OneHotEncoder(drop='first'). That gives the same column space, and so the
// same OLS predictions, with a full-rank design. On the collinear design
// the original used, scikit-learn's LinearRegression does not return the
// minimum-norm solution: scipy's lstsq keeps the near-null singular
// direction, the coefficients come out near 1e13 with an intercept near
// 1e14, and the predictions lose about 1e-3 to cancellation (it predicts
// 66.109375 for the reference record). The full-rank figures carry no such
// noise, and linear matches them to about 1e-10; the checks allow 1e-6.
const parityTol = 1e-6

// fitted is the training pipeline up to the design matrix: transforms
// fitted on train, and train's and test's design matrices.
type fitted struct {
	tr            *features.Transform
	train, test   *dataset.Table
	xTrain, xTest *mat.Dense
}

// fitSplit fits the transforms on train and builds both design matrices.
func fitSplit(tb testing.TB, train, test *dataset.Table) fitted {
	tb.Helper()
	f := fitted{train: train, test: test}
	var err error
	f.tr, err = features.Fit(f.train)
	require.NoError(tb, err, "features.Fit(train)")
	f.xTrain, err = f.tr.Matrix(f.train)
	require.NoError(tb, err, "Matrix(train)")
	f.xTest, err = f.tr.Matrix(f.test)
	require.NoError(tb, err, "Matrix(test)")
	return f
}

// golearnOracle checks linear's OLS against golearn's on a split. It is
// set by oracle_cgo_test.go, and nil when cgo is off.
var golearnOracle func(t *testing.T, f fitted)

// referenceRow is the record the original predicted as its example.
func referenceRow(tb testing.TB, tr *features.Transform) features.Row {
	tb.Helper()
	cats := map[string]string{
		"gender":                      "female",
		"race_ethnicity":              "group B",
		"parental_level_of_education": "bachelor's degree",
		"lunch":                       "standard",
		"test_preparation_course":     "none",
	}
	nums := map[string]float64{"reading_score": 72, "writing_score": 74}
	r := features.Row{Cat: make([]string, len(tr.Categorical)), Num: make([]float64, len(tr.Numeric))}
	for i, c := range tr.Categorical {
		v, ok := cats[c.Name]
		require.True(tb, ok, "transform has unexpected category %q", c.Name)
		r.Cat[i] = v
	}
	for i, n := range tr.Numeric {
		v, ok := nums[n.Name]
		require.True(tb, ok, "transform has unexpected score %q", n.Name)
		r.Num[i] = v
	}
	return r
}

// TestOriginalFigures checks the linear family against the Python original's
// figures on its own data (see the comment at the top of this file). The
// data lives beside the checkout, not in it: locally its absence skips
// this one test, under CI=true it fails.
func TestOriginalFigures(t *testing.T) {
	studentdata.Dir(t)
	f := fitSplit(t, modeltest.Students(t, "train.csv"), modeltest.Students(t, "test.csv"))

	t.Run("OLS prediction for the reference record", func(t *testing.T) {
		m, err := linear.Fit(f.xTrain, f.train.Target, linear.Candidate{Name: "ols", Family: linear.OLS})
		require.NoError(t, err, "Fit(OLS)")
		x := make([]float64, f.tr.Width())
		require.NoError(t, f.tr.Encode(referenceRow(t, f.tr), x), "Encode(reference record)")
		got := m.Predict(x)
		t.Logf("reference prediction %.10f (scikit-learn 66.1095; full rank 66.1102133162)", got)
		assert.InDelta(t, 66.11, got, 0.01, "OLS prediction for the reference record (scikit-learn 66.1095)")
		assert.InDelta(t, 66.1102133162, got, parityTol, "OLS prediction for the reference record (scikit-learn, full rank)")
	})

	t.Run("OLS test metrics", func(t *testing.T) {
		m, err := linear.Fit(f.xTrain, f.train.Target, linear.Candidate{Name: "ols", Family: linear.OLS})
		require.NoError(t, err, "Fit(OLS)")
		got, err := metrics.EvaluateRegression(f.test.Target, predictAll(m, f.xTest))
		require.NoError(t, err, "Evaluate")
		t.Logf("OLS on test.csv: R² %.10f, RMSE %.10f, MAE %.10f over %d rows (scikit-learn 0.8804 / 5.394 / 4.215)",
			got.R2, got.RMSE, got.MAE, got.Rows)
		assert.Equal(t, 200, got.Rows, "rows")
		assert.GreaterOrEqual(t, got.R2, 0.880, "R² (scikit-learn 0.8804)")
		assert.LessOrEqual(t, got.RMSE, 5.40, "RMSE (scikit-learn 5.394)")
		assert.LessOrEqual(t, got.MAE, 4.22, "MAE (scikit-learn 4.215)")
		assert.InDelta(t, 0.8804332984, got.R2, parityTol, "R² (scikit-learn, full rank)")
		assert.InDelta(t, 5.3939938697, got.RMSE, parityTol, "RMSE (scikit-learn, full rank)")
		assert.InDelta(t, 4.2147631425, got.MAE, parityTol, "MAE (scikit-learn, full rank)")
	})

	t.Run("ridge test R²", func(t *testing.T) {
		m, err := linear.Fit(f.xTrain, f.train.Target, spec(linear.Ridge, 1))
		require.NoError(t, err, "Fit(ridge alpha=1)")
		got, err := metrics.EvaluateRegression(f.test.Target, predictAll(m, f.xTest))
		require.NoError(t, err, "Evaluate")
		t.Logf("Ridge(alpha=1) on test.csv: R² %.10f (scikit-learn 0.8806; rerun 0.8805671791)", got.R2)
		assert.InDelta(t, 0.8806, got.R2, 0.0005, "Ridge(alpha=1) test R²")
		// Ridge is full rank, so the rerun on the original's own design is exact.
		assert.InDelta(t, 0.8805671791, got.R2, parityTol, "Ridge(alpha=1) test R² (scikit-learn rerun)")
	})

	t.Run("cross-validation", func(t *testing.T) { checkReferenceCrossValidation(t, modeltest.Students(t, "stud.csv")) })

	// golearn's OLS, an independent implementation, on the original's split.
	if golearnOracle != nil {
		t.Run("golearn oracle", func(t *testing.T) { golearnOracle(t, f) })
	}
}

// checkReferenceCrossValidation checks the 5-fold CV of OLS on stud.csv.
//
// The figures handed down, mean 0.8704 and standard deviation 0.012, are
// not those of contiguous folds: scikit-learn 1.2.1 itself,
// cross_val_score(pipeline, X, y, cv=5) on stud.csv, gives 0.8718112736 and
// 0.0150039438 on the original's collinear design and 0.8717997497 and
// 0.0150145624 with drop='first' (the folds below), which linear
// reproduces to 1e-10. The handed-down figures are close to those of a
// shuffled split: KFold(5, shuffle=True, random_state=0) gives 0.8703 and
// 0.0123. As 0.0150 misses 0.012 ± 0.003, the checks use the rerun's
// contiguous-fold figures, with the same tolerances, then the parity
// tolerance.
func checkReferenceCrossValidation(t *testing.T, tab *dataset.Table) {
	// The transforms are fitted on all rows, where the original's pipeline
	// refitted them in each fold. For OLS that cannot move the fold scores:
	// there is nothing to impute, every level occurs in every training
	// fold, and per-column shifts and scales leave the column space (with
	// the intercept), and so the predictions, alone.
	tr, err := features.Fit(tab)
	require.NoError(t, err, "features.Fit(stud.csv)")
	X, err := tr.Matrix(tab)
	require.NoError(t, err, "Matrix(stud.csv)")
	res, err := runSearch(X, tab.Target, []linear.Candidate{{Name: "ols", Family: linear.OLS}}, searchOpts{Folds: 5})
	require.NoError(t, err, "Search")
	r := res.Results[0]
	t.Logf("5-fold CV of OLS on stud.csv: folds %.10f, mean %.10f, std %.10f (handed down 0.8704, 0.012; rerun 0.8718, 0.0150)",
		r.FoldR2, r.CVMean, r.CVStd)
	assert.InDelta(t, 0.8718, r.CVMean, 0.002, "CV mean R²")
	assert.InDelta(t, 0.0150, r.CVStd, 0.003, "CV R² standard deviation")
	wantFolds := []float64{0.88175228, 0.86735327, 0.84425349, 0.88464738, 0.88099232} // printed to 8 decimals
	require.Len(t, r.FoldR2, len(wantFolds))
	for f, want := range wantFolds {
		assert.InDelta(t, want, r.FoldR2[f], 1e-8, "fold %d R² (scikit-learn, full rank)", f+1)
	}
	assert.InDelta(t, 0.8717997497, r.CVMean, parityTol, "CV mean R² (scikit-learn, full rank)")
	assert.InDelta(t, 0.0150145624, r.CVStd, parityTol, "CV R² standard deviation (scikit-learn, full rank)")
}
