package modeltest

import (
	"bytes"
	"context"
	"fmt"
	"math/rand/v2"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
	"github.com/studentperf/studentperf/shared/dataset"
	"github.com/studentperf/studentperf/shared/drift"
	"github.com/studentperf/studentperf/shared/features"
	"github.com/studentperf/studentperf/shared/linear"
	"github.com/studentperf/studentperf/shared/model"
)

// GenericTarget is the target column of GenericCSV.
const GenericTarget = "price"

// GenericZips are the levels of GenericCSV's zip column: numbers that
// name categories.
var GenericZips = []string{"95823", "10001", "60601", "73301"}

// GenericCSV generates a table unlike the student data, seeded: an ID
// column (text, unique on every row: ignored), a zip code (numeric-looking
// levels, read as a category), a grade (text levels) and, with wide, sqft
// in the thousands, a balance that goes negative and a listing date;
// without wide, two numbers within [0, 100] (rooms, age) and no date,
// which every drift baseline can bin. The target, price, is linear in the features
// plus noise.
func GenericCSV(n int, seed uint64, wide bool) []byte {
	rng := rand.New(rand.NewPCG(seed, 18))
	grades := []string{"good", "fair", "excellent"}
	var b bytes.Buffer
	a, c := "sqft", "balance"
	if !wide {
		a, c = "rooms", "age"
	}
	date := ",listed"
	if !wide {
		date = ""
	}
	fmt.Fprintf(&b, "id,zip,grade,%s,%s%s,%s\n", a, c, date, GenericTarget)
	start := time.Date(2023, 1, 1, 0, 0, 0, 0, time.UTC)
	for i := range n {
		zip := rng.IntN(len(GenericZips))
		grade := rng.IntN(len(grades))
		x := 500 + rng.Float64()*4500 // sqft
		y := -2000 + rng.Float64()*5000
		if !wide {
			x, y = 1+rng.Float64()*9, 18+rng.Float64()*70
		}
		day := rng.IntN(700)
		listed := start.AddDate(0, 0, day)
		price := 1000*float64(zip) + 500*float64(grade) + 3*x + 0.5*y + float64(day) + rng.NormFloat64()*50
		d := "," + listed.Format("2006-01-02")
		if !wide {
			d = ""
		}
		fmt.Fprintf(&b, "A%05d,%s,%s,%.1f,%.1f%s,%.2f\n", i, GenericZips[zip], grades[grade], x, y, d, price)
	}
	return b.Bytes()
}

// FitInferred fits OLS named name on the CSV data with the schema inferred
// for target (the columns in categorical read as categories), as train
// does, with the training data's drift baseline when one can be fitted.
func FitInferred(tb testing.TB, name string, data []byte, target string, categorical ...string) (*model.Model, *dataset.Table) {
	tb.Helper()
	path := filepath.Join(tb.TempDir(), "data.csv")
	require.NoError(tb, os.WriteFile(path, data, 0o600))
	choice := dataset.SchemaChoice{Infer: dataset.InferOptions{Target: target, Categorical: categorical}}
	tab, s, info, err := dataset.LoadInferred(context.Background(), path, choice, dataset.SourceOptions{})
	require.NoError(tb, err, "load %s", path)
	tr, err := features.Fit(tab)
	require.NoError(tb, err, "fit transforms")
	X, err := tr.Matrix(tab)
	require.NoError(tb, err, "design matrix")
	lin, err := linear.Fit(X, tab.Target, linear.Candidate{Name: linear.OLS, Family: linear.OLS})
	require.NoError(tb, err, "fit OLS")
	m, err := model.New(name, s, tr, model.Estimator{Name: linear.OLS, Family: linear.OLS, Linear: lin},
		model.Provenance{Seed: 1, Folds: 5, Data: model.DataInfo{URI: info.URI, Rows: info.Rows, SHA256: info.SHA256}})
	require.NoError(tb, err, "new model")
	if base, err := drift.Fit(tab, tr); err == nil {
		m.Training = base
	}
	return m, tab
}

// GenericModel is FitInferred on 400 rows of GenericCSV, zip read as a
// category.
func GenericModel(tb testing.TB, name string, wide bool) (*model.Model, *dataset.Table) {
	tb.Helper()
	return FitInferred(tb, name, GenericCSV(400, 7, wide), GenericTarget, "zip")
}
