package regress_test

import (
	"math"
	"testing"

	"github.com/studentperf/studentperf/shared/dataset"
	"github.com/studentperf/studentperf/shared/features"
	"github.com/studentperf/studentperf/shared/regress"
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
// noise, and regress matches them to about 1e-10; the checks allow 1e-6.
const parityTol = 1e-6

// fitted is the training pipeline up to the design matrix: transforms
// fitted on train, and train's and test's design matrices.
type fitted struct {
	tr            *features.Transform
	train, test   *dataset.Table
	xTrain, xTest *mat.Dense
}

func fitTrainTest(tb testing.TB) fitted {
	tb.Helper()
	f := fitted{train: readStudents(tb, "train.csv"), test: readStudents(tb, "test.csv")}
	var err error
	if f.tr, err = features.Fit(f.train); err != nil {
		tb.Fatalf("features.Fit(train.csv): %v", err)
	}
	if f.xTrain, err = f.tr.Matrix(f.train); err != nil {
		tb.Fatalf("Matrix(train.csv): %v", err)
	}
	if f.xTest, err = f.tr.Matrix(f.test); err != nil {
		tb.Fatalf("Matrix(test.csv): %v", err)
	}
	return f
}

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
		if !ok {
			tb.Fatalf("transform has unexpected category %q", c.Name)
		}
		r.Cat[i] = v
	}
	for i, n := range tr.Numeric {
		v, ok := nums[n.Name]
		if !ok {
			tb.Fatalf("transform has unexpected score %q", n.Name)
		}
		r.Num[i] = v
	}
	return r
}

func TestReferenceOLSPrediction(t *testing.T) {
	f := fitTrainTest(t)
	m, err := regress.Fit(f.xTrain, f.train.Target, regress.Spec{Name: "ols", Family: regress.OLS})
	if err != nil {
		t.Fatalf("Fit(OLS): %v", err)
	}
	x := make([]float64, f.tr.Width())
	if err := f.tr.Encode(referenceRow(t, f.tr), x); err != nil {
		t.Fatalf("Encode(reference record): %v", err)
	}
	got := m.Predict(x)
	t.Logf("reference prediction %.10f (scikit-learn 66.1095; full rank 66.1102133162)", got)
	if want := 66.11; math.Abs(got-want) > 0.01 {
		t.Errorf("OLS prediction for the reference record: got %.4f; want %.2f ± 0.01 (scikit-learn 66.1095)", got, want)
	}
	if want := 66.1102133162; math.Abs(got-want) > parityTol {
		t.Errorf("OLS prediction for the reference record: got %.10f; want %.10f ± %g (scikit-learn, full rank)", got, want, parityTol)
	}
}

func TestReferenceOLSTestMetrics(t *testing.T) {
	f := fitTrainTest(t)
	m, err := regress.Fit(f.xTrain, f.train.Target, regress.Spec{Name: "ols", Family: regress.OLS})
	if err != nil {
		t.Fatalf("Fit(OLS): %v", err)
	}
	got, err := regress.Evaluate(f.test.Target, predictAll(m, f.xTest))
	if err != nil {
		t.Fatalf("Evaluate: %v", err)
	}
	t.Logf("OLS on test.csv: R² %.10f, RMSE %.10f, MAE %.10f over %d rows (scikit-learn 0.8804 / 5.394 / 4.215)",
		got.R2, got.RMSE, got.MAE, got.Rows)
	if got.Rows != 200 {
		t.Errorf("rows: got %d; want 200", got.Rows)
	}
	if got.R2 < 0.880 {
		t.Errorf("R²: got %.4f; want ≥ 0.880 (scikit-learn 0.8804)", got.R2)
	}
	if got.RMSE > 5.40 {
		t.Errorf("RMSE: got %.4f; want ≤ 5.40 (scikit-learn 5.394)", got.RMSE)
	}
	if got.MAE > 4.22 {
		t.Errorf("MAE: got %.4f; want ≤ 4.22 (scikit-learn 4.215)", got.MAE)
	}
	for _, c := range []struct {
		name      string
		got, want float64
	}{
		{"R²", got.R2, 0.8804332984},
		{"RMSE", got.RMSE, 5.3939938697},
		{"MAE", got.MAE, 4.2147631425},
	} {
		if math.Abs(c.got-c.want) > parityTol {
			t.Errorf("%s: got %.10f; want %.10f ± %g (scikit-learn, full rank)", c.name, c.got, c.want, parityTol)
		}
	}
}

