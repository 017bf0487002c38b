package knn_test

import (
	"fmt"

	"github.com/studentperf/studentperf/shared/knn"
)

func ExampleClassifier_PredictProba() {
	// Five one-column rows of classes 0, 0, 1, 1, 2; three neighbours voting
	// by inverse distance.
	c, err := knn.FitClassifier([]float64{0, 1, 2, 3, 4}, 1, []int{0, 0, 1, 1, 2}, 3, 3, true)
	if err != nil {
		fmt.Println(err)
		return
	}
	p := make([]float64, 3)
	c.PredictProba([]float64{1.5}, p) // rows at 1 and 2 (distance 0.5), 0 or 3 (1.5): 0 first
	fmt.Printf("%.4f\n", p)
	c.PredictProba([]float64{3}, p) // an exact match takes all the weight
	fmt.Printf("%.4f\n", p)
	// Output:
	// [0.5714 0.4286 0.0000]
	// [0.0000 1.0000 0.0000]
}
