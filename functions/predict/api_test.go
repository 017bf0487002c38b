package main

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"html/template"
	"io"
	"mime/multipart"
	"net/http"
	"net/http/httptest"
	"net/url"
	"os"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"github.com/studentperf/studentperf/functions/predict/internal/request"
	"github.com/studentperf/studentperf/shared/model"
	"github.com/studentperf/studentperf/shared/modelstore"
	"github.com/studentperf/studentperf/shared/predictor"
	"github.com/studentperf/studentperf/shared/runner"
	"github.com/studentperf/studentperf/shared/testkit/modeltest"
)

// modelName is the model name every test store uses (the default).
const modelName = "student-math-score"

// referenceRecord is referenceJSON as field → value.
var referenceRecord = map[string]any{
	"gender": "female", "race_ethnicity": "group B", "parental_level_of_education": "bachelor's degree",
	"lunch": "standard", "test_preparation_course": "none", "reading_score": 72.0, "writing_score": 74.0,
}

// otherRecords are valid records unlike the reference one, for batches.
var otherRecords = []map[string]any{
	{"gender": "male", "race_ethnicity": "group E", "parental_level_of_education": "master's degree",
		"lunch": "free/reduced", "test_preparation_course": "completed", "reading_score": 55.0, "writing_score": 61.5},
	{"gender": "female", "race_ethnicity": "group A", "parental_level_of_education": "some high school",
		"lunch": "standard", "test_preparation_course": "completed", "reading_score": 98.0, "writing_score": 100.0},
}

// send makes one request and returns status, headers and body. Every
// response of the predict API must carry an X-Request-Id.
func send(t testing.TB, method, url string, header http.Header, body string) (int, http.Header, []byte) {
	t.Helper()
	req, err := http.NewRequest(method, url, strings.NewReader(body))
	require.NoError(t, err)
	for k, vs := range header {
		req.Header[k] = vs
	}
	resp, err := http.DefaultClient.Do(req)
	require.NoError(t, err)
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	require.NoError(t, err)
	if !strings.HasSuffix(req.URL.Path, runner.InvokePath) {
		assert.NotEmpty(t, resp.Header.Get("X-Request-Id"), "%s %s: no X-Request-Id header in the response (status %d)", method, url, resp.StatusCode)
	}
	return resp.StatusCode, resp.Header, b
}

// ctHeader is a header with just a Content-Type.
func ctHeader(contentType string) http.Header {
	return http.Header{"Content-Type": {contentType}}
}

// decodeAs unmarshals b into a T, failing the test when it is not JSON.
func decodeAs[T any](t testing.TB, b []byte) T {
	t.Helper()
	var v T
	require.NoError(t, json.Unmarshal(b, &v), "response %q is not the JSON expected", clipBytes(b))
	return v
}

func clipBytes(b []byte) string {
	if len(b) > 300 {
		return string(b[:300]) + "…"
	}
	return string(b)
}

// mustJSON marshals v.
func mustJSON(t testing.TB, v any) string {
	t.Helper()
	b, err := json.Marshal(v)
	require.NoError(t, err)
	return string(b)
}

// predictOne posts one record to /predict and returns the response.
func predictOne(t testing.TB, base string, record string) predictResponse {
	t.Helper()
	status, h, body := post(t, base+"/predict", "application/json", record)
	require.Equal(t, http.StatusOK, status, "POST /predict %s: %s", record, body)
	got := decodeAs[predictResponse](t, body)
	assert.Equal(t, got.ModelVersion, h.Get("X-Model-Version"), "POST /predict: X-Model-Version as in the body")
	return got
}

// formValues turns a record into the Python original's form fields.
func formValues(record map[string]any) url.Values {
	v := url.Values{}
	for k, x := range record {
		name := request.FormName(k)
		switch x := x.(type) {
		case string:
			v.Set(name, x)
		case float64:
			v.Set(name, fmt.Sprint(x))
		}
	}
	return v
}

// multipartBody encodes values as multipart/form-data and returns the body
// and its Content-Type.
func multipartBody(t testing.TB, values url.Values) (string, string) {
	t.Helper()
	var buf bytes.Buffer
	w := multipart.NewWriter(&buf)
	for k, vs := range values {
		for _, v := range vs {
			require.NoError(t, w.WriteField(k, v))
		}
	}
	require.NoError(t, w.Close())
	return buf.String(), w.FormDataContentType()
}

