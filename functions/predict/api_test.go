package main

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"html/template"
	"io"
	"math"
	"mime/multipart"
	"net/http"
	"net/url"
	"os"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/studentperf/studentperf/shared/model"
	"github.com/studentperf/studentperf/shared/modelstore"
	"github.com/studentperf/studentperf/shared/predictor"
	"github.com/studentperf/studentperf/shared/runner"
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
	if err != nil {
		t.Fatal(err)
	}
	for k, vs := range header {
		req.Header[k] = vs
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatal(err)
	}
	if !strings.HasSuffix(req.URL.Path, runner.InvokePath) && resp.Header.Get("X-Request-Id") == "" {
		t.Errorf("%s %s: no X-Request-Id header in the response (status %d)", method, url, resp.StatusCode)
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
	if err := json.Unmarshal(b, &v); err != nil {
		t.Fatalf("response %q is not the JSON expected: %v", clipBytes(b), err)
	}
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
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

// predictOne posts one record to /predict and returns the response.
func predictOne(t testing.TB, base string, record string) predictResponse {
	t.Helper()
	status, h, body := post(t, base+"/predict", "application/json", record)
	if status != http.StatusOK {
		t.Fatalf("POST /predict %s: got status %d; want 200: %s", record, status, body)
	}
	got := decodeAs[predictResponse](t, body)
	if h.Get("X-Model-Version") != got.ModelVersion {
		t.Errorf("POST /predict: got X-Model-Version %q; want %q as in the body", h.Get("X-Model-Version"), got.ModelVersion)
	}
	return got
}

// formValues turns a record into the Python original's form fields.
func formValues(record map[string]any) url.Values {
	v := url.Values{}
	for k, x := range record {
		name := formName(k)
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
			if err := w.WriteField(k, v); err != nil {
				t.Fatal(err)
			}
		}
	}
	if err := w.Close(); err != nil {
		t.Fatal(err)
	}
	return buf.String(), w.FormDataContentType()
}

