package model_test

import (
	"errors"
	"fmt"
	"strings"

	"github.com/studentperf/studentperf/shared/dataset"
	"github.com/studentperf/studentperf/shared/features"
	"github.com/studentperf/studentperf/shared/linear"
	"github.com/studentperf/studentperf/shared/model"
)

// Example builds a model from its fitted parts (schema, transform,
// estimator), encodes it as model.json, loads it back against its sha256
// and predicts a row, as train builds and predict serves one.
func Example() {
	schema := dataset.Schema{
		// The student schema's lunch and reading score: an unknown level
		// is an error, the score is in [0, 100].
		Features: []dataset.Column{dataset.Students.Features[3], dataset.Students.Features[5]},
		Target:   "math_score",
	}
	tab, err := dataset.Read(strings.NewReader(`lunch,reading_score,math_score
standard,70,72
free/reduced,50,47
standard,60,64
free/reduced,80,70
standard,90,88
`), schema)
	if err != nil {
		fmt.Println(err)
		return
	}
	tr, err := features.Fit(tab)
	if err != nil {
		fmt.Println(err)
		return
	}
	X, err := tr.Matrix(tab)
	if err != nil {
		fmt.Println(err)
		return
	}
	ols, err := linear.Fit(X, tab.Target, linear.Candidate{Name: "ols", Family: linear.OLS})
	if err != nil {
		fmt.Println(err)
		return
	}
	m, err := model.New("tiny", schema, tr, model.Estimator{Name: "ols", Family: linear.OLS, Linear: ols}, model.Provenance{Seed: 42, Folds: 2})
	if err != nil {
		fmt.Println(err)
		return
	}

	data, err := model.Encode(m) // the bytes of model.json
	if err != nil {
		fmt.Println(err)
		return
	}
	sum := model.Sum(data) // the sha256 that current.json records
	back, err := model.Load(data, sum)
	if err != nil {
		fmt.Println(err)
		return
	}
	// Rows are in the transform's order: categories, then scores.
	row := features.Row{Cat: []string{"standard"}, Num: []float64{75}}
	before, _ := m.Predict(row)
	after, err := back.Predict(row)
	fmt.Printf("%s predicts %.2f, loaded %.2f (%v)\n", back.Name, before, after, err)

	// A byte changed is caught on load; a bad row names its fields.
	data[len(data)/2] ^= 1
	_, err = model.Load(data, sum)
	fmt.Println("changed byte:", errors.Is(err, model.ErrChecksum))
	_, err = back.Predict(features.Row{Cat: []string{"caviar"}, Num: []float64{120}})
	fmt.Println(err)
	// Output:
	// tiny predicts 75.97, loaded 75.97 (<nil>)
	// changed byte: true
	// field "lunch", value "caviar": unknown category (allowed: "free/reduced", "standard"); field "reading_score", value "120": must be between 0 and 100
}