// waitFor polls cond until it holds, failing the test after timeout.
func waitFor(t testing.TB, timeout time.Duration, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(timeout)
	for !cond() {
		require.False(t, time.Now().After(deadline), "timed out after %s waiting for %s", timeout, what)
		time.Sleep(20 * time.Millisecond)
	}
}

// loadedModel reads back the current model of a store, as the server does.
func loadedModel(t testing.TB, root string) *predictor.Loaded {
	t.Helper()
	p := predictor.New(modelstore.NewDir(root), modelName, nil)
	require.NoError(t, p.Reload(context.Background()))
	return p.Current()
}

func TestNoModelThenPush(t *testing.T) {
	root := t.TempDir()
	base, _ := startServer(t, map[string]string{"MODEL_STORE": root, "RELOAD_INTERVAL": "200ms"})

	for _, path := range []string{"/readyz", "/v2/health/ready", "/v2/models/" + modelName + "/ready"} {
		status, _, body := send(t, "GET", base+path, nil, "")
		assert.Equal(t, http.StatusServiceUnavailable, status, "GET %s with no model: %s", path, body)
	}
	status, _, body := post(t, base+"/predict", "application/json", referenceJSON)
	assert.Equal(t, http.StatusServiceUnavailable, status, "POST /predict with no model: %s", body)
	assert.Contains(t, decodeAs[errorBody](t, body).Error, "train", "POST /predict with no model: the error must mention train")
	status, _, body = send(t, "GET", base+"/healthz", nil, "")
	assert.Equal(t, http.StatusOK, status, "GET /healthz with no model: %s", body)
	status, _, _ = send(t, "GET", base+"/v2/health/live", nil, "")
	assert.Equal(t, http.StatusOK, status, "GET /v2/health/live with no model")

	m, tab := fitModel(t, "sample", 42)
	version := pushModel(t, root, m, tab, time.Now())
	waitFor(t, 5*time.Second, "/readyz to turn 200 after a push", func() bool {
		status, _, _ := send(t, "GET", base+"/readyz", nil, "")
		return status == http.StatusOK
	})
	status, _, body = send(t, "GET", base+"/v2/health/ready", nil, "")
	assert.Equal(t, http.StatusOK, status, "GET /v2/health/ready after a push: %s", body)
	assert.Equal(t, version, predictOne(t, base, referenceJSON).ModelVersion, "POST /predict after a push: version")
}

func TestCorruptVersionRefused(t *testing.T) {
	root, version := sampleStore(t)
	base, logs := startServer(t, map[string]string{"MODEL_STORE": root, "RELOAD_INTERVAL": "200ms"})
	before := predictOne(t, base, referenceJSON)

	ctx := context.Background()
	d := modelstore.NewDir(root)
	m, _ := fitModel(t, "synthetic:500", 7)
	b, err := model.Encode(m)
	require.NoError(t, err)
	bad := strings.Repeat("0", 64) // not the sha256 of b
	require.NotEqual(t, model.Sum(b), bad, "the wrong sha256 is right")
	newVersion := modelstore.NewVersion(time.Now(), model.Sum(b))
	require.NoError(t, d.WriteVersion(ctx, modelName, newVersion, map[string][]byte{"model.json": b}))
	cur, err := d.Current(ctx, modelName)
	require.NoError(t, err)
	require.Equal(t, version, cur.Version, "current version before the corrupt one")
	require.NoError(t, d.SetCurrent(ctx, modelName, modelstore.Pointer{Version: newVersion, SHA256: bad, Model: modelName, Created: time.Now()}, cur.Rev))
	waitFor(t, 5*time.Second, `"refused" in the log`, func() bool { return strings.Contains(logs.String(), "refused") })

	after := predictOne(t, base, referenceJSON)
	assert.Equal(t, before, after, "after a corrupt version: the old version keeps serving")
	assert.Equal(t, version, after.ModelVersion, "after a corrupt version")
	status, _, body := send(t, "GET", base+"/readyz", nil, "")
	assert.Equal(t, http.StatusOK, status, "GET /readyz after a corrupt version")
	assert.Contains(t, string(body), version, "GET /readyz after a corrupt version: want it to name the serving version")
	_, _, metrics := send(t, "GET", base+"/metrics", nil, "")
	assert.Regexp(t, `predict_model_reloads_total\{outcome="refused"\} [1-9]`, string(metrics), "GET /metrics after a corrupt version: no refused reload counted")
}

