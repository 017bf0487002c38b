package main

import (
	"context"
	"encoding/json"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/studentperf/studentperf/shared/drift"
	"github.com/studentperf/studentperf/shared/model"
	"github.com/studentperf/studentperf/shared/modelstore"
	"github.com/studentperf/studentperf/shared/testkit/modeltest"
)

// driftStore is a store holding OLS trained on the sample with its
// training baseline, as train pushes it.
func driftStore(t testing.TB) (root, version string, m *model.Model) {
	t.Helper()
	root = t.TempDir()
	m, tab := fitModel(t, "sample", 42)
	b, err := drift.Fit(tab, m.Transform)
	require.NoError(t, err, "drift baseline")
	m.Training = b
	return root, pushModel(t, root, m, tab, time.Now()), m
}

// errorOf decodes a JSON error body, failing the test when it is not one.
func errorOf(t testing.TB, h http.Header, body []byte) string {
	t.Helper()
	assert.True(t, strings.HasPrefix(h.Get("Content-Type"), "application/json"), "error Content-Type %q; want application/json", h.Get("Content-Type"))
	e := decodeAs[errorBody](t, body)
	assert.NotEmpty(t, e.Error, "error body %s has no \"error\"", body)
	return e.Error
}

func TestModelRoutesWithoutModel(t *testing.T) {
	base, _ := startServer(t, map[string]string{"MODEL_STORE": t.TempDir()})
	for _, path := range []string{"/model", "/model/report", "/model/drift"} {
		status, h, body := send(t, "GET", base+path, nil, "")
		assert.Equal(t, http.StatusServiceUnavailable, status, "GET %s with no model: %s", path, body)
		assert.Contains(t, errorOf(t, h, body), "no model", "GET %s with no model", path)
	}
}

func TestModelMetadata(t *testing.T) {
	root, version, m := driftStore(t)
	base, _ := startServer(t, map[string]string{"MODEL_STORE": root})
	ptr, err := modelstore.NewDir(root).Current(context.Background(), modelName)
	require.NoError(t, err)

	status, h, body := send(t, "GET", base+"/model", nil, "")
	require.Equal(t, http.StatusOK, status, "GET /model: %s", body)
	assert.Equal(t, version, h.Get("X-Model-Version"), "GET /model: X-Model-Version")
	got := decodeAs[map[string]any](t, body)
	assert.Equal(t, version, got["version"], "version")
	assert.Equal(t, modelName, got["name"], "name")
	assert.Equal(t, ptr.SHA256, got["sha256"], "sha256 of model.json, as current.json says")
	created, err := time.Parse(time.RFC3339Nano, got["created"].(string))
	require.NoError(t, err, "created %v", got["created"])
	assert.True(t, created.Equal(ptr.Created), "created %v; want current.json's %v", created, ptr.Created)
	assert.Equal(t, m.Estimator.Name, got["selected"], "selected")
	// pushModel writes metrics.json with a test R² of 2 (so that it always
	// wins): GET /model must answer metrics.json's figures, not the model's.
	assert.Equal(t, map[string]any{"r2": 2.0, "rmse": 0.0, "mae": 0.0, "rows": 0.0}, got["test"], "test metrics from metrics.json")
	assert.Contains(t, got, "cv", "cv metrics from metrics.json")
	assert.Equal(t, map[string]any{"uri": m.Provenance.Data.URI, "rows": float64(m.Provenance.Data.Rows), "sha256": m.Provenance.Data.SHA256}, got["data"], "training data")
	assert.NotEmpty(t, m.Provenance.Data.SHA256, "the fixture's data has a sha256")

	schema, ok := got["schema"].([]any)
	require.True(t, ok, "schema %v is not a list", got["schema"])
	require.Len(t, schema, len(m.Features), "schema: one entry per feature")
	for i, f := range m.Features {
		sf := schema[i].(map[string]any)
		assert.Equal(t, f.Name, sf["name"], "schema[%d]", i)
		assert.Equal(t, f.Kind, sf["kind"], "schema[%d] %s", i, f.Name)
		if f.Kind == "category" {
			var levels []any
			for _, c := range m.Transform.Categorical {
				if c.Name == f.Name {
					for _, l := range c.Levels {
						levels = append(levels, l)
					}
				}
			}
			assert.Equal(t, levels, sf["allowed"], "schema %s: allowed categories", f.Name)
		} else {
			assert.Equal(t, 0.0, sf["min"], "schema %s: min", f.Name)
			assert.Equal(t, 100.0, sf["max"], "schema %s: max", f.Name)
		}
	}
}

