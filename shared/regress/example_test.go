package regress_test

import (
	"fmt"

	"github.com/studentperf/studentperf/shared/regress"
	"gonum.org/v1/gonum/mat"
)

func ExampleFit() {
	// y = 1 + 2·x₁ − 3·x₂ exactly.
	X := mat.NewDense(5, 2, []float64{
		0, 1,
		1, 0,
		2, 2,
		3, 1,
		4, 3,
	})
	y := []float64{-2, 3, -1, 4, 0}
	m, err := regress.Fit(X, y, regress.Spec{Name: "ols", Family: regress.OLS})
	if err != nil {
		fmt.Println(err)
		return
	}
	fmt.Printf("y = %.4f %+.4f·x₁ %+.4f·x₂\n", m.Intercept, m.Coef[0], m.Coef[1])
	fmt.Printf("prediction at (10, 5): %.4f\n", m.Predict([]float64{10, 5}))
	// Output:
	// y = 1.0000 +2.0000·x₁ -3.0000·x₂
	// prediction at (10, 5): 6.0000
}

func ExampleSearch() {
	// 20 rows of y = 3 + 2·x₁ − x₂ plus a small wobble.
	const n = 20
	X := mat.NewDense(n, 2, nil)
	y := make([]float64, n)
	for i := range n {
		x1, x2 := float64(i), float64(i*7%5)
		X.SetRow(i, []float64{x1, x2})
		y[i] = 3 + 2*x1 - x2 + 0.5*float64(i*3%4) - 0.75
	}
	res, err := regress.Search(X, y, regress.LinearFamily(), regress.Options{Folds: 4})
	if err != nil {
		fmt.Println(err)
		return
	}
	best := res.Results[res.Best]
	fmt.Printf("%d candidates, %d folds\n", len(res.Results), res.Folds)
	fmt.Printf("best: %s, CV R² %.4f ± %.4f\n", best.Name, best.CVMean, best.CVStd)
	fmt.Printf("refitted: y = %.4f %+.4f·x₁ %+.4f·x₂\n", res.Model.Intercept, res.Model.Coef[0], res.Model.Coef[1])
	// Output:
	// 22 candidates, 4 folds
	// best: ols, CV R² 0.9340 ± 0.0189
	// refitted: y = 2.9676 +2.0038·x₁ -1.0019·x₂
}

func ExampleEvaluate() {
	m, err := regress.Evaluate([]float64{1, 2, 3, 4}, []float64{1, 2, 3, 5})
	if err != nil {
		fmt.Println(err)
		return
	}
	fmt.Printf("R² %.4f, RMSE %.4f, MAE %.4f over %d rows\n", m.R2, m.RMSE, m.MAE, m.Rows)
	// Output:
	// R² 0.8000, RMSE 0.5000, MAE 0.2500 over 4 rows
}