func TestBatchEqualsSingles(t *testing.T) {
	root, version := sampleStore(t)
	base, _ := startServer(t, map[string]string{"MODEL_STORE": root})
	records := append([]map[string]any{referenceRecord}, otherRecords...)
	status, h, body := post(t, base+"/predict", "application/json", mustJSON(t, map[string]any{"instances": records}))
	require.Equal(t, http.StatusOK, status, "batch: %s", body)
	got := decodeAs[batchResponse](t, body)
	require.Len(t, got.Predictions, len(records), "batch predictions")
	assert.Equal(t, version, got.ModelVersion, "batch: model_version")
	assert.Equal(t, version, h.Get("X-Model-Version"), "batch: X-Model-Version")
	for i, r := range records {
		one := predictOne(t, base, mustJSON(t, r))
		assert.InDelta(t, one.MathScore, got.Predictions[i], 1e-9, "batch prediction %d: want it as for the single record", i)
		assert.InDelta(t, modelPrediction(t, root, r), got.Predictions[i], 1e-9, "batch prediction %d: want what the model predicts in-process", i)
	}
}

func TestFormPage(t *testing.T) {
	root, version := sampleStore(t)
	base, _ := startServer(t, map[string]string{"MODEL_STORE": root})
	l := loadedModel(t, root)

	for _, path := range []string{"/", "/predictdata"} {
		status, h, body := send(t, "GET", base+path, nil, "")
		require.Equal(t, http.StatusOK, status, "GET %s", path)
		require.True(t, strings.HasPrefix(h.Get("Content-Type"), "text/html"), "GET %s: Content-Type %q; want text/html", path, h.Get("Content-Type"))
		page := string(body)
		for _, f := range l.Model.Features {
			name := request.FormName(f.Name)
			if f.Kind != "category" {
				assert.Regexp(t, `<input[^>]*name="`+name+`"[^>]*type="number"`, page, "GET %s: no number input named %q", path, name)
				continue
			}
			sel := regexp.MustCompile(`(?s)<select[^>]*name="` + name + `"[^>]*>(.*?)</select>`).FindStringSubmatch(page)
			if !assert.NotNil(t, sel, "GET %s: no <select name=%q>", path, name) {
				continue
			}
			for _, c := range l.Model.Transform.Categorical {
				if c.Name != f.Name {
					continue
				}
				for _, level := range c.Levels {
					assert.Contains(t, sel[1], `value="`+template.HTMLEscapeString(level)+`"`, "GET %s: <select name=%q> has no option %q", path, name, level)
				}
			}
		}
	}

	want := fmt.Sprintf("%.2f", modelPrediction(t, root, referenceRecord))
	values := formValues(referenceRecord)
	mp, mpType := multipartBody(t, values)
	for _, tc := range []struct{ name, contentType, body string }{
		{"urlencoded", "application/x-www-form-urlencoded", values.Encode()},
		{"multipart", mpType, mp},
	} {
		t.Run(tc.name, func(t *testing.T) {
			status, h, body := post(t, base+"/predictdata", tc.contentType, tc.body)
			require.Equal(t, http.StatusOK, status, "POST /predictdata: %s", body)
			assert.True(t, strings.HasPrefix(h.Get("Content-Type"), "text/html"), "POST /predictdata: Content-Type %q; want text/html", h.Get("Content-Type"))
			assert.Contains(t, string(body), `<strong id="score">`+want+`</strong>`, "POST /predictdata: the page must show the score %s", want)
			assert.Equal(t, version, h.Get("X-Model-Version"), "POST /predictdata: X-Model-Version")
		})
	}

	t.Run("bad form as HTML", func(t *testing.T) {
		bad := formValues(referenceRecord)
		bad.Del("reading_score")
		bad.Set("writing_score", "250")
		status, h, body := send(t, "POST", base+"/predictdata", http.Header{
			"Content-Type": {"application/x-www-form-urlencoded"}, "Accept": {"text/html,application/xhtml+xml"},
		}, bad.Encode())
		require.Equal(t, http.StatusBadRequest, status, "bad form")
		assert.True(t, strings.HasPrefix(h.Get("Content-Type"), "text/html"), "bad form: Content-Type %q; want text/html", h.Get("Content-Type"))
		page := string(body)
		for _, want := range []string{`id="errors"`, "reading_score", "required", "writing_score", "250", "must be between 0 and 100", `<select`} {
			assert.Contains(t, page, want, "bad form page")
		}
		assert.Empty(t, h.Get("X-Model-Version"), "bad form: want no X-Model-Version for a page without a prediction")
	})
}