func TestReferenceRidgeTestR2(t *testing.T) {
	f := fitTrainTest(t)
	m, err := regress.Fit(f.xTrain, f.train.Target, spec(regress.Ridge, 1))
	if err != nil {
		t.Fatalf("Fit(ridge alpha=1): %v", err)
	}
	got, err := regress.Evaluate(f.test.Target, predictAll(m, f.xTest))
	if err != nil {
		t.Fatalf("Evaluate: %v", err)
	}
	t.Logf("Ridge(alpha=1) on test.csv: R² %.10f (scikit-learn 0.8806; rerun 0.8805671791)", got.R2)
	if want := 0.8806; math.Abs(got.R2-want) > 0.0005 {
		t.Errorf("Ridge(alpha=1) test R²: got %.5f; want %.4f ± 0.0005", got.R2, want)
	}
	// Ridge is full rank, so the rerun on the original's own design is exact.
	if want := 0.8805671791; math.Abs(got.R2-want) > parityTol {
		t.Errorf("Ridge(alpha=1) test R²: got %.10f; want %.10f ± %g (scikit-learn rerun)", got.R2, want, parityTol)
	}
}

// TestReferenceCrossValidation checks the 5-fold CV of OLS on stud.csv.
//
// The figures handed down, mean 0.8704 and standard deviation 0.012, are
// not those of contiguous folds: scikit-learn 1.2.1 itself,
// cross_val_score(pipeline, X, y, cv=5) on stud.csv, gives 0.8718112736 and
// 0.0150039438 on the original's collinear design and 0.8717997497 and
// 0.0150145624 with drop='first' (the folds below), which regress
// reproduces to 1e-10. The handed-down figures are close to those of a
// shuffled split: KFold(5, shuffle=True, random_state=0) gives 0.8703 and
// 0.0123. As 0.0150 misses 0.012 ± 0.003, the checks use the rerun's
// contiguous-fold figures, with the same tolerances, then the parity
// tolerance.
func TestReferenceCrossValidation(t *testing.T) {
	tab := readStudents(t, "stud.csv")
	// The transforms are fitted on all rows, where the original's pipeline
	// refitted them in each fold. For OLS that cannot move the fold scores:
	// there is nothing to impute, every level occurs in every training
	// fold, and per-column shifts and scales leave the column space (with
	// the intercept), and so the predictions, alone.
	tr, err := features.Fit(tab)
	if err != nil {
		t.Fatalf("features.Fit(stud.csv): %v", err)
	}
	X, err := tr.Matrix(tab)
	if err != nil {
		t.Fatalf("Matrix(stud.csv): %v", err)
	}
	res, err := regress.Search(X, tab.Target, []regress.Spec{{Name: "ols", Family: regress.OLS}}, regress.Options{Folds: 5})
	if err != nil {
		t.Fatalf("Search: %v", err)
	}
	r := res.Results[0]
	t.Logf("5-fold CV of OLS on stud.csv: folds %.10f, mean %.10f, std %.10f (handed down 0.8704, 0.012; rerun 0.8718, 0.0150)",
		r.FoldR2, r.CVMean, r.CVStd)
	if want := 0.8718; math.Abs(r.CVMean-want) > 0.002 {
		t.Errorf("CV mean R²: got %.4f; want %.4f ± 0.002", r.CVMean, want)
	}
	if want := 0.0150; math.Abs(r.CVStd-want) > 0.003 {
		t.Errorf("CV R² standard deviation: got %.4f; want %.4f ± 0.003", r.CVStd, want)
	}
	wantFolds := []float64{0.88175228, 0.86735327, 0.84425349, 0.88464738, 0.88099232} // printed to 8 decimals
	for f, want := range wantFolds {
		if math.Abs(r.FoldR2[f]-want) > 1e-8 {
			t.Errorf("fold %d R²: got %.10f; want %.8f (scikit-learn, full rank)", f+1, r.FoldR2[f], want)
		}
	}
	if want := 0.8717997497; math.Abs(r.CVMean-want) > parityTol {
		t.Errorf("CV mean R²: got %.10f; want %.10f ± %g (scikit-learn, full rank)", r.CVMean, want, parityTol)
	}
	if want := 0.0150145624; math.Abs(r.CVStd-want) > parityTol {
		t.Errorf("CV R² standard deviation: got %.10f; want %.10f ± %g (scikit-learn, full rank)", r.CVStd, want, parityTol)
	}
}
