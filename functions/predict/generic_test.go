package main

import (
	"bytes"
	"context"
	"encoding/json"
	"log/slog"
	"math"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/studentperf/studentperf/shared/dataset"
	"github.com/studentperf/studentperf/shared/features"
	"github.com/studentperf/studentperf/shared/model"
	"github.com/studentperf/studentperf/shared/modelstore"
	"github.com/studentperf/studentperf/shared/predictor"
	"github.com/studentperf/studentperf/shared/testkit/modeltest"
)

// genericName is the store name of the generated non-student model.
const genericName = "price"

// genericServer serves a model of modeltest.GenericCSV (wide: numbers in
// the thousands and negative, a date; else numbers in [0, 100] and a drift
// baseline) from a directory store, in process.
func genericServer(t testing.TB, wide bool, limits Limits) (http.Handler, *model.Model) {
	t.Helper()
	m, tab := modeltest.GenericModel(t, genericName, wide)
	root := t.TempDir()
	pushModel(t, root, m, tab, time.Now())
	pred := predictor.New(modelstore.NewDir(root), genericName, nil)
	require.NoError(t, pred.Reload(context.Background()))
	return newAPI(pred, limits, slog.New(slog.DiscardHandler)).handler(), m
}

// genericRecord is a whole row of the wide table, as a user sends it.
func genericRecord() map[string]any {
	return map[string]any{"zip": 95823, "grade": "fair", "sqft": 1500.5, "balance": -250.0, "listed": "2024-03-01"}
}

// genericRow is genericRecord as the model reads it, built by hand:
// categories in schema order (zip, grade), then the numbers (sqft,
// balance, the listing date's year, month, day and ISO day of week).
func genericRow() features.Row {
	return features.Row{Cat: []string{"95823", "fair"}, Num: []float64{1500.5, -250, 2024, 3, 1, 5}}
}

// serve sends one request to h.
func serve(t testing.TB, h http.Handler, method, path, contentType, body string) (int, http.Header, []byte) {
	t.Helper()
	r := httptest.NewRequest(method, path, strings.NewReader(body))
	if contentType != "" {
		r.Header.Set("Content-Type", contentType)
	}
	w := httptest.NewRecorder()
	h.ServeHTTP(w, r)
	return w.Code, w.Header(), w.Body.Bytes()
}

// with returns a copy of rec with each of kv's members set (a nil value
// deletes the member).
func with(rec map[string]any, kv map[string]any) map[string]any {
	out := map[string]any{}
	for k, v := range rec {
		out[k] = v
	}
	for k, v := range kv {
		if v == nil {
			delete(out, k)
			continue
		}
		out[k] = v
	}
	return out
}

func predictRow(t testing.TB, m *model.Model, r features.Row) float64 {
	t.Helper()
	y, err := m.Predict(r)
	require.NoError(t, err)
	return y
}

