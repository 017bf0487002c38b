package ensemble_test

import (
	"fmt"

	"github.com/studentperf/studentperf/shared/ensemble"
	"github.com/studentperf/studentperf/shared/tree"
)

// passFail is 300 rows of a score and a category of three levels, and
// whether each passed: a score of 50 or more, or 40 or more in level 2,
// with every eleventh label flipped.
func passFail() (*tree.Binned, []float64) {
	const n = 300
	d := &tree.Data{Rows: n, Levels: []int{0, 3}}
	y := make([]float64, n)
	for i := range n {
		x, c := float64(i*37%100), i%3
		d.X = append(d.X, x, float64(c))
		if x >= 50 || (c == 2 && x >= 40) {
			y[i] = 1
		}
		if i%11 == 0 {
			y[i] = 1 - y[i]
		}
	}
	binner, err := tree.FitBinner(d, nil, tree.MaxBins)
	if err != nil {
		panic(err)
	}
	bd, err := binner.Bin(d, nil)
	if err != nil {
		panic(err)
	}
	return bd, y
}

// ExampleFitForestClassifier fits a forest of 50 trees and reads the
// probabilities of four rows: a score of 45 passes in level 2 only.
func ExampleFitForestClassifier() {
	bd, y := passFail()
	f, err := ensemble.FitForestClassifier(bd, y, 2, ensemble.ForestClassify{Trees: 50, Bootstrap: true,
		Tree: tree.Params{MinSamplesLeaf: 5}}, 42)
	if err != nil {
		fmt.Println(err)
		return
	}
	proba := make([]float64, 2)
	for _, x := range [][]float64{{20, 0}, {45, 0}, {45, 2}, {80, 1}} {
		f.PredictProba(x, proba)
		fmt.Printf("score %v, level %v: P(pass) %.2f\n", x[0], x[1], proba[1])
	}
	// Output:
	// score 20, level 0: P(pass) 0.17
	// score 45, level 0: P(pass) 0.20
	// score 45, level 2: P(pass) 0.78
	// score 80, level 1: P(pass) 0.93
}

// ExampleFitAdaBoostClassifier fits SAMME on trees of depth 2 and reads the
// probabilities of the same rows (SAMME's are soft: a softmax of
// the weighted votes).
func ExampleFitAdaBoostClassifier() {
	bd, y := passFail()
	a, err := ensemble.FitAdaBoostClassifier(bd, y, 2, ensemble.AdaBoostClassify{Trees: 50, LearningRate: 1,
		Tree: tree.Params{MaxDepth: 2}}, 42)
	if err != nil {
		fmt.Println(err)
		return
	}
	proba := make([]float64, 2)
	for _, x := range [][]float64{{20, 0}, {45, 0}, {45, 2}, {80, 1}} {
		a.PredictProba(x, proba)
		fmt.Printf("score %v, level %v: P(pass) %.2f\n", x[0], x[1], proba[1])
	}
	fmt.Println(len(a.Trees), "trees")
	// Output:
	// score 20, level 0: P(pass) 0.44
	// score 45, level 0: P(pass) 0.47
	// score 45, level 2: P(pass) 0.50
	// score 80, level 1: P(pass) 0.56
	// 50 trees
}
