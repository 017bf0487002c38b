// Package modeltest fits small real models for other packages' tests (OLS
// on the project's own generated data or a data file, through the same
// dataset, features, linear and model code that train runs), and makes
// the request bodies their tests and benchmarks send.
package modeltest

import (
	"bytes"
	"context"
	"encoding/csv"
	"encoding/json"
	"strconv"
	"testing"

	"github.com/stretchr/testify/require"
	"github.com/studentperf/studentperf/shared/dataset"
	"github.com/studentperf/studentperf/shared/features"
	"github.com/studentperf/studentperf/shared/linear"
	"github.com/studentperf/studentperf/shared/model"
	"github.com/studentperf/studentperf/shared/testkit/studentdata"
)

// Fit fits OLS named name on the data behind uri ("sample",
// "synthetic:N" with seed, or a CSV path) and returns the model and the
// table it was fitted on.
func Fit(tb testing.TB, name, uri string, seed uint64) (*model.Model, *dataset.Table) {
	tb.Helper()
	tab, info, err := dataset.Load(context.Background(), uri, dataset.Students, dataset.SourceOptions{Seed: seed})
	require.NoError(tb, err, "load %s", uri)
	tr, err := features.Fit(tab)
	require.NoError(tb, err, "fit transforms on %s", uri)
	X, err := tr.Matrix(tab)
	require.NoError(tb, err, "design matrix of %s", uri)
	lin, err := linear.Fit(X, tab.Target, linear.Candidate{Name: linear.OLS, Family: linear.OLS})
	require.NoError(tb, err, "fit OLS on %s", uri)
	m, err := model.New(name, dataset.Students, tr,
		model.Estimator{Name: linear.OLS, Family: linear.OLS, Linear: lin},
		model.Provenance{Seed: seed, Folds: 5, Data: model.DataInfo{URI: info.URI, Rows: info.Rows, SHA256: info.SHA256}})
	require.NoError(tb, err, "new model")
	return m, tab
}

// Encoded is Fit followed by model.Encode: model.json bytes.
func Encoded(tb testing.TB, name, uri string, seed uint64) []byte {
	tb.Helper()
	m, _ := Fit(tb, name, uri, seed)
	b, err := model.Encode(m)
	require.NoError(tb, err, "encode model")
	return b
}

// Split loads the data behind uri ("sample", "synthetic:N", a path) and
// splits it as train does by default: a fifth held out, shuffled with
// seed. It stands in for the real data set's train.csv and test.csv in
// tests that need a realistic split but not the original's figures.
func Split(tb testing.TB, uri string, seed uint64) (train, test *dataset.Table) {
	tb.Helper()
	tab, _, err := dataset.Load(context.Background(), uri, dataset.Students, dataset.SourceOptions{Seed: seed})
	require.NoError(tb, err, "load %s", uri)
	train, test, err = dataset.Split(tab, 0.2, seed)
	require.NoError(tb, err, "split %s", uri)
	return train, test
}

// Students reads one file of the real data set (stud.csv, train.csv,
// test.csv) with the Students schema; studentdata decides skip or fail when
// it is absent.
func Students(tb testing.TB, name string) *dataset.Table {
	tb.Helper()
	tab, _, err := dataset.Load(context.Background(), studentdata.Path(tb, name), dataset.Students, dataset.SourceOptions{})
	require.NoError(tb, err, "read %s", name)
	return tab
}

// BatchBodies returns n generated rows (seed 3) as a JSON {"instances": …} body and
// as CSV of the feature columns.
func BatchBodies(tb testing.TB, n int) (jsonBody, csvBody []byte) {
	tb.Helper()
	var b bytes.Buffer
	if err := dataset.Generate(&b, n, 3); err != nil {
		tb.Fatal(err)
	}
	recs, err := csv.NewReader(&b).ReadAll()
	if err != nil {
		tb.Fatal(err)
	}
	var out bytes.Buffer
	w := csv.NewWriter(&out)
	var instances []map[string]any
	for i, r := range recs {
		var row []string
		inst := map[string]any{}
		for j, h := range recs[0] {
			if h == "math_score" {
				continue
			}
			row = append(row, r[j])
			if i > 0 {
				if h == "reading_score" || h == "writing_score" {
					v, _ := strconv.ParseFloat(r[j], 64)
					inst[h] = v
				} else {
					inst[h] = r[j]
				}
			}
		}
		w.Write(row)
		if i > 0 {
			instances = append(instances, inst)
		}
	}
	w.Flush()
	jb, err := json.Marshal(map[string]any{"instances": instances})
	if err != nil {
		tb.Fatal(err)
	}
	return jb, out.Bytes()
}

// OIPRequest builds an inference request for records: one input per
// feature of shape [N] (or [N, 1] with nested data).
func OIPRequest(t testing.TB, records []map[string]any, nested bool) string {
	t.Helper()
	var inputs []map[string]any
	for _, c := range dataset.Students.Features {
		name, dt := c.Name, "BYTES"
		if c.Kind == dataset.Numeric {
			dt = "FP64"
		}
		var data []any
		for _, r := range records {
			if nested {
				data = append(data, []any{r[name]})
			} else {
				data = append(data, r[name])
			}
		}
		shape := []int{len(records)}
		if nested {
			shape = append(shape, 1)
		}
		inputs = append(inputs, map[string]any{"name": name, "datatype": dt, "shape": shape, "data": data})
	}
	b, err := json.Marshal(map[string]any{"id": "req-1", "inputs": inputs})
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}