func TestGenericSchemaRecords(t *testing.T) {
	h, m := genericServer(t, true, Limits{MaxBody: 1 << 20, MaxBatch: 100})
	require.Equal(t, dataset.Date, m.Schema().Columns[m.Schema().Index("sqft")+3].Kind, "the generated table's schema has a date column")
	want := predictRow(t, m, genericRow())
	missingSqft := genericRow()
	missingSqft.Num[0] = math.NaN()
	unseenZip := genericRow()
	unseenZip.Cat[0] = ""
	ok := []struct {
		name   string
		record map[string]any
		want   float64
	}{
		{"whole record, zip a number", genericRecord(), want},
		{"zip a string", with(genericRecord(), map[string]any{"zip": "95823"}), want},
		{"numeric string", with(genericRecord(), map[string]any{"sqft": "1500.5"}), want},
		{"numeric string with spaces", with(genericRecord(), map[string]any{"sqft": " 1500.5 "}), want},
		{"extra unknown field", with(genericRecord(), map[string]any{"colour": "red"}), want},
		{"the target and the ignored ID", with(genericRecord(), map[string]any{"price": 1234.5, "id": "A00001"}), want},
		{"category case and space folded", with(genericRecord(), map[string]any{"grade": " FAIR "}), want},
		{"timestamp", with(genericRecord(), map[string]any{"listed": "2024-03-01T23:30:00Z"}), want},
		{"sqft missing: imputed", with(genericRecord(), map[string]any{"sqft": nil}), predictRow(t, m, missingSqft)},
		{"sqft null: imputed", with(genericRecord(), map[string]any{"sqft": json.RawMessage("null")}), predictRow(t, m, missingSqft)},
		{"sqft NA: imputed", with(genericRecord(), map[string]any{"sqft": "NA"}), predictRow(t, m, missingSqft)},
		{"unseen zip: imputed", with(genericRecord(), map[string]any{"zip": 99999}), predictRow(t, m, unseenZip)},
	}
	for _, c := range ok {
		t.Run(c.name, func(t *testing.T) {
			status, hdr, body := serve(t, h, "POST", "/predict", "application/json", mustJSON(t, c.record))
			require.Equal(t, http.StatusOK, status, "%s", body)
			var got map[string]any
			require.NoError(t, json.Unmarshal(body, &got))
			assert.InDelta(t, c.want, got["price"], 1e-9, "the answer keyed by the target: %s", body)
			assert.Equal(t, hdr.Get("X-Model-Version"), got["model_version"])
			assert.NotContains(t, got, "math_score")
		})
	}
	// The one-pass decoder and the general one give the same answer.
	assert.NotEqual(t, predictRow(t, m, missingSqft), want, "imputing sqft changes the prediction (else the cases above prove nothing)")

	bad := []struct {
		name, body, field, contains string
	}{
		{"a word for a number", mustJSON(t, with(genericRecord(), map[string]any{"sqft": "heavy"})), "sqft", "number"},
		{"+ sign", mustJSON(t, with(genericRecord(), map[string]any{"sqft": "+1500"})), "sqft", "number"},
		{"hex", mustJSON(t, with(genericRecord(), map[string]any{"sqft": "0x10"})), "sqft", "number"},
		{"a bad date", mustJSON(t, with(genericRecord(), map[string]any{"listed": "yesterday"})), "listed", "ISO 8601"},
		{"a number for a date", mustJSON(t, with(genericRecord(), map[string]any{"listed": 20240301})), "listed", "ISO 8601"},
		{"an object for a category", mustJSON(t, with(genericRecord(), map[string]any{"zip": map[string]int{"a": 1}})), "zip", "string"},
		{"a bool for a number", mustJSON(t, with(genericRecord(), map[string]any{"balance": true})), "balance", "number"},
		{"in a batch", `{"instances":[` + mustJSON(t, genericRecord()) + `,` + mustJSON(t, with(genericRecord(), map[string]any{"sqft": "heavy"})) + `]}`, "instances[1].sqft", "number"},
	}
	for _, c := range bad {
		t.Run(c.name, func(t *testing.T) {
			status, _, body := serve(t, h, "POST", "/predict", "application/json", c.body)
			require.Equal(t, http.StatusBadRequest, status, "%s", body)
			var e struct {
				Error    string             `json:"error"`
				Problems []features.Problem `json:"problems"`
			}
			require.NoError(t, json.Unmarshal(body, &e))
			assert.Contains(t, e.Error, c.field, "the error names the field")
			assert.Contains(t, e.Error, c.contains)
		})
	}
}

