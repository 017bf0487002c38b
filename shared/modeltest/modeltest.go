// Package modeltest fits small real models for other packages' tests:
// OLS on the project's own generated data or a data file, through the
// same dataset, features, regress and model code that train runs.
package modeltest

import (
	"context"
	"testing"

	"github.com/studentperf/studentperf/shared/dataset"
	"github.com/studentperf/studentperf/shared/features"
	"github.com/studentperf/studentperf/shared/model"
	"github.com/studentperf/studentperf/shared/realdata"
	"github.com/studentperf/studentperf/shared/regress"
)

// Fit fits OLS named name on the data behind uri ("sample",
// "synthetic:N" with seed, or a CSV path) and returns the model and the
// table it was fitted on.
func Fit(tb testing.TB, name, uri string, seed uint64) (*model.Model, *dataset.Table) {
	tb.Helper()
	tab, info, err := dataset.Load(context.Background(), uri, dataset.Students, dataset.SourceOptions{Seed: seed})
	if err != nil {
		tb.Fatal(err)
	}
	tr, err := features.Fit(tab)
	if err != nil {
		tb.Fatal(err)
	}
	X, err := tr.Matrix(tab)
	if err != nil {
		tb.Fatal(err)
	}
	lin, err := regress.Fit(X, tab.Target, regress.Spec{Name: regress.OLS, Family: regress.OLS})
	if err != nil {
		tb.Fatal(err)
	}
	m, err := model.New(name, dataset.Students, tr,
		model.Estimator{Name: regress.OLS, Family: regress.OLS, Linear: lin},
		model.Provenance{Seed: seed, Folds: 5, Data: model.DataInfo{URI: info.URI, Rows: info.Rows, SHA256: info.SHA256}})
	if err != nil {
		tb.Fatal(err)
	}
	return m, tab
}

// Encoded is Fit followed by model.Encode: model.json bytes.
func Encoded(tb testing.TB, name, uri string, seed uint64) []byte {
	tb.Helper()
	m, _ := Fit(tb, name, uri, seed)
	b, err := model.Encode(m)
	if err != nil {
		tb.Fatal(err)
	}
	return b
}

// Students reads one file of the real data set (stud.csv, train.csv,
// test.csv) with the Students schema; realdata decides skip or fail when
// it is absent.
func Students(tb testing.TB, name string) *dataset.Table {
	tb.Helper()
	tab, _, err := dataset.Load(context.Background(), realdata.Path(tb, name), dataset.Students, dataset.SourceOptions{})
	if err != nil {
		tb.Fatalf("read %s: %v", name, err)
	}
	return tab
}