func TestOpenInferenceProtocol(t *testing.T) {
	root, version := sampleStore(t)
	base, _ := startServer(t, map[string]string{"MODEL_STORE": root})
	l := loadedModel(t, root)

	status, _, body := send(t, "GET", base+"/v2/health/live", nil, "")
	assert.Equal(t, http.StatusOK, status, "GET /v2/health/live")
	assert.Equal(t, true, decodeAs[map[string]any](t, body)["live"], "GET /v2/health/live: %s", body)
	status, _, body = send(t, "GET", base+"/v2/health/ready", nil, "")
	assert.Equal(t, http.StatusOK, status, "GET /v2/health/ready")
	assert.Equal(t, true, decodeAs[map[string]any](t, body)["ready"], "GET /v2/health/ready: %s", body)
	status, _, body = send(t, "GET", base+"/v2/models/"+modelName+"/ready", nil, "")
	ready := decodeAs[map[string]any](t, body)
	assert.Equal(t, http.StatusOK, status, "GET /v2/models/%s/ready", modelName)
	assert.Equal(t, true, ready["ready"], "GET /v2/models/%s/ready: %s", modelName, body)
	assert.Equal(t, modelName, ready["name"], "GET /v2/models/%s/ready: %s", modelName, body)

	status, _, body = send(t, "GET", base+"/v2/models/"+modelName, nil, "")
	require.Equal(t, http.StatusOK, status, "GET /v2/models/%s: %s", modelName, body)
	meta := decodeAs[struct {
		Name     string          `json:"name"`
		Versions []string        `json:"versions"`
		Inputs   []oipTensorMeta `json:"inputs"`
		Outputs  []oipTensorMeta `json:"outputs"`
	}](t, body)
	assert.Equal(t, modelName, meta.Name, "model metadata: name")
	assert.Equal(t, []string{version}, meta.Versions, "model metadata: versions")
	require.Len(t, l.Model.Features, 7, "features of the model")
	require.Len(t, meta.Inputs, 7, "model metadata: inputs")
	for i, f := range l.Model.Features {
		want := map[string]string{"category": "BYTES", "numeric": "FP64"}[f.Kind]
		assert.Equal(t, f.Name, meta.Inputs[i].Name, "model metadata input %d", i)
		assert.Equal(t, want, meta.Inputs[i].Datatype, "model metadata input %d", i)
	}
	if assert.Len(t, meta.Outputs, 1, "model metadata outputs") {
		assert.Equal(t, "math_score", meta.Outputs[0].Name, "model metadata output")
		assert.Equal(t, "FP64", meta.Outputs[0].Datatype, "model metadata output")
	}

	records := []map[string]any{referenceRecord, otherRecords[0]}
	var want []float64
	for _, r := range records {
		want = append(want, predictOne(t, base, mustJSON(t, r)).MathScore)
	}
	for _, nested := range []bool{false, true} {
		t.Run(fmt.Sprintf("infer nested=%v", nested), func(t *testing.T) {
			status, h, body := post(t, base+"/v2/models/"+modelName+"/infer", "application/json", modeltest.OIPRequest(t, records, nested))
			require.Equal(t, http.StatusOK, status, "infer: %s", body)
			got := decodeAs[oipInferResponse](t, body)
			assert.Equal(t, modelName, got.ModelName, "infer: model_name")
			assert.Equal(t, version, got.ModelVersion, "infer: model_version")
			assert.Equal(t, "req-1", got.ID, "infer: id")
			assert.Equal(t, version, h.Get("X-Model-Version"), "infer: X-Model-Version")
			require.Len(t, got.Outputs, 1, "infer: outputs")
			out := got.Outputs[0]
			require.Equal(t, "math_score", out.Name, "infer: output name")
			require.Equal(t, "FP64", out.Datatype, "infer: output datatype")
			require.Equal(t, []int64{2}, out.Shape, "infer: output shape")
			require.Len(t, out.Data, 2, "infer: output data")
			assert.InDeltaSlice(t, want, out.Data, 1e-9, "infer: want the rows as from /predict")
		})
	}
}