func TestModelMetadataWithoutMetricsFile(t *testing.T) {
	root := t.TempDir()
	m, _ := fitModel(t, "sample", 42)
	b, err := model.Encode(m)
	require.NoError(t, err)
	d := modelstore.NewDir(root)
	ctx := context.Background()
	require.NoError(t, d.WriteVersion(ctx, modelName, "v1", map[string][]byte{"model.json": b}))
	require.NoError(t, d.SetCurrent(ctx, modelName, modelstore.Pointer{Version: "v1", SHA256: model.Sum(b), Model: modelName, Created: time.Now()}, ""))
	base, _ := startServer(t, map[string]string{"MODEL_STORE": root})

	status, _, body := send(t, "GET", base+"/model", nil, "")
	require.Equal(t, http.StatusOK, status, "GET /model: %s", body)
	got := decodeAs[map[string]any](t, body)
	assert.Equal(t, "v1", got["version"])
	assert.NotContains(t, got, "test", "no metrics.json: no test metrics")
	assert.NotContains(t, got, "metrics_error", "a version without metrics.json is not an error")

	status, h, body := send(t, "GET", base+"/model/report", nil, "")
	assert.Equal(t, http.StatusNotFound, status, "GET /model/report of a version without one: %s", body)
	assert.Contains(t, errorOf(t, h, body), "report.html", "the 404 names the file")
	assert.Equal(t, "v1", h.Get("X-Model-Version"))
}

func TestModelReport(t *testing.T) {
	root, version := sampleStore(t)
	base, _ := startServer(t, map[string]string{"MODEL_STORE": root})
	want, err := modelstore.NewDir(root).ReadFile(context.Background(), modelName, version, "report.html")
	require.NoError(t, err)

	for i := 0; i < 2; i++ { // the second from the cache
		status, h, body := send(t, "GET", base+"/model/report", nil, "")
		require.Equal(t, http.StatusOK, status, "GET /model/report: %s", body)
		assert.Equal(t, string(want), string(body), "GET /model/report: the version's report.html")
		assert.Equal(t, "text/html; charset=utf-8", h.Get("Content-Type"))
		assert.Equal(t, "nosniff", h.Get("X-Content-Type-Options"))
		assert.Equal(t, version, h.Get("X-Model-Version"))
		csp := h.Get("Content-Security-Policy")
		assert.Contains(t, csp, "default-src 'none'", "CSP: nothing unless allowed")
		assert.Contains(t, csp, "style-src 'unsafe-inline'", "CSP: the report's inline styles")
		assert.NotContains(t, csp, "script", "CSP: no scripts")
	}
}

// sum adds up xs.
func sum(xs []float64) float64 {
	s := 0.0
	for _, x := range xs {
		s += x
	}
	return s
}

// explainedContribs checks an explanation's contributions name each feature
// once and returns them in schema order.
func explainedContribs(t testing.TB, m *model.Model, raw json.RawMessage) []float64 {
	t.Helper()
	var byName map[string]float64
	require.NoError(t, json.Unmarshal(raw, &byName), "contributions %s", raw)
	require.Len(t, byName, len(m.Features), "contributions %s: one per feature", raw)
	out := make([]float64, len(m.Features))
	for i, f := range m.Features {
		v, ok := byName[f.Name]
		require.True(t, ok, "contributions %s: no %s", raw, f.Name)
		out[i] = v
	}
	// The object lists the features in schema order.
	prev := -1
	for _, f := range m.Features {
		at := strings.Index(string(raw), `"`+f.Name+`"`)
		assert.Greater(t, at, prev, "contributions %s: %s out of schema order", raw, f.Name)
		prev = at
	}
	return out
}

