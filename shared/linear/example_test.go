package linear_test

import (
	"fmt"

	"github.com/studentperf/studentperf/shared/linear"
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
	m, err := linear.Fit(X, y, linear.Candidate{Name: "ols", Family: linear.OLS})
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

func ExampleCrossValidate() {
	// 20 rows of y = 3 + 2·x₁ − x₂ plus a small wobble, in 4 folds.
	const n = 20
	X := mat.NewDense(n, 2, nil)
	y := make([]float64, n)
	for i := range n {
		x1, x2 := float64(i), float64(i*7%5)
		X.SetRow(i, []float64{x1, x2})
		y[i] = 3 + 2*x1 - x2 + 0.5*float64(i*3%4) - 0.75
	}
	folds := [][2]int{{0, 5}, {5, 10}, {10, 15}, {15, 20}}
	cands := linear.Grid()
	cv, err := linear.CrossValidate(X, y, cands, folds, linear.Options{})
	if err != nil {
		fmt.Println(err)
		return
	}
	fmt.Printf("%d candidates; %s: fold R² %.4f\n", len(cv.Scores), cands[0].Name, cv.Scores[0].FoldR2)
	m, err := cv.Refit(0)
	if err != nil {
		fmt.Println(err)
		return
	}
	fmt.Printf("refitted: y = %.4f %+.4f·x₁ %+.4f·x₂\n", m.Intercept, m.Coef[0], m.Coef[1])
	// Output:
	// 22 candidates; ols: fold R² [0.9051 0.9302 0.9550 0.9455]
	// refitted: y = 2.9676 +2.0038·x₁ -1.0019·x₂
}
