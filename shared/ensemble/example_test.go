package ensemble_test

import (
	"fmt"

	"github.com/studentperf/studentperf/shared/ensemble"
	"github.com/studentperf/studentperf/shared/tree"
)

// exampleData is 40 rows of a score x in [0, 100) and a category of two
// levels, with the target y = x/10 + 5 on level 1: rows as package tree
// takes them (binned) and the targets.
func exampleData() (*tree.Data, *tree.Binned, []float64, error) {
	const n = 40
	d := &tree.Data{Rows: n, Levels: []int{0, 2}, X: make([]float64, 0, 2*n)}
	y := make([]float64, n)
	for i := range n {
		x, level := float64(i*37%100), float64(i%2)
		d.X = append(d.X, x, level)
		y[i] = x/10 + 5*level
	}
	binner, err := tree.FitBinner(d, nil, tree.MaxBins)
	if err != nil {
		return nil, nil, nil, err
	}
	bd, err := binner.Bin(d, nil)
	return d, bd, y, err
}

// ExampleFitBoost fits 100 boosted trees of depth 2 and predicts a row
// with all of them, then with their first 1, 10 and 100 at once (Staged),
// as a search scores every tree count of its grid from one fit.
func ExampleFitBoost() {
	_, bd, y, err := exampleData()
	if err != nil {
		fmt.Println(err)
		return
	}
	e, err := ensemble.FitBoost(bd, y, ensemble.Boost{Trees: 100, LearningRate: 0.3, Subsample: 1, Tree: tree.Params{MaxDepth: 2}}, 42)
	if err != nil {
		fmt.Println(err)
		return
	}
	x := []float64{55, 1} // y = 5.5 + 5
	fmt.Printf("%d trees: %.2f\n", len(e.Trees), e.Predict(x))
	staged := make([]float64, 3)
	e.Staged(x, []int{1, 10, 100}, staged, nil)
	fmt.Printf("the first 1, 10 and 100 trees: %.2f\n", staged)
	// Output:
	// 100 trees: 10.48
	// the first 1, 10 and 100 trees: [8.91 10.50 10.48]
}

// ExampleFitForest fits a random forest of 20 bootstrapped trees, the same
// trees for the same seed, and predicts three rows in one batch.
func ExampleFitForest() {
	d, bd, y, err := exampleData()
	if err != nil {
		fmt.Println(err)
		return
	}
	e, err := ensemble.FitForest(bd, y, ensemble.Forest{Trees: 20, Bootstrap: true, Tree: tree.Params{MinSamplesLeaf: 2}}, 7)
	if err != nil {
		fmt.Println(err)
		return
	}
	x := []float64{
		15, 0, // y = 1.5
		55, 1, // y = 10.5
		95, 1, // y = 14.5
	}
	out := make([]float64, 3)
	e.PredictBatch(x, d.Cols(), out)
	fmt.Printf("%d trees: %.2f\n", len(e.Trees), out)
	// Output:
	// 20 trees: [1.43 10.51 14.21]
}