func TestPredictExplain(t *testing.T) {
	root, version := sampleStore(t)
	base, _ := startServer(t, map[string]string{"MODEL_STORE": root})
	m := loadedModel(t, root).Model
	records := append([]map[string]any{referenceRecord}, otherRecords...)

	type explained struct {
		MathScore     *float64        `json:"math_score"`
		ModelVersion  string          `json:"model_version"`
		Baseline      *float64        `json:"baseline"`
		Contributions json.RawMessage `json:"contributions"`
		Method        string          `json:"method"`
	}
	for _, q := range []string{"explain=true", "explain=1", "other=x&explain=true"} {
		for _, rec := range records {
			want := modelPrediction(t, root, rec)
			status, h, body := post(t, base+"/predict?"+q, "application/json", mustJSON(t, rec))
			require.Equal(t, http.StatusOK, status, "POST /predict?%s: %s", q, body)
			assert.Equal(t, version, h.Get("X-Model-Version"))
			got := decodeAs[explained](t, body)
			require.NotNil(t, got.MathScore, "?%s: no math_score in %s", q, body)
			require.NotNil(t, got.Baseline, "?%s: no baseline in %s", q, body)
			assert.Equal(t, version, got.ModelVersion)
			assert.Equal(t, "linear", got.Method, "?%s: the method of OLS", q)
			assert.Equal(t, "linear", h.Get("X-Explain-Method"), "?%s", q)
			assert.InDelta(t, want, *got.MathScore, 1e-9, "?%s: math_score as without explain", q)
			c := explainedContribs(t, m, got.Contributions)
			assert.InDelta(t, *got.MathScore, *got.Baseline+sum(c), 1e-9, "?%s: baseline + Σ contributions = math_score (%s)", q, body)
		}
	}

	// A batch: one explanation per record, in order.
	status, _, body := post(t, base+"/predict?explain=true", "application/json", mustJSON(t, map[string]any{"instances": records}))
	require.Equal(t, http.StatusOK, status, "batch ?explain=true: %s", body)
	batch := decodeAs[struct {
		Predictions  []float64 `json:"predictions"`
		Explanations []struct {
			Baseline      *float64        `json:"baseline"`
			Contributions json.RawMessage `json:"contributions"`
		} `json:"explanations"`
		ModelVersion string `json:"model_version"`
	}](t, body)
	require.Len(t, batch.Predictions, len(records))
	require.Len(t, batch.Explanations, len(records))
	assert.Equal(t, version, batch.ModelVersion)
	for i, rec := range records {
		assert.InDelta(t, modelPrediction(t, root, rec), batch.Predictions[i], 1e-9, "batch prediction %d", i)
		require.NotNil(t, batch.Explanations[i].Baseline, "batch explanation %d has no baseline", i)
		c := explainedContribs(t, m, batch.Explanations[i].Contributions)
		assert.InDelta(t, batch.Predictions[i], *batch.Explanations[i].Baseline+sum(c), 1e-9, "batch %d: baseline + Σ contributions = prediction", i)
	}

	// explain=false and 0 answer as without the query.
	for _, q := range []string{"explain=false", "explain=0"} {
		status, _, body := post(t, base+"/predict?"+q, "application/json", referenceJSON)
		require.Equal(t, http.StatusOK, status, "?%s: %s", q, body)
		got := decodeAs[map[string]any](t, body)
		assert.NotContains(t, got, "baseline", "?%s", q)
		assert.NotContains(t, got, "contributions", "?%s", q)
	}
}