// oipRequest builds an inference request for records: one input per
// feature of shape [N] (or [N, 1] with nested data).
func oipRequest(t testing.TB, records []map[string]any, nested bool) string {
	t.Helper()
	names := []string{"gender", "race_ethnicity", "parental_level_of_education", "lunch", "test_preparation_course", "reading_score", "writing_score"}
	var inputs []map[string]any
	for _, name := range names {
		dt := "BYTES"
		if strings.HasSuffix(name, "_score") {
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
	return mustJSON(t, map[string]any{"id": "req-1", "inputs": inputs})
}

// waitFor polls cond until it holds, failing the test after timeout.
func waitFor(t testing.TB, timeout time.Duration, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(timeout)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("timed out after %s waiting for %s", timeout, what)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// loadedModel reads back the current model of a store, as the server does.
func loadedModel(t testing.TB, root string) *predictor.Loaded {
	t.Helper()
	p := predictor.New(modelstore.NewDir(root), modelName, nil)
	if err := p.Reload(context.Background()); err != nil {
		t.Fatal(err)
	}
	return p.Current()
}

func TestNoModelThenPush(t *testing.T) {
	root := t.TempDir()
	base, _ := startServer(t, map[string]string{"MODEL_STORE": root, "RELOAD_INTERVAL": "200ms"})

	for _, path := range []string{"/readyz", "/v2/health/ready", "/v2/models/" + modelName + "/ready"} {
		if status, _, body := send(t, "GET", base+path, nil, ""); status != http.StatusServiceUnavailable {
			t.Errorf("GET %s with no model: got status %d; want 503: %s", path, status, body)
		}
	}
	status, _, body := post(t, base+"/predict", "application/json", referenceJSON)
	if status != http.StatusServiceUnavailable {
		t.Errorf("POST /predict with no model: got status %d; want 503: %s", status, body)
	}
	if e := decodeAs[errorBody](t, body); !strings.Contains(e.Error, "train") {
		t.Errorf("POST /predict with no model: got error %q; want it to mention train", e.Error)
	}
	if status, _, body := send(t, "GET", base+"/healthz", nil, ""); status != http.StatusOK {
		t.Errorf("GET /healthz with no model: got status %d; want 200: %s", status, body)
	}
	if status, _, _ := send(t, "GET", base+"/v2/health/live", nil, ""); status != http.StatusOK {
		t.Errorf("GET /v2/health/live with no model: got status %d; want 200", status)
	}

	m, tab := fitModel(t, "sample", 42)
	version := pushModel(t, root, m, tab, time.Now())
	waitFor(t, 5*time.Second, "/readyz to turn 200 after a push", func() bool {
		status, _, _ := send(t, "GET", base+"/readyz", nil, "")
		return status == http.StatusOK
	})
	if status, _, body := send(t, "GET", base+"/v2/health/ready", nil, ""); status != http.StatusOK {
		t.Errorf("GET /v2/health/ready after a push: got status %d; want 200: %s", status, body)
	}
	if got := predictOne(t, base, referenceJSON); got.ModelVersion != version {
		t.Errorf("POST /predict after a push: got version %q; want %q", got.ModelVersion, version)
	}
}

func TestCorruptVersionRefused(t *testing.T) {
	root, version := referenceStore(t)
	base, logs := startServer(t, map[string]string{"MODEL_STORE": root, "RELOAD_INTERVAL": "200ms"})
	before := predictOne(t, base, referenceJSON)

	ctx := context.Background()
	d := modelstore.NewDir(root)
	m, _ := fitModel(t, "synthetic:500", 7)
	b, err := model.Encode(m)
	if err != nil {
		t.Fatal(err)
	}
	bad := strings.Repeat("0", 64) // not the sha256 of b
	if bad == model.Sum(b) {
		t.Fatal("the wrong sha256 is right")
	}
	newVersion := modelstore.NewVersion(time.Now(), model.Sum(b))
	if err := d.WriteVersion(ctx, modelName, newVersion, map[string][]byte{"model.json": b}); err != nil {
		t.Fatal(err)
	}
	cur, err := d.Current(ctx, modelName)
	if err != nil {
		t.Fatal(err)
	}
	if err := d.SetCurrent(ctx, modelName, modelstore.Pointer{Version: newVersion, SHA256: bad, Model: modelName, Created: time.Now()}, cur.Rev); err != nil {
		t.Fatal(err)
	}
	waitFor(t, 5*time.Second, `"refused" in the log`, func() bool { return strings.Contains(logs.String(), "refused") })

	after := predictOne(t, base, referenceJSON)
	if after.ModelVersion != version || after.MathScore != before.MathScore {
		t.Errorf("after a corrupt version: got %+v; want %+v (the old version keeps serving)", after, before)
	}
	status, _, body := send(t, "GET", base+"/readyz", nil, "")
	if status != http.StatusOK || !strings.Contains(string(body), version) {
		t.Errorf("GET /readyz after a corrupt version: got %d %s; want 200 naming %s", status, body, version)
	}
	_, _, metrics := send(t, "GET", base+"/metrics", nil, "")
	if !regexp.MustCompile(`predict_model_reloads_total\{outcome="refused"\} [1-9]`).Match(metrics) {
		t.Errorf("GET /metrics after a corrupt version: no refused reload counted")
	}
}

func TestBatchEqualsSingles(t *testing.T) {
	root, version := referenceStore(t)
	base, _ := startServer(t, map[string]string{"MODEL_STORE": root})
	records := append([]map[string]any{referenceRecord}, otherRecords...)
	status, h, body := post(t, base+"/predict", "application/json", mustJSON(t, map[string]any{"instances": records}))
	if status != http.StatusOK {
		t.Fatalf("batch: got status %d; want 200: %s", status, body)
	}
	got := decodeAs[batchResponse](t, body)
	if len(got.Predictions) != len(records) {
		t.Fatalf("batch: got %d predictions; want %d", len(got.Predictions), len(records))
	}
	if got.ModelVersion != version || h.Get("X-Model-Version") != version {
		t.Errorf("batch: got version %q (header %q); want %q", got.ModelVersion, h.Get("X-Model-Version"), version)
	}
	for i, r := range records {
		one := predictOne(t, base, mustJSON(t, r))
		if math.Abs(got.Predictions[i]-one.MathScore) > 1e-9 {
			t.Errorf("batch prediction %d: got %v; want %v as for the single record", i, got.Predictions[i], one.MathScore)
		}
	}
}

func TestFormPage(t *testing.T) {
	root, version := referenceStore(t)
	base, _ := startServer(t, map[string]string{"MODEL_STORE": root})
	l := loadedModel(t, root)

	for _, path := range []string{"/", "/predictdata"} {
		status, h, body := send(t, "GET", base+path, nil, "")
		if status != http.StatusOK || !strings.HasPrefix(h.Get("Content-Type"), "text/html") {
			t.Fatalf("GET %s: got %d %q; want 200 text/html", path, status, h.Get("Content-Type"))
		}
		page := string(body)
		for _, f := range l.Model.Features {
			name := formName(f.Name)
			if f.Kind != "category" {
				if !regexp.MustCompile(`<input[^>]*name="` + name + `"[^>]*type="number"`).MatchString(page) {
					t.Errorf("GET %s: no number input named %q", path, name)
				}
				continue
			}
			sel := regexp.MustCompile(`(?s)<select[^>]*name="` + name + `"[^>]*>(.*?)</select>`).FindStringSubmatch(page)
			if sel == nil {
				t.Errorf("GET %s: no <select name=%q>", path, name)
				continue
			}
			for _, c := range l.Model.Transform.Categorical {
				if c.Name != f.Name {
					continue
				}
				for _, level := range c.Levels {
					if !strings.Contains(sel[1], `value="`+template.HTMLEscapeString(level)+`"`) {
						t.Errorf("GET %s: <select name=%q> has no option %q", path, name, level)
					}
				}
			}
		}
	}

	want := fmt.Sprintf("%.2f", predictOne(t, base, referenceJSON).MathScore)
	values := formValues(referenceRecord)
	mp, mpType := multipartBody(t, values)
	for _, tc := range []struct{ name, contentType, body string }{
		{"urlencoded", "application/x-www-form-urlencoded", values.Encode()},
		{"multipart", mpType, mp},
	} {
		t.Run(tc.name, func(t *testing.T) {
			status, h, body := post(t, base+"/predictdata", tc.contentType, tc.body)
			if status != http.StatusOK {
				t.Fatalf("POST /predictdata: got status %d; want 200: %s", status, body)
			}
			if !strings.HasPrefix(h.Get("Content-Type"), "text/html") {
				t.Errorf("POST /predictdata: got Content-Type %q; want text/html", h.Get("Content-Type"))
			}
			if !strings.Contains(string(body), `<strong id="score">`+want+`</strong>`) {
				t.Errorf("POST /predictdata: page does not show the score %s", want)
			}
			if got := h.Get("X-Model-Version"); got != version {
				t.Errorf("POST /predictdata: got X-Model-Version %q; want %q", got, version)
			}
		})
	}

	t.Run("bad form as HTML", func(t *testing.T) {
		bad := formValues(referenceRecord)
		bad.Del("reading_score")
		bad.Set("writing_score", "250")
		status, h, body := send(t, "POST", base+"/predictdata", http.Header{
			"Content-Type": {"application/x-www-form-urlencoded"}, "Accept": {"text/html,application/xhtml+xml"},
		}, bad.Encode())
		if status != http.StatusBadRequest {
			t.Fatalf("bad form: got status %d; want 400", status)
		}
		if !strings.HasPrefix(h.Get("Content-Type"), "text/html") {
			t.Errorf("bad form: got Content-Type %q; want text/html", h.Get("Content-Type"))
		}
		page := string(body)
		for _, want := range []string{`id="errors"`, "reading_score", "required", "writing_score", "250", "must be between 0 and 100", `<select`} {
			if !strings.Contains(page, want) {
				t.Errorf("bad form page: no %q in it", want)
			}
		}
		if h.Get("X-Model-Version") != "" {
			t.Errorf("bad form: got X-Model-Version %q; want none for a page without a prediction", h.Get("X-Model-Version"))
		}
	})
}

func TestOpenInferenceProtocol(t *testing.T) {
	root, version := referenceStore(t)
	base, _ := startServer(t, map[string]string{"MODEL_STORE": root})
	l := loadedModel(t, root)

	status, _, body := send(t, "GET", base+"/v2/health/live", nil, "")
	if live := decodeAs[map[string]any](t, body); status != http.StatusOK || live["live"] != true {
		t.Errorf("GET /v2/health/live: got %d %s; want 200 {\"live\": true}", status, body)
	}
	status, _, body = send(t, "GET", base+"/v2/health/ready", nil, "")
	if ready := decodeAs[map[string]any](t, body); status != http.StatusOK || ready["ready"] != true {
		t.Errorf("GET /v2/health/ready: got %d %s; want 200 {\"ready\": true}", status, body)
	}
	status, _, body = send(t, "GET", base+"/v2/models/"+modelName+"/ready", nil, "")
	if ready := decodeAs[map[string]any](t, body); status != http.StatusOK || ready["ready"] != true || ready["name"] != modelName {
		t.Errorf("GET /v2/models/%s/ready: got %d %s; want 200 ready", modelName, status, body)
	}

	status, _, body = send(t, "GET", base+"/v2/models/"+modelName, nil, "")
	if status != http.StatusOK {
		t.Fatalf("GET /v2/models/%s: got status %d; want 200: %s", modelName, status, body)
	}
	meta := decodeAs[struct {
		Name     string          `json:"name"`
		Versions []string        `json:"versions"`
		Inputs   []oipTensorMeta `json:"inputs"`
		Outputs  []oipTensorMeta `json:"outputs"`
	}](t, body)
	if meta.Name != modelName || len(meta.Versions) != 1 || meta.Versions[0] != version {
		t.Errorf("model metadata: got name %q versions %v; want %q [%s]", meta.Name, meta.Versions, modelName, version)
	}
	if len(meta.Inputs) != 7 || len(l.Model.Features) != 7 {
		t.Fatalf("model metadata: got %d inputs; want 7", len(meta.Inputs))
	}
	for i, f := range l.Model.Features {
		want := map[string]string{"category": "BYTES", "score": "FP64"}[f.Kind]
		if in := meta.Inputs[i]; in.Name != f.Name || in.Datatype != want {
			t.Errorf("model metadata input %d: got %s %s; want %s %s", i, in.Name, in.Datatype, f.Name, want)
		}
	}
	if len(meta.Outputs) != 1 || meta.Outputs[0].Name != "math_score" || meta.Outputs[0].Datatype != "FP64" {
		t.Errorf("model metadata outputs: got %+v; want one math_score FP64", meta.Outputs)
	}

	records := []map[string]any{referenceRecord, otherRecords[0]}
	var want []float64
	for _, r := range records {
		want = append(want, predictOne(t, base, mustJSON(t, r)).MathScore)
	}
	for _, nested := range []bool{false, true} {
		t.Run(fmt.Sprintf("infer nested=%v", nested), func(t *testing.T) {
			status, h, body := post(t, base+"/v2/models/"+modelName+"/infer", "application/json", oipRequest(t, records, nested))
			if status != http.StatusOK {
				t.Fatalf("infer: got status %d; want 200: %s", status, body)
			}
			got := decodeAs[oipInferResponse](t, body)
			if got.ModelName != modelName || got.ModelVersion != version || got.ID != "req-1" || h.Get("X-Model-Version") != version {
				t.Errorf("infer: got model %q version %q id %q; want %q %q req-1", got.ModelName, got.ModelVersion, got.ID, modelName, version)
			}
			if len(got.Outputs) != 1 {
				t.Fatalf("infer: got %d outputs; want 1", len(got.Outputs))
			}
			out := got.Outputs[0]
			if out.Name != "math_score" || out.Datatype != "FP64" || len(out.Shape) != 1 || out.Shape[0] != 2 || len(out.Data) != 2 {
				t.Fatalf("infer: got output %+v; want math_score FP64 of shape [2]", out)
			}
			for i := range want {
				if math.Abs(out.Data[i]-want[i]) > 1e-9 {
					t.Errorf("infer row %d: got %v; want %v as from /predict", i, out.Data[i], want[i])
				}
			}
		})
	}
}

func TestMetrics(t *testing.T) {
	root, version := referenceStore(t)
	base, _ := startServer(t, map[string]string{"MODEL_STORE": root})
	predictOne(t, base, referenceJSON)
	status, h, body := send(t, "GET", base+"/metrics", nil, "")
	if status != http.StatusOK || !strings.HasPrefix(h.Get("Content-Type"), "text/plain") {
		t.Fatalf("GET /metrics: got %d %q; want 200 text/plain", status, h.Get("Content-Type"))
	}
	for _, re := range []string{
		`(?m)^predict_http_requests_total\{[^}]*route="POST /predict"[^}]*\} [1-9]`,
		`(?m)^predict_http_requests_total\{code="200",route="POST /predict"\} 1$`,
		`(?m)^predict_model_info\{version="` + regexp.QuoteMeta(version) + `"\} 1$`,
		`(?m)^predict_http_request_duration_seconds_bucket\{route="POST /predict",`,
		`(?m)^predict_predictions_total [1-9]`,
	} {
		if !regexp.MustCompile(re).Match(body) {
			t.Errorf("GET /metrics: no line matching %s", re)
		}
	}
}

func TestOpenAPIListsEveryRoute(t *testing.T) {
	root, _ := referenceStore(t)
	base, _ := startServer(t, map[string]string{"MODEL_STORE": root})
	status, h, body := send(t, "GET", base+"/openapi.json", nil, "")
	if status != http.StatusOK || !strings.HasPrefix(h.Get("Content-Type"), "application/json") {
		t.Fatalf("GET /openapi.json: got %d %q; want 200 application/json", status, h.Get("Content-Type"))
	}
	doc := decodeAs[struct {
		OpenAPI string                                `json:"openapi"`
		Paths   map[string]map[string]json.RawMessage `json:"paths"`
	}](t, body)
	if !strings.HasPrefix(doc.OpenAPI, "3.") {
		t.Errorf("openapi: got version %q; want 3.x", doc.OpenAPI)
	}

	src, err := os.ReadFile("routes.go")
	if err != nil {
		t.Fatal(err)
	}
	routes := regexp.MustCompile(`r\.handle\("([A-Z]+) ([^"]+)"`).FindAllStringSubmatch(string(src), -1)
	if len(routes) < 10 {
		t.Fatalf("routes.go: found %d routes; the pattern no longer matches its lines", len(routes))
	}
	routes = append(routes, []string{"", "POST", runner.InvokePath})
	for _, r := range routes {
		method, path := strings.ToLower(r[1]), strings.Replace(r[2], "/{$}", "/", 1)
		ops, ok := doc.Paths[path]
		if !ok {
			t.Errorf("openapi: no path %s", path)
			continue
		}
		if _, ok := ops[method]; !ok {
			t.Errorf("openapi: path %s has no %s operation", path, method)
		}
	}
}

func TestRequestIDAndLogs(t *testing.T) {
	root, version := referenceStore(t)
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
	if len(ids) != 3 {
		t.Errorf("three requests: got request ids %v; want three different ones", ids)
	}

	const given = "client-7f3e-0001"
	status, h, _ := send(t, "POST", base+"/predict", http.Header{"Content-Type": {"application/json"}, "X-Request-Id": {given}}, referenceJSON)
	if status != http.StatusOK || h.Get("X-Request-Id") != given {
		t.Errorf("given X-Request-Id: got %d %q; want 200 %q", status, h.Get("X-Request-Id"), given)
	}
	_, h, _ = send(t, "GET", base+"/healthz", http.Header{"X-Request-Id": {"bad id\twith spaces"}}, "")
	if got := h.Get("X-Request-Id"); got == "" || strings.ContainsAny(got, " \t") {
		t.Errorf("unprintable X-Request-Id: got %q; want a fresh id", got)
	}

	// The request log line is written after the response; wait for it.
	waitFor(t, 5*time.Second, "the request log line", func() bool { return strings.Contains(logs.String(), given) })
	var found bool
	for i, line := range strings.Split(strings.TrimSpace(logs.String()), "\n") {
		var rec map[string]any
		if err := json.Unmarshal([]byte(line), &rec); err != nil {
			t.Errorf("log line %d %q is not JSON: %v", i+1, line, err)
			continue
		}
		if rec["msg"] != "request" {
			continue
		}
		for _, key := range []string{"request_id", "route", "status", "latency_ms", "model_version"} {
			if _, ok := rec[key]; !ok {
				t.Errorf("log line %d: no %q in %s", i+1, key, line)
			}
		}
		if id, _ := rec["request_id"].(string); id == "" {
			t.Errorf("log line %d: empty request_id", i+1)
		}
		if _, ok := rec["latency_ms"].(float64); !ok {
			t.Errorf("log line %d: latency_ms %v is not a number", i+1, rec["latency_ms"])
		}
		if rec["request_id"] == given {
			found = true
			if rec["route"] != "POST /predict" || rec["status"] != 200.0 || rec["model_version"] != version {
				t.Errorf("log line of %s: got route %v status %v model_version %v; want POST /predict 200 %s",
					given, rec["route"], rec["status"], rec["model_version"], version)
			}
		}
	}
	if !found {
		t.Errorf("no request log line with request_id %q", given)
	}
}