func TestGenericSchemaAnswersKeyedByTarget(t *testing.T) {
	h, m := genericServer(t, true, Limits{MaxBody: 1 << 20, MaxBatch: 100})
	want := predictRow(t, m, genericRow())
	rec := mustJSON(t, genericRecord())

	t.Run("JSON batch", func(t *testing.T) {
		status, _, body := serve(t, h, "POST", "/predict", "application/json", `{"instances":[`+rec+`,`+rec+`]}`)
		require.Equal(t, http.StatusOK, status, "%s", body)
		got := decodeAs[batchResponse](t, body)
		require.Len(t, got.Predictions, 2)
		assert.InDelta(t, want, got.Predictions[1], 1e-9)
	})
	t.Run("CSV", func(t *testing.T) {
		csv := "id,zip,grade,sqft,balance,listed,price\nA1,95823,fair,1500.5,-250,2024-03-01,9\nA2,99999,FAIR,NA,-250,2024-03-01,\n"
		status, _, body := serve(t, h, "POST", "/predict", "text/csv", csv)
		require.Equal(t, http.StatusOK, status, "%s", body)
		lines := strings.Split(strings.TrimSpace(string(body)), "\n")
		require.Len(t, lines, 3, "%s", body)
		assert.Equal(t, "price", lines[0], "the CSV answer's header is the target")
		assert.Equal(t, mustFloat(t, lines[1]), want)
		r := genericRow()
		r.Cat[0], r.Num[0] = "", math.NaN()
		assert.InDelta(t, predictRow(t, m, r), mustFloat(t, lines[2]), 1e-9, "an unseen zip and a missing sqft imputed")
	})
	t.Run("CSV bad date", func(t *testing.T) {
		status, _, body := serve(t, h, "POST", "/predict", "text/csv", "zip,grade,sqft,balance,listed\n95823,fair,1,2,soon\n")
		require.Equal(t, http.StatusBadRequest, status, "%s", body)
		assert.Contains(t, string(body), "listed")
	})
	t.Run("explain", func(t *testing.T) {
		status, _, body := serve(t, h, "POST", "/predict?explain=true", "application/json", rec)
		require.Equal(t, http.StatusOK, status, "%s", body)
		var got map[string]any
		require.NoError(t, json.Unmarshal(body, &got))
		assert.InDelta(t, want, got["price"], 1e-9, "%s", body)
		status, _, body = serve(t, h, "POST", "/predict?explain=true", "text/csv", "zip,grade,sqft,balance,listed\n95823,fair,1,2,2024-01-01\n")
		require.Equal(t, http.StatusOK, status, "%s", body)
		assert.True(t, strings.HasPrefix(string(body), "price,baseline,"), "%s", body)
	})
	t.Run("SageMaker headerless CSV in input order", func(t *testing.T) {
		status, _, body := serve(t, h, "POST", "/invocations", "text/csv", "95823,fair,1500.5,-250,2024-03-01\n")
		require.Equal(t, http.StatusOK, status, "%s", body)
		assert.InDelta(t, want, mustFloat(t, strings.TrimSpace(string(body))), 1e-9)
		status, _, body = serve(t, h, "POST", "/invocations", "application/json", rec)
		require.Equal(t, http.StatusOK, status, "%s", body)
		var got map[string]any
		require.NoError(t, json.Unmarshal(body, &got))
		assert.InDelta(t, want, got["price"], 1e-9, "%s", body)
	})
	t.Run("KServe V1", func(t *testing.T) {
		for _, body := range []string{`{"instances":[` + rec + `]}`, `{"instances":[["95823","fair",1500.5,-250,"2024-03-01"]]}`} {
			status, _, out := serve(t, h, "POST", "/v1/models/"+genericName+":predict", "application/json", body)
			require.Equal(t, http.StatusOK, status, "%s", out)
			got := decodeAs[kservePredictions](t, out)
			require.Len(t, got.Predictions, 1)
			assert.InDelta(t, want, got.Predictions[0], 1e-9)
		}
	})
	t.Run("Open Inference Protocol", func(t *testing.T) {
		status, _, body := serve(t, h, "GET", "/v2/models/"+genericName, "", "")
		require.Equal(t, http.StatusOK, status, "%s", body)
		var meta struct {
			Inputs  []oipTensorMeta `json:"inputs"`
			Outputs []oipTensorMeta `json:"outputs"`
		}
		require.NoError(t, json.Unmarshal(body, &meta))
		var got []string
		for _, in := range meta.Inputs {
			got = append(got, in.Name+":"+in.Datatype)
		}
		assert.Equal(t, []string{"zip:BYTES", "grade:BYTES", "sqft:FP64", "balance:FP64", "listed:BYTES"}, got)
		require.Len(t, meta.Outputs, 1)
		assert.Equal(t, "price", meta.Outputs[0].Name)

		infer := `{"id":"g1","inputs":[
			{"name":"zip","datatype":"INT64","shape":[2],"data":[95823,99999]},
			{"name":"grade","datatype":"BYTES","shape":[2],"data":["fair","fair"]},
			{"name":"balance","datatype":"INT32","shape":[2,1],"data":[[-250],[-250]]},
			{"name":"listed","datatype":"BYTES","shape":[2],"data":["2024-03-01","2024-03-01"]},
			{"name":"id","datatype":"BYTES","shape":[2],"data":["A1","A2"]}],
			"outputs":[{"name":"price"}]}`
		status, _, body = serve(t, h, "POST", "/v2/models/"+genericName+"/infer", "application/json", infer)
		require.Equal(t, http.StatusOK, status, "%s", body)
		var res oipInferResponse
		require.NoError(t, json.Unmarshal(body, &res))
		require.Len(t, res.Outputs, 1)
		assert.Equal(t, "price", res.Outputs[0].Name)
		r := genericRow()
		r.Num[0] = math.NaN() // sqft not given: imputed
		y0 := predictRow(t, m, r)
		r.Cat[0] = ""
		assert.InDeltaSlice(t, []float64{y0, predictRow(t, m, r)}, res.Outputs[0].Data, 1e-9)

		status, _, body = serve(t, h, "POST", "/v2/models/"+genericName+"/infer", "application/json",
			`{"inputs":[{"name":"listed","datatype":"BYTES","shape":[1],"data":["soon"]}]}`)
		require.Equal(t, http.StatusBadRequest, status, "%s", body)
		assert.Contains(t, string(body), "listed[0]")
	})
}

