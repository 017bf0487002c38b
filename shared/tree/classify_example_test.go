package tree_test

import (
	"fmt"

	"github.com/studentperf/studentperf/shared/tree"
)

// ExampleClassGrower grows a classification tree of depth 2 on a score
// and a category of three levels, and reads its leaves' class shares.
func ExampleClassGrower() {
	d := &tree.Data{Levels: []int{0, 3}}
	var y []float64
	for i := range 60 {
		score, level := float64(i%20), i%3
		d.X = append(d.X, score, float64(level))
		switch {
		case level == 2:
			y = append(y, 2)
		case score >= 10:
			y = append(y, 1)
		default:
			y = append(y, 0)
		}
	}
	d.Rows = len(y)
	binner, err := tree.FitBinner(d, nil, tree.MaxBins)
	if err != nil {
		fmt.Println(err)
		return
	}
	bd, err := binner.Bin(d, nil)
	if err != nil {
		fmt.Println(err)
		return
	}
	g, err := tree.NewClassGrower(bd, 3, tree.Gini, tree.Params{MaxDepth: 2})
	if err != nil {
		fmt.Println(err)
		return
	}
	rows := make([]int32, d.Rows)
	for i := range rows {
		rows[i] = int32(i)
	}
	t, _, err := g.Grow(y, nil, rows, nil)
	if err != nil {
		fmt.Println(err)
		return
	}
	proba := make([]float64, 3)
	for _, x := range [][]float64{{3, 0}, {15, 1}, {15, 2}} {
		t.PredictProba(x, proba)
		fmt.Printf("score %v, level %v: %.2f\n", x[0], x[1], proba)
	}
	// Output:
	// score 3, level 0: [1.00 0.00 0.00]
	// score 15, level 1: [0.00 1.00 0.00]
	// score 15, level 2: [0.00 0.00 1.00]
}