func TestMetrics(t *testing.T) {
	root, version := sampleStore(t)
	base, _ := startServer(t, map[string]string{"MODEL_STORE": root})
	predictOne(t, base, referenceJSON)
	status, h, body := send(t, "GET", base+"/metrics", nil, "")
	require.Equal(t, http.StatusOK, status, "GET /metrics")
	require.True(t, strings.HasPrefix(h.Get("Content-Type"), "text/plain"), "GET /metrics: Content-Type %q; want text/plain", h.Get("Content-Type"))
	for _, re := range []string{
		`(?m)^predict_http_requests_total\{[^}]*route="POST /predict"[^}]*\} [1-9]`,
		`(?m)^predict_http_requests_total\{code="200",route="POST /predict"\} 1$`,
		`(?m)^predict_model_info\{version="` + regexp.QuoteMeta(version) + `"\} 1$`,
		`(?m)^predict_http_request_duration_seconds_bucket\{route="POST /predict",`,
		`(?m)^predict_predictions_total [1-9]`,
	} {
		assert.Regexp(t, re, string(body), "GET /metrics")
	}
}

func TestOpenAPIListsEveryRoute(t *testing.T) {
	root, _ := sampleStore(t)
	base, _ := startServer(t, map[string]string{"MODEL_STORE": root})
	status, h, body := send(t, "GET", base+"/openapi.json", nil, "")
	require.Equal(t, http.StatusOK, status, "GET /openapi.json")
	require.True(t, strings.HasPrefix(h.Get("Content-Type"), "application/json"), "GET /openapi.json: Content-Type %q; want application/json", h.Get("Content-Type"))
	doc := decodeAs[struct {
		OpenAPI string                                `json:"openapi"`
		Paths   map[string]map[string]json.RawMessage `json:"paths"`
	}](t, body)
	assert.True(t, strings.HasPrefix(doc.OpenAPI, "3."), "openapi: version %q; want 3.x", doc.OpenAPI)

	src, err := os.ReadFile("routes.go")
	require.NoError(t, err)
	routes := regexp.MustCompile(`r\.handle\("([A-Z]+) ([^"]+)"`).FindAllStringSubmatch(string(src), -1)
	require.GreaterOrEqual(t, len(routes), 10, "routes.go: the pattern no longer matches its lines")
	routes = append(routes, []string{"", "POST", runner.InvokePath})
	served := map[string]bool{}
	for _, r := range routes {
		method, path := strings.ToLower(r[1]), strings.Replace(r[2], "/{$}", "/", 1)
		served[method+" "+path] = true
		ops, ok := doc.Paths[path]
		if !assert.True(t, ok, "openapi: no path %s", path) {
			continue
		}
		assert.Contains(t, ops, method, "openapi: path %s has no %s operation", path, method)
	}
	// ... and describes nothing else, each operation named once.
	ids := map[string]string{}
	for path, ops := range doc.Paths {
		for method, raw := range ops {
			if method == "parameters" {
				continue
			}
			assert.True(t, served[method+" "+path], "openapi: %s %s is not a route of routes.go", method, path)
			op := decodeAs[struct {
				OperationID string                     `json:"operationId"`
				Responses   map[string]json.RawMessage `json:"responses"`
			}](t, raw)
			if assert.NotEmpty(t, op.OperationID, "openapi: %s %s has no operationId", method, path) {
				assert.NotContains(t, ids, op.OperationID, "openapi: operationId %s of %s %s is also %s's", op.OperationID, method, path, ids[op.OperationID])
				ids[op.OperationID] = method + " " + path
			}
			var has4xx bool
			for code := range op.Responses {
				has4xx = has4xx || strings.HasPrefix(code, "4")
			}
			assert.True(t, has4xx, "openapi: %s %s lists no 4xx response", method, path)
		}
	}
}