func mustFloat(t testing.TB, s string) float64 {
	t.Helper()
	var v float64
	require.NoError(t, json.Unmarshal([]byte(s), &v), "%q", s)
	return v
}

// TestGenericUnseenLevelCountedByDrift: under an inferred schema an unseen
// level is answered (imputed) and the drift monitor counts it as unseen.
func TestGenericUnseenLevelCountedByDrift(t *testing.T) {
	h, m := genericServer(t, false, Limits{MaxBody: 1 << 20, MaxBatch: 100})
	require.NotNil(t, m.Training, "the narrow table has a drift baseline")
	rec := map[string]any{"zip": "99999", "grade": "good", "rooms": 3, "age": 40}
	for _, body := range []string{mustJSON(t, rec), mustJSON(t, with(rec, map[string]any{"zip": 99999}))} {
		status, _, out := serve(t, h, "POST", "/predict", "application/json", body)
		require.Equal(t, http.StatusOK, status, "%s", out)
	}
	status, _, out := serve(t, h, "POST", "/predict", "text/csv", "zip,grade,rooms,age\n12345,good,3,40\n95823,good,3,40\n")
	require.Equal(t, http.StatusOK, status, "%s", out)
	status, _, out = serve(t, h, "GET", "/model/drift", "", "")
	require.Equal(t, http.StatusOK, status, "%s", out)
	var rep driftResponse
	require.NoError(t, json.Unmarshal(out, &rep))
	require.Equal(t, int64(4), rep.Records)
	for _, f := range rep.Features {
		if f.Name == "zip" {
			assert.Equal(t, int64(3), f.Unseen, "99999 twice and 12345 are unseen levels")
			return
		}
	}
	t.Fatalf("no zip in %s", out)
}

// TestGenericFastPathMatchesGeneral: every record the one-pass decoder
// takes for the generic model decodes as the general decoder does, through
// the whole handler (answers compared byte for byte).
func TestGenericFastPathMatchesGeneral(t *testing.T) {
	h, _ := genericServer(t, true, Limits{MaxBody: 1 << 20, MaxBatch: 100})
	rec := mustJSON(t, genericRecord())
	// The escaped form takes the general decoder.
	escaped := strings.Replace(rec, `"fair"`, `"\u0066air"`, 1)
	require.NotEqual(t, rec, escaped)
	_, _, a := serve(t, h, "POST", "/predict", "application/json", rec)
	_, _, b := serve(t, h, "POST", "/predict", "application/json", escaped)
	assert.True(t, bytes.Equal(a, b), "%s\n%s", a, b)
}

// Categories fold ASCII case only: the long s and the Kelvin sign name no
// level (the student schema refuses them; Unicode folding once took them).
func TestStudentCategoriesFoldASCIIOnly(t *testing.T) {
	h, _ := studentHandler(t)
	for _, v := range []string{"ſtandard", "\u212Aing"} {
		field := "lunch"
		if strings.HasSuffix(v, "ing") {
			field = "test_preparation_course"
			v = "\u212Aone" // "Kone": no level
		}
		status, _, body := serve(t, h, "POST", "/predict", "application/json", withField(t, field, mustJSON(t, v)))
		require.Equal(t, http.StatusBadRequest, status, "%s", body)
		assert.Contains(t, string(body), "unknown category")
	}
	status, _, body := serve(t, h, "POST", "/predict", "application/json", withField(t, "lunch", `"STANDARD"`))
	require.Equal(t, http.StatusOK, status, "ASCII case folds: %s", body)
}
