package ensemble_test

import (
	"fmt"

	"github.com/studentperf/studentperf/shared/ensemble"
	"github.com/studentperf/studentperf/shared/tree"
)

// ExampleFitBoostClassifier fits three classes of a score (below 30,
// 30 to 70, above) and reads the probabilities and margins of two rows.
func ExampleFitBoostClassifier() {
	const n = 300
	d := &tree.Data{Rows: n, Levels: []int{0}, X: make([]float64, n)}
	y := make([]float64, n)
	for i := range n {
		x := float64(i * 37 % 100)
		d.X[i] = x
		switch {
		case x >= 70:
			y[i] = 2
		case x >= 30:
			y[i] = 1
		}
	}
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
	c, err := ensemble.FitBoostClassifier(bd, y, 3, ensemble.Classify{Rounds: 50, LearningRate: 0.1,
		Tree: tree.Params{MaxLeaves: 8, MinSamplesLeaf: 5}}, 42)
	if err != nil {
		fmt.Println(err)
		return
	}
	proba := make([]float64, 3)
	margins := make([]float64, c.Outputs())
	for _, x := range []float64{12, 85} {
		c.PredictProba([]float64{x}, proba)
		c.Margin([]float64{x}, margins)
		fmt.Printf("x=%v: probabilities %.5f, margins %.2f\n", x, proba, margins)
	}
	// Output:
	// x=12: probabilities [0.99996 0.00002 0.00002], margins [4.58 -6.22 -6.43]
	// x=85: probabilities [0.00002 0.00002 0.99996], margins [-6.43 -6.22 4.58]
}