func TestPredictExplainCSV(t *testing.T) {
	root, _ := sampleStore(t)
	base, _ := startServer(t, map[string]string{"MODEL_STORE": root})
	m := loadedModel(t, root).Model
	records := append([]map[string]any{referenceRecord}, otherRecords...)
	var csv strings.Builder
	csv.WriteString("gender,race_ethnicity,parental_level_of_education,lunch,test_preparation_course,reading_score,writing_score\n")
	for _, r := range records {
		csv.WriteString(strings.Join([]string{r["gender"].(string), r["race_ethnicity"].(string), `"` + r["parental_level_of_education"].(string) + `"`,
			r["lunch"].(string), r["test_preparation_course"].(string), jsonNumber(r["reading_score"]), jsonNumber(r["writing_score"])}, ",") + "\n")
	}

	status, h, body := post(t, base+"/predict?explain=true", "text/csv", csv.String())
	require.Equal(t, http.StatusOK, status, "CSV ?explain=true: %s", body)
	assert.True(t, strings.HasPrefix(h.Get("Content-Type"), "text/csv"), "Content-Type %q", h.Get("Content-Type"))
	assert.Equal(t, "linear", h.Get("X-Explain-Method"), "CSV: the method in a header, the lines all numbers")
	lines := strings.Split(strings.TrimSpace(string(body)), "\n")
	require.Len(t, lines, 1+len(records), "CSV: a header and a line per record: %s", body)
	wantHeader := []string{"math_score", "baseline"}
	for _, f := range m.Features {
		wantHeader = append(wantHeader, f.Name+"_contribution")
	}
	assert.Equal(t, strings.Join(wantHeader, ","), lines[0], "CSV header")
	for i, rec := range records {
		var vals []float64
		require.NoError(t, json.Unmarshal([]byte("["+lines[i+1]+"]"), &vals), "CSV line %d %q", i+2, lines[i+1])
		require.Len(t, vals, len(wantHeader), "CSV line %d", i+2)
		assert.InDelta(t, modelPrediction(t, root, rec), vals[0], 1e-9, "CSV line %d: math_score", i+2)
		assert.InDelta(t, vals[0], vals[1]+sum(vals[2:]), 1e-9, "CSV line %d: baseline + Σ contributions = math_score", i+2)
	}

	// Accept: application/json answers the JSON batch with explanations.
	status, _, body = send(t, "POST", base+"/predict?explain=1", http.Header{"Content-Type": {"text/csv"}, "Accept": {"application/json"}}, csv.String())
	require.Equal(t, http.StatusOK, status, "CSV ?explain=1 Accept JSON: %s", body)
	got := decodeAs[map[string]json.RawMessage](t, body)
	var ex []map[string]json.RawMessage
	require.NoError(t, json.Unmarshal(got["explanations"], &ex), "explanations in %s", body)
	assert.Len(t, ex, len(records))
}

// jsonNumber formats a record's score for CSV.
func jsonNumber(v any) string {
	b, _ := json.Marshal(v)
	return string(b)
}

func TestPredictExplainBadQuery(t *testing.T) {
	root, _ := sampleStore(t)
	base, _ := startServer(t, map[string]string{"MODEL_STORE": root})
	for _, q := range []string{"explain=yes", "explain=", "explain=TRUE2", "explain=true&explain=false", "explain=%zz"} {
		status, h, body := post(t, base+"/predict?"+q, "application/json", referenceJSON)
		assert.Equal(t, http.StatusBadRequest, status, "?%s: %s", q, body)
		assert.Contains(t, errorOf(t, h, body), "explain", "?%s: the error names the parameter", q)
	}
	// The query is checked before anything else, even with no model.
	empty, _ := startServer(t, map[string]string{"MODEL_STORE": t.TempDir()})
	status, _, body := post(t, empty+"/predict?explain=maybe", "application/json", referenceJSON)
	assert.Equal(t, http.StatusBadRequest, status, "bad explain with no model: %s", body)
}

