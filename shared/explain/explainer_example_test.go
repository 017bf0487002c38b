package explain_test

import (
	"context"
	"fmt"
	"math"

	"github.com/studentperf/studentperf/shared/dataset"
	"github.com/studentperf/studentperf/shared/explain"
	"github.com/studentperf/studentperf/shared/features"
	"github.com/studentperf/studentperf/shared/linear"
	"github.com/studentperf/studentperf/shared/model"
)

// sampleOLS fits OLS on the embedded sample, as train does.
func sampleOLS() (*model.Model, error) {
	tab, _, err := dataset.Load(context.Background(), "sample", dataset.Students, dataset.SourceOptions{Seed: 42})
	if err != nil {
		return nil, err
	}
	tr, err := features.Fit(tab)
	if err != nil {
		return nil, err
	}
	X, err := tr.Matrix(tab)
	if err != nil {
		return nil, err
	}
	lin, err := linear.Fit(X, tab.Target, linear.Candidate{Name: linear.OLS, Family: linear.OLS})
	if err != nil {
		return nil, err
	}
	return model.New("example", dataset.Students, tr, model.Estimator{Name: linear.OLS, Family: linear.OLS, Linear: lin}, model.Provenance{})
}

// An explainer is built once per model; then each explanation splits a
// prediction into the typical student's (the baseline) and one
// contribution per input. A student who is typical but for a reading
// score 10 points above the median owes the whole difference to it.
func ExampleExplainer() {
	m, err := sampleOLS()
	if err != nil {
		fmt.Println(err)
		return
	}
	ex, err := explain.New(m)
	if err != nil {
		fmt.Println(err)
		return
	}
	r := ex.Reference()
	r.Num[0] += 10 // reading_score, the transform's first score
	e, err := ex.Explain(r)
	if err != nil {
		fmt.Println(err)
		return
	}
	sum := e.Baseline
	for i, f := range m.Features {
		sum += e.Contributions[i]
		if e.Contributions[i] != 0 {
			fmt.Printf("%s: %+.0f points\n", f.Name, e.Contributions[i])
		}
	}
	fmt.Println("baseline + contributions = prediction:", math.Abs(sum-e.Prediction) < 1e-9)
	// Output:
	// reading_score: +5 points
	// baseline + contributions = prediction: true
}
