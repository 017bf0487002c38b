package model_test

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"math"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"github.com/studentperf/studentperf/shared/dataset"
	"github.com/studentperf/studentperf/shared/features"
	"github.com/studentperf/studentperf/shared/model"
	"github.com/studentperf/studentperf/shared/testkit/modeltest"
)

// trained fits OLS on generated rows and returns the model and its table.
func trained(t testing.TB, n int) (*model.Model, *dataset.Table) {
	t.Helper()
	return modeltest.Fit(t, "m", fmt.Sprintf("synthetic:%d", n), 3)
}

var reference = features.Row{
	Cat: []string{"female", "group B", "bachelor's degree", "standard", "none"},
	Num: []float64{72, 74},
}

func TestEncodeDecodeRoundTripIsExact(t *testing.T) {
	m, tab := trained(t, 500)
	b, err := model.Encode(m)
	require.NoError(t, err)
	back, err := model.Load(b, model.Sum(b))
	require.NoError(t, err)
	again, err := model.Encode(back)
	require.NoError(t, err)
	require.True(t, bytes.Equal(b, again), "re-encoding a decoded model changed its bytes")
	want, err := m.PredictTable(tab)
	require.NoError(t, err)
	got, err := back.PredictTable(tab)
	require.NoError(t, err)
	require.Len(t, got, len(want))
	for i := range want {
		require.Equal(t, math.Float64bits(want[i]), math.Float64bits(got[i]),
			"row %d: decoded model predicts %v; original %v", i, got[i], want[i])
	}
}

func TestPredictAgreesWithTransformThenEstimator(t *testing.T) {
	m, tab := trained(t, 500)
	rows, err := m.Transform.Rows(tab)
	require.NoError(t, err)
	x := make([]float64, m.Transform.Width())
	for i, r := range rows[:50] {
		require.NoError(t, m.Transform.Encode(r, x))
		got, err := m.Predict(r)
		require.NoError(t, err, "row %d", i)
		require.InDelta(t, m.Estimator.Linear.Predict(x), got, 1e-9, "row %d: Predict vs transform+estimator", i)
	}
}

func TestPredictAllocatesNothing(t *testing.T) {
	m, _ := trained(t, 300)
	var err error
	allocs := testing.AllocsPerRun(1000, func() { _, err = m.Predict(reference) })
	require.NoError(t, err)
	assert.Zero(t, allocs, "allocations of Predict per row")
}

func TestPredictReportsEveryProblem(t *testing.T) {
	m, _ := trained(t, 300)
	// Trimmed, case-insensitive category matching is accepted.
	ok := features.Row{Cat: []string{" FEMALE ", "Group b", "bachelor's degree", "standard", "none"}, Num: []float64{72, 74}}
	a, err := m.Predict(ok)
	require.NoError(t, err, "trimmed, case-folded categories")
	b, err := m.Predict(reference)
	require.NoError(t, err)
	assert.Equal(t, b, a, "trimmed, case-folded categories predict as the exact ones")

	bad := features.Row{Cat: []string{"robot", "group B", "bachelor's degree", "caviar", "none"}, Num: []float64{101, math.Inf(1)}}
	_, err = m.Predict(bad)
	var ps features.Problems
	require.ErrorAs(t, err, &ps)
	fields := []string{}
	for _, p := range ps {
		fields = append(fields, p.Field)
	}
	assert.Equal(t, []string{"gender", "lunch", "reading_score", "writing_score"}, fields, "problem fields")
	assert.Equal(t, "robot", ps[0].Value, "gender problem value")
	assert.Len(t, ps[0].Allowed, 2, "gender problem: the 2 allowed levels")

	_, err = m.Predict(features.Row{Cat: []string{"female"}, Num: []float64{1}})
	assert.Error(t, err, "short row")
}

