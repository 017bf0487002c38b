package linear_test

import (
	"fmt"

	"github.com/studentperf/studentperf/shared/linear"
	"gonum.org/v1/gonum/mat"
)

// A binary classifier on one feature: cross-validate the default grid on
// stratified folds (each an index set of held-out rows), pick the lowest
// mean log loss, refit it on every row, and read one row's probabilities.
func ExampleCrossValidateLogistic() {
	x := []float64{-3, -2.5, -2, -1.5, -1, -0.5, 0, 0.5, 1, 1.5, 2, 2.5, 3, 3.5, -0.2, 0.2}
	y := []int{0, 0, 0, 0, 0, 1, 0, 1, 1, 0, 1, 1, 1, 1, 0, 1}
	X := mat.NewDense(len(x), 1, x)
	folds := [][]int{{0, 5, 8, 12}, {1, 6, 9, 13}, {2, 7, 10, 14}, {3, 4, 11, 15}}
	grid := linear.LogisticGrid()
	cv, err := linear.CrossValidateLogistic(X, y, 2, grid, folds, linear.Options{})
	if err != nil {
		fmt.Println(err)
		return
	}
	best := 0
	for i, sc := range cv.Scores {
		if sc.Skipped == "" && mean(sc.FoldLogLoss) < mean(cv.Scores[best].FoldLogLoss) {
			best = i
		}
	}
	m, err := cv.Refit(best)
	if err != nil {
		fmt.Println(err)
		return
	}
	p, _ := m.PredictProba([]float64{1.5}, nil)
	fmt.Printf("%d candidates; best %s, CV log loss %.4f\n", len(grid), grid[best].Name, mean(cv.Scores[best].FoldLogLoss))
	fmt.Printf("log-odds = %.4f %+.4f·x; P(0 | x=1.5) = %.4f, P(1 | x=1.5) = %.4f\n", m.Intercept[0], m.Coef[0][0], p[0], p[1])
	// Output:
	// 11 candidates; best logistic(C=1), CV log loss 0.5464
	// log-odds = -0.1960 +0.9874·x; P(0 | x=1.5) = 0.2167, P(1 | x=1.5) = 0.7833
}
