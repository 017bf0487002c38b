package features_test

import (
	"fmt"
	"math"
	"strings"

	"github.com/studentperf/studentperf/shared/dataset"
	"github.com/studentperf/studentperf/shared/features"
)

// exampleTransform fits transforms on four training rows, one of them
// missing its score.
func exampleTransform() (*features.Transform, error) {
	schema := dataset.Schema{
		// The student schema's lunch and reading score: an unknown level
		// is an error, the score is in [0, 100].
		Features: []dataset.Column{dataset.Students.Features[3], dataset.Students.Features[5]},
		Target:   "math_score",
	}
	train, err := dataset.Read(strings.NewReader(`lunch,reading_score,math_score
standard,70,72
free/reduced,50,47
standard,,76
standard,96,88
`), schema)
	if err != nil {
		return nil, err
	}
	return features.Fit(train)
}

func ExampleFit() {
	tr, err := exampleTransform()
	if err != nil {
		fmt.Println(err)
		return
	}
	// The missing score is imputed with the median of the others before
	// the mean and scale are taken.
	n := tr.Numeric[0]
	fmt.Printf("%s: median %.4f, mean %.4f, scale %.4f\n", n.Name, n.Median, n.Mean, n.Scale)
	c := tr.Categorical[0]
	fmt.Printf("%s: levels %q, most frequent %q, scales %.4f\n", c.Name, c.Levels, c.Levels[c.MostFrequent], c.Scale)
	fmt.Println(tr.Names())
	// Output:
	// reading_score: median 70.0000, mean 71.5000, scale 16.3325
	// lunch: levels ["free/reduced" "standard"], most frequent "standard", scales [0.4330 0.4330]
	// [reading_score lunch=free/reduced lunch=standard]
}

func ExampleTransform_Encode() {
	tr, err := exampleTransform()
	if err != nil {
		fmt.Println(err)
		return
	}
	// Case and surrounding spaces are forgiven; a missing score (NaN) is
	// imputed with the training median.
	x := make([]float64, tr.Width())
	for _, r := range []features.Row{
		{Cat: []string{"standard"}, Num: []float64{85}},
		{Cat: []string{" Standard"}, Num: []float64{math.NaN()}},
		{Cat: []string{""}, Num: []float64{50}},
	} {
		if err := tr.Encode(r, x); err != nil {
			fmt.Println(err)
			return
		}
		fmt.Printf("%q %v → %.4f\n", r.Cat, r.Num, x)
	}
	// A bad record gets every problem at once.
	fmt.Println(tr.Encode(features.Row{Cat: []string{"none"}, Num: []float64{120}}, x))
	// Output:
	// ["standard"] [85] → [0.8266 0.0000 2.3094]
	// [" Standard"] [NaN] → [-0.0918 0.0000 2.3094]
	// [""] [50] → [-1.3164 0.0000 2.3094]
	// field "lunch", value "none": unknown category (allowed: "free/reduced", "standard"); field "reading_score", value "120": must be between 0 and 100
}