func TestPredictBatch(t *testing.T) {
	m, _ := trained(t, 300)
	rows := []features.Row{reference, reference}
	out := make([]float64, 2)
	require.NoError(t, m.PredictBatch(rows, out), "batch")
	want, err := m.Predict(reference)
	require.NoError(t, err)
	assert.Equal(t, []float64{want, want}, out, "batch of the reference row twice")

	rows[1] = features.Row{Cat: []string{"x", "group B", "bachelor's degree", "standard", "none"}, Num: []float64{1, 2}}
	assert.ErrorContains(t, m.PredictBatch(rows, out), "row 2", "bad second row")
	assert.Error(t, m.PredictBatch(rows, out[:1]), "short destination")
}

// A model from before schemas travelled in model.json (format 1, kinds
// "score") loads with the student schema and predicts the same.
func TestLoadFormat1(t *testing.T) {
	m, _ := trained(t, 300)
	good, err := model.Encode(m)
	require.NoError(t, err)
	var doc map[string]json.RawMessage
	require.NoError(t, json.Unmarshal(good, &doc))
	delete(doc, "schema")
	delete(doc, "schema_sha256")
	doc["format"] = json.RawMessage("1")
	doc["features"] = bytes.ReplaceAll(doc["features"], []byte(`"numeric"`), []byte(`"score"`))
	old, err := json.Marshal(doc)
	require.NoError(t, err)
	loaded, err := model.Load(old, model.Sum(old))
	require.NoError(t, err)
	assert.True(t, loaded.Schema().IsStudents(), "format 1 reads as the student schema")
	assert.True(t, loaded.Schema().Strict)
	want, err := m.Predict(reference)
	require.NoError(t, err)
	got, err := loaded.Predict(reference)
	require.NoError(t, err)
	assert.Equal(t, want, got)
}

func TestLoadRejectsCorruptModels(t *testing.T) {
	m, _ := trained(t, 300)
	good, err := model.Encode(m)
	require.NoError(t, err)
	_, err = model.Load(good, model.Sum(good))
	require.NoError(t, err, "the fixture itself loads")
	_, err = model.Load(good, strings.Repeat("0", 64))
	require.ErrorIs(t, err, model.ErrChecksum, "wrong sha256")
	mutate := func(old, new string) []byte {
		require.Contains(t, string(good), old, "fixture lacks it")
		return bytes.Replace(good, []byte(old), []byte(new), 1)
	}
	cases := map[string][]byte{
		"empty":          nil,
		"not json":       []byte("hello"),
		"trailing data":  append(append([]byte{}, good...), []byte("{}")...),
		"unknown field":  mutate(`"format": 2,`, `"format": 2, "extra": true,`),
		"wrong format":   mutate(`"format": 2,`, `"format": 99,`),
		"schema edited":  mutate(`"max": 100,`, `"max": 101,`),
		"schema hash":    mutate(`"schema_sha256": "`, `"schema_sha256": "0`),
		"no schema":      mutate(`"schema": {`, `"schemx": {`),
		"no estimator":   mutate(`"linear": {`, `"linearx": {`),
		"renamed column": mutate(`"name": "gender"`, `"name": "sex"`),
	}
	for name, data := range cases {
		_, err := model.Load(data, model.Sum(data))
		assert.Error(t, err, name)
	}
}

// TestPredictTableInBlocks: a table longer than a block is predicted as
// row by row, and a bad row in a later block is named by its row in the
// table.
func TestPredictTableInBlocks(t *testing.T) {
	m, _ := trained(t, 500)
	tab, _, err := dataset.Load(context.Background(), "synthetic:40000", dataset.Students, dataset.SourceOptions{Seed: 9})
	require.NoError(t, err)
	got, err := m.PredictTable(tab)
	require.NoError(t, err)
	rows, err := m.Transform.Rows(tab)
	require.NoError(t, err)
	require.Len(t, got, len(rows))
	for _, i := range []int{0, 16383, 16384, 32768, 39999} {
		want, err := m.Predict(rows[i])
		require.NoError(t, err)
		assert.Equal(t, want, got[i], "row %d", i+1)
	}
	tab.Cols[tab.Schema.Index("reading_score")].Values[20000] = 150
	_, err = m.PredictTable(tab)
	assert.ErrorContains(t, err, "row 20001: ")
	assert.ErrorContains(t, err, "reading_score")
}
