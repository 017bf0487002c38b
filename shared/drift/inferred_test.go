package drift_test

import (
	"fmt"
	"math"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"github.com/studentperf/studentperf/shared/dataset"
	"github.com/studentperf/studentperf/shared/drift"
	"github.com/studentperf/studentperf/shared/features"
	"github.com/studentperf/studentperf/shared/linear"
	"github.com/studentperf/studentperf/shared/model"
)

// inferredModel trains OLS on a table whose schema is inferred, as train
// run -target does: a region, an income in the thousands and a balance
// mostly below zero, with the baseline train stores; it returns the
// model as predict loads it from model.json.
func inferredModel(t *testing.T) *model.Model {
	t.Helper()
	var csv strings.Builder
	csv.WriteString("region,income,balance,price\n")
	regions := []string{"north", "south", "east", "west"}
	for r := range 400 {
		// Neither unique on every row, which inference reads as an ID.
		income := 1000 + float64(r%300*(r%300))
		balance := -8000 + float64(r*37%250)*50
		fmt.Fprintf(&csv, "%s,%g,%g,%g\n", regions[r%4], income, balance, income/100+balance/50+float64(r%7))
	}
	s, err := dataset.Infer(strings.NewReader(csv.String()), dataset.InferOptions{Target: "price"})
	require.NoError(t, err)
	tab, err := dataset.Read(strings.NewReader(csv.String()), s)
	require.NoError(t, err)
	tr, err := features.Fit(tab)
	require.NoError(t, err)
	X, err := tr.Matrix(tab)
	require.NoError(t, err)
	lin, err := linear.Fit(X, tab.Target, linear.Candidate{Name: linear.OLS, Family: linear.OLS})
	require.NoError(t, err)
	m, err := model.New("price", s, tr, model.Estimator{Name: linear.OLS, Family: linear.OLS, Linear: lin}, model.Provenance{Seed: 1, Folds: 5})
	require.NoError(t, err)
	m.Training, err = drift.Fit(tab, tr)
	require.NoError(t, err)
	data, err := model.Encode(m)
	require.NoError(t, err)
	back, err := model.Load(data, model.Sum(data))
	require.NoError(t, err, "a baseline with recorded ranges checks against its schema")
	return back
}

// Under an inferred schema the model serves an unseen level as missing
// and an income far outside training as it is; drift counts the first as
// unseen and the second as out of range, against the recorded training
// range.
func TestInferredSchemaDrift(t *testing.T) {
	m := inferredModel(t)
	b := m.Training
	require.NotNil(t, b)
	income, balance := b.Features[1], b.Features[2]
	require.Equal(t, "income", income.Name)
	require.Equal(t, dataset.Numeric, income.Kind)
	require.NotNil(t, income.Min, "no declared bounds: the training range is recorded")
	assert.Equal(t, 1000.0, *income.Min)
	assert.Greater(t, *income.Max, 80000.0)
	assert.Equal(t, -8000.0, *balance.Min)
	assert.Less(t, balance.Edges[0], 0.0)

	mon, err := drift.NewMonitor(b, m.Transform)
	require.NoError(t, err)
	row := func(region string, income, balance float64) features.Row {
		return features.Row{Cat: []string{region}, Num: []float64{income, balance}}
	}
	rows := []features.Row{
		row("north", 5000, -100),
		row("atlantis", 5000, -100), // unseen: served as missing
		row("NA", 5000, -100),       // missing
		row(" East ", 1e7, -9000),   // out of range, both
		row("west", math.NaN(), *balance.Max),
	}
	for _, r := range rows {
		_, err := m.Predict(r)
		require.NoError(t, err, "the inferred schema serves %v", r)
		mon.Observe(r)
	}
	rep := mon.Snapshot()
	region, inc, bal := rep.Features[0], rep.Features[1], rep.Features[2]
	assert.EqualValues(t, 1, region.Unseen, "atlantis")
	assert.EqualValues(t, 1, region.Missing, "NA")
	assert.EqualValues(t, 5, region.Served)
	assert.EqualValues(t, 1, inc.OutOfRange)
	assert.EqualValues(t, 1, inc.Missing)
	assert.EqualValues(t, 1, bal.OutOfRange)
	assert.EqualValues(t, 1, bal.Bins[len(bal.Bins)-1].Served, "the top of the range is in the last bin")
	assert.Equal(t, *income.Min, *inc.Min)
	assert.Equal(t, *income.Max, *inc.Max)
}
