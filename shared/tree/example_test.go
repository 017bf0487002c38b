package tree_test

import (
	"fmt"

	"github.com/studentperf/studentperf/shared/tree"
)

// ExampleGrower grows one tree on eight rows of two features, a score and
// a category of three levels, and predicts a new row. Growing takes three
// steps: fit bin edges, bin the rows, grow on the binned rows.
func ExampleGrower() {
	d := &tree.Data{
		Rows:   8,
		Levels: []int{0, 3}, // a numeric feature, then a categorical one
		X: []float64{
			// score, level index
			10, 0,
			20, 1,
			30, 2,
			40, 0,
			60, 1,
			70, 2,
			80, 0,
			90, 1,
		},
	}
	// The target jumps with the score and, below it, with level 2.
	y := []float64{1, 1, 3, 1, 10, 12, 10, 10}

	binner, err := tree.FitBinner(d, nil, tree.MaxBins) // nil: every row
	if err != nil {
		fmt.Println(err)
		return
	}
	bd, err := binner.Bin(d, nil)
	if err != nil {
		fmt.Println(err)
		return
	}
	g, err := tree.NewGrower(bd, tree.Params{MaxDepth: 2})
	if err != nil {
		fmt.Println(err)
		return
	}
	rows := []int32{0, 1, 2, 3, 4, 5, 6, 7}
	t, _, err := g.Grow(y, rows, nil) // nil: no feature sampling, no randomness
	if err != nil {
		fmt.Println(err)
		return
	}
	fmt.Println("leaves:", t.Leaves())
	for _, x := range [][]float64{{25, 2}, {25, 0}, {65, 2}} {
		fmt.Printf("score %v, level %v: %.2f\n", x[0], x[1], t.Predict(x))
	}
	// Output:
	// leaves: 4
	// score 25, level 2: 3.00
	// score 25, level 0: 1.00
	// score 65, level 2: 12.00
}