// TestOpenAPIDocumentsExplain keeps the description of ?explain= in step
// with what the handler accepts.
func TestOpenAPIDocumentsExplain(t *testing.T) {
	var doc struct {
		Components struct {
			Parameters map[string]struct {
				Name   string `json:"name"`
				In     string `json:"in"`
				Schema struct {
					Enum []string `json:"enum"`
				} `json:"schema"`
			} `json:"parameters"`
		} `json:"components"`
	}
	require.NoError(t, json.Unmarshal(openAPIDoc, &doc))
	p := doc.Components.Parameters["Explain"]
	assert.Equal(t, explainParam, p.Name)
	assert.Equal(t, "query", p.In)
	require.NotEmpty(t, p.Schema.Enum)
	for _, v := range p.Schema.Enum {
		r := httptest.NewRequest(http.MethodPost, "/predict?"+explainParam+"="+v, nil)
		_, err := explainQuery(r)
		assert.NoError(t, err, "openapi allows explain=%s; the handler refuses it", v)
	}
}

func TestRequestIDAndLogs(t *testing.T) {
	root, version := sampleStore(t)
	base, logs := startServer(t, map[string]string{"MODEL_STORE": root})

	// send checks every response has an X-Request-Id.
	for _, r := range []struct{ method, path string }{
		{"GET", "/"}, {"GET", "/healthz"}, {"GET", "/readyz"}, {"GET", "/metrics"}, {"GET", "/openapi.json"},
		{"GET", "/v2"}, {"GET", "/nowhere"}, {"DELETE", "/predict"}, {"POST", "/predict"},
	} {
		send(t, r.method, base+r.path, nil, "")
	}
	ids := map[string]bool{}
	for i := 0; i < 3; i++ {
		_, h, _ := send(t, "GET", base+"/healthz", nil, "")
		ids[h.Get("X-Request-Id")] = true
	}
	assert.Len(t, ids, 3, "three requests: want three different request ids")

	const given = "client-7f3e-0001"
	status, h, _ := send(t, "POST", base+"/predict", http.Header{"Content-Type": {"application/json"}, "X-Request-Id": {given}}, referenceJSON)
	assert.Equal(t, http.StatusOK, status, "given X-Request-Id")
	assert.Equal(t, given, h.Get("X-Request-Id"), "given X-Request-Id")
	_, h, _ = send(t, "GET", base+"/healthz", http.Header{"X-Request-Id": {"bad id\twith spaces"}}, "")
	got := h.Get("X-Request-Id")
	assert.NotEmpty(t, got, "unprintable X-Request-Id: want a fresh id")
	assert.NotContains(t, got, " ", "unprintable X-Request-Id: want a fresh id")
	assert.NotContains(t, got, "\t", "unprintable X-Request-Id: want a fresh id")

	// The request log line is written after the response; wait for it.
	waitFor(t, 5*time.Second, "the request log line", func() bool { return strings.Contains(logs.String(), given) })
	var found bool
	for i, line := range strings.Split(strings.TrimSpace(logs.String()), "\n") {
		var rec map[string]any
		if !assert.NoError(t, json.Unmarshal([]byte(line), &rec), "log line %d %q is not JSON", i+1, line) {
			continue
		}
		if rec["msg"] != "request" {
			continue
		}
		for _, key := range []string{"request_id", "route", "status", "latency_ms", "model_version"} {
			assert.Contains(t, rec, key, "log line %d: %s", i+1, line)
		}
		id, _ := rec["request_id"].(string)
		assert.NotEmpty(t, id, "log line %d: empty request_id", i+1)
		assert.IsType(t, 0.0, rec["latency_ms"], "log line %d: latency_ms is not a number", i+1)
		if rec["request_id"] == given {
			found = true
			assert.Equal(t, "POST /predict", rec["route"], "log line of %s: route", given)
			assert.Equal(t, 200.0, rec["status"], "log line of %s: status", given)
			assert.Equal(t, version, rec["model_version"], "log line of %s: model_version", given)
		}
	}
	assert.True(t, found, "no request log line with request_id %q", given)
}