func TestDriftCountsEveryPredictionRoute(t *testing.T) {
	root, version, m := driftStore(t)
	base, _ := startServer(t, map[string]string{"MODEL_STORE": root})

	// 1 single + 3 in a batch + 1 explained + 2 CSV + 2 OIP + 1 form = 10.
	post(t, base+"/predict", "application/json", referenceJSON)
	post(t, base+"/predict", "application/json", mustJSON(t, map[string]any{"instances": append([]map[string]any{referenceRecord}, otherRecords...)}))
	post(t, base+"/predict?explain=true", "application/json", referenceJSON)
	post(t, base+"/predict", "text/csv", "gender,race_ethnicity,parental_level_of_education,lunch,test_preparation_course,reading_score,writing_score\n"+
		"female,group B,bachelor's degree,standard,none,72,74\nmale,group E,master's degree,free/reduced,completed,55,61.5\n")
	status, _, body := post(t, base+"/v2/models/"+modelName+"/infer", "application/json", modeltest.OIPRequest(t, []map[string]any{referenceRecord, otherRecords[0]}, false))
	require.Equal(t, http.StatusOK, status, "OIP infer: %s", body)
	status, _, body = post(t, base+"/predictdata", "application/x-www-form-urlencoded", formValues(referenceRecord).Encode())
	require.Equal(t, http.StatusOK, status, "form: %s", body)
	// A rejected request is not a served record.
	post(t, base+"/predict", "application/json", `{"gender":"nobody"}`)
	const served = 10

	status, h, body := send(t, "GET", base+"/model/drift", nil, "")
	require.Equal(t, http.StatusOK, status, "GET /model/drift: %s", body)
	assert.Equal(t, version, h.Get("X-Model-Version"))
	rep := decodeAs[struct {
		ModelVersion string `json:"model_version"`
		Records      int64  `json:"records"`
		TrainingRows int    `json:"training_rows"`
		Features     []struct {
			Name   string `json:"name"`
			Served int64  `json:"served"`
		} `json:"features"`
	}](t, body)
	assert.Equal(t, version, rep.ModelVersion)
	assert.EqualValues(t, served, rep.Records, "records counted: every record of every prediction route")
	assert.Equal(t, m.Training.Rows, rep.TrainingRows)
	require.Len(t, rep.Features, len(m.Features))
	for i, f := range m.Features {
		assert.Equal(t, f.Name, rep.Features[i].Name, "feature %d", i)
	}

	status, _, body = send(t, "GET", base+"/metrics", nil, "")
	require.Equal(t, http.StatusOK, status)
	assert.Regexp(t, `(?m)^predict_drift_records_total 10$`, string(body), "GET /metrics: the drift series")
	assert.Regexp(t, `(?m)^predict_drift_psi\{feature="reading_score"\} `, string(body), "GET /metrics: a feature's PSI")
}

func TestDriftOff(t *testing.T) {
	root, _, _ := driftStore(t)
	base, _ := startServer(t, map[string]string{"MODEL_STORE": root, "DRIFT": "off"})
	predictOne(t, base, referenceJSON)
	status, h, body := send(t, "GET", base+"/model/drift", nil, "")
	assert.Equal(t, http.StatusNotFound, status, "GET /model/drift with DRIFT=off: %s", body)
	assert.Contains(t, errorOf(t, h, body), "DRIFT=off")
	_, _, body = send(t, "GET", base+"/metrics", nil, "")
	assert.NotContains(t, string(body), "predict_drift_", "DRIFT=off: no drift series")
}

func TestDriftWithoutBaseline(t *testing.T) {
	root, version := sampleStore(t) // modeltest's models carry no baseline
	base, _ := startServer(t, map[string]string{"MODEL_STORE": root})
	predictOne(t, base, referenceJSON)
	status, h, body := send(t, "GET", base+"/model/drift", nil, "")
	assert.Equal(t, http.StatusNotFound, status, "GET /model/drift of a model without a baseline: %s", body)
	assert.Contains(t, errorOf(t, h, body), version)
}

func TestDriftMonitorPerVersion(t *testing.T) {
	root, first, _ := driftStore(t)
	base, _ := startServer(t, map[string]string{"MODEL_STORE": root, "RELOAD_INTERVAL": "100ms"})
	for i := 0; i < 3; i++ {
		predictOne(t, base, referenceJSON)
	}
	m2, tab2 := fitModel(t, "synthetic:500", 7)
	b, err := drift.Fit(tab2, m2.Transform)
	require.NoError(t, err)
	m2.Training = b
	second := pushModel(t, root, m2, tab2, time.Now().Add(time.Second))
	require.NotEqual(t, first, second)
	waitFor(t, 10*time.Second, "the new version", func() bool { return predictOne(t, base, referenceJSON).ModelVersion == second })

	_, _, body := send(t, "GET", base+"/model/drift", nil, "")
	rep := decodeAs[struct {
		ModelVersion string `json:"model_version"`
		Records      int64  `json:"records"`
		TrainingRows int    `json:"training_rows"`
	}](t, body)
	assert.Equal(t, second, rep.ModelVersion, "the new version's monitor")
	assert.EqualValues(t, 1, rep.Records, "a new version counts from 0: only the request that saw it")
	assert.Equal(t, b.Rows, rep.TrainingRows, "compared with the new version's training data")
}
