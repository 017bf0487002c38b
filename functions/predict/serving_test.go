package main

import (
	"bytes"
	"compress/gzip"
	"encoding/csv"
	"encoding/json"
	"fmt"
	"net/http"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"github.com/studentperf/studentperf/shared/dataset"
)

// studentFeatures are the student schema's features in order: the columns
// of a headerless CSV line.
func studentFeatures() []string {
	var names []string
	for _, c := range dataset.Students.Features {
		names = append(names, c.Name)
	}
	return names
}

// headerlessCSV rewrites a CSV with a header as Batch Transform sends it:
// no header, each line the features in schema order.
func headerlessCSV(t testing.TB, withHeader []byte) []byte {
	t.Helper()
	recs, err := csv.NewReader(bytes.NewReader(withHeader)).ReadAll()
	require.NoError(t, err)
	pos := map[string]int{}
	for i, h := range recs[0] {
		pos[h] = i
	}
	var b bytes.Buffer
	w := csv.NewWriter(&b)
	for _, rec := range recs[1:] {
		var line []string
		for _, n := range studentFeatures() {
			j, ok := pos[n]
			require.True(t, ok, "column %s", n)
			line = append(line, rec[j])
		}
		require.NoError(t, w.Write(line))
	}
	w.Flush()
	return b.Bytes()
}

// csvLine is a record as a headerless CSV line.
func csvLine(r map[string]any) string {
	var cells []string
	for _, n := range studentFeatures() {
		cells = append(cells, fmt.Sprint(r[n]))
	}
	return strings.Join(cells, ",") + "\n"
}

// floatLines parses one float64 a line.
func floatLines(t testing.TB, b []byte) []float64 {
	t.Helper()
	var out []float64
	for _, line := range strings.Split(strings.TrimSuffix(string(b), "\n"), "\n") {
		v, err := strconv.ParseFloat(line, 64)
		require.NoError(t, err, "line %q of %s", line, clipBytes(b))
		out = append(out, v)
	}
	return out
}

func gzipped(t testing.TB, s string) string {
	t.Helper()
	var b bytes.Buffer
	zw := gzip.NewWriter(&b)
	_, err := zw.Write([]byte(s))
	require.NoError(t, err)
	require.NoError(t, zw.Close())
	return b.String()
}

// Acceptance of issue 21: a headerless CSV of 10,000 rows posted to
// /invocations scores the very float64s predict batch writes for them.
func TestInvocationsHeaderlessMatchesBatch(t *testing.T) {
	store := batchStore(t)
	dir := t.TempDir()
	in, out := filepath.Join(dir, "in.csv"), filepath.Join(dir, "out.csv")
	data := generated(t, 10000, 21)
	require.NoError(t, os.WriteFile(in, data, 0o644))
	_, stderr, err := runBatchCmd(t, store, "", "-in", in, "-out", out)
	require.NoError(t, err, stderr)
	scored, err := os.ReadFile(out)
	require.NoError(t, err)
	recs, err := csv.NewReader(bytes.NewReader(scored)).ReadAll()
	require.NoError(t, err)
	col := len(recs[0]) - 1
	require.Equal(t, "predicted_math_score", recs[0][col], "batch output header (the generated data has math_score)")
	var want []float64
	for _, rec := range recs[1:] {
		v, err := strconv.ParseFloat(rec[col], 64)
		require.NoError(t, err)
		want = append(want, v)
	}
	require.Len(t, want, 10000)

	base, _ := startServer(t, map[string]string{"MODEL_STORE": store})
	body := headerlessCSV(t, data)
	status, h, got := send(t, "POST", base+"/invocations", http.Header{"Content-Type": {"text/csv"}}, string(body))
	require.Equal(t, http.StatusOK, status, "%s", clipBytes(got))
	assert.True(t, strings.HasPrefix(h.Get("Content-Type"), "text/csv"), "Content-Type %q", h.Get("Content-Type"))
	assert.NotEmpty(t, h.Get("X-Model-Version"))
	preds := floatLines(t, got)
	require.Len(t, preds, len(want), "one line a record, no header")
	for i := range want {
		if preds[i] != want[i] {
			t.Fatalf("row %d: /invocations %v; predict batch %v", i+1, preds[i], want[i])
		}
	}

	// The same body gzipped, answered as JSON.
	status, _, got = send(t, "POST", base+"/invocations", http.Header{"Content-Type": {"text/csv"}, "Content-Encoding": {"gzip"}, "Accept": {"application/json"}}, gzipped(t, string(body)))
	require.Equal(t, http.StatusOK, status, "%s", clipBytes(got))
	assert.Equal(t, want, decodeAs[batchResponse](t, got).Predictions)
}

func TestSageMakerContract(t *testing.T) {
	empty := t.TempDir()
	noModel, _ := startServer(t, map[string]string{"MODEL_STORE": empty})
	status, _, body := send(t, "GET", noModel+"/ping", nil, "")
	assert.Equal(t, http.StatusServiceUnavailable, status, "GET /ping with no model: %s", body)
	status, _, body = send(t, "POST", noModel+"/invocations", ctHeader("text/csv"), csvLine(referenceRecord))
	assert.Equal(t, http.StatusServiceUnavailable, status, "POST /invocations with no model: %s", body)
	assert.NotEmpty(t, decodeAs[errorBody](t, body).Error)

	root, version := sampleStore(t)
	base, _ := startServer(t, map[string]string{"MODEL_STORE": root})
	status, _, body = send(t, "GET", base+"/ping", nil, "")
	require.Equal(t, http.StatusOK, status, "GET /ping: %s", body)
	assert.Equal(t, version, decodeAs[readiness](t, body).ModelVersion)

	want := []float64{modelPrediction(t, root, referenceRecord), modelPrediction(t, root, otherRecords[0]), modelPrediction(t, root, otherRecords[1])}
	lines := csvLine(referenceRecord) + csvLine(otherRecords[0]) + csvLine(otherRecords[1])
	header := strings.Join(studentFeatures(), ",") + "\n"
	// A header in another order, with an extra column.
	shuffled := "writing_score,extra,gender,race_ethnicity,parental_level_of_education,lunch,test_preparation_course,reading_score\n74,x,female,group B,bachelor's degree,standard,none,72\n"
	cases := []struct {
		name, contentType, accept, body, wantType string
		want                                      []float64
		header                                    bool
	}{
		{name: "headerless csv", contentType: "text/csv", body: lines, wantType: "text/csv", want: want},
		{name: "headerless csv CRLF charset", contentType: "text/csv; charset=utf-8", body: strings.ReplaceAll(lines, "\n", "\r\n"), wantType: "text/csv", want: want},
		{name: "no Content-Type is csv", body: lines, wantType: "text/csv", want: want},
		{name: "csv with a header", contentType: "text/csv", body: header + lines, wantType: "text/csv", want: want, header: true},
		{name: "csv with a shuffled header", contentType: "text/csv", body: shuffled, wantType: "text/csv", want: want[:1], header: true},
		{name: "csv to json", contentType: "text/csv", accept: "application/json", body: lines, wantType: "application/json", want: want},
		{name: "json record", contentType: "application/json", body: referenceJSON, wantType: "application/json", want: want[:1]},
		{name: "json instances to csv", contentType: "application/json", accept: "text/csv", body: `{"instances":[` + referenceJSON + `]}`, wantType: "text/csv", want: want[:1]},
		{name: "json labelled csv", contentType: "text/csv", body: `{"instances":[` + referenceJSON + `]}`, wantType: "application/json", want: want[:1]},
		{name: "accept any", contentType: "text/csv", accept: "*/*", body: lines, wantType: "text/csv", want: want},
		{name: "accept list", contentType: "text/csv", accept: "application/xml, application/json;q=0.9", body: lines, wantType: "application/json", want: want},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			h := http.Header{}
			if c.contentType != "" {
				h.Set("Content-Type", c.contentType)
			}
			if c.accept != "" {
				h.Set("Accept", c.accept)
			}
			status, rh, body := send(t, "POST", base+"/invocations", h, c.body)
			require.Equal(t, http.StatusOK, status, "%s", clipBytes(body))
			assert.Equal(t, version, rh.Get("X-Model-Version"))
			require.True(t, strings.HasPrefix(rh.Get("Content-Type"), c.wantType), "Content-Type %q; want %s", rh.Get("Content-Type"), c.wantType)
			var got []float64
			switch {
			case c.wantType == "application/json" && strings.HasPrefix(strings.TrimSpace(c.body), "{\"gender"):
				got = []float64{decodeAs[predictResponse](t, body).MathScore}
			case c.wantType == "application/json":
				got = decodeAs[batchResponse](t, body).Predictions
			case c.header:
				first, rest, _ := strings.Cut(string(body), "\n")
				assert.Equal(t, "math_score", first, "a header in, a header out")
				got = floatLines(t, []byte(rest))
			default:
				got = floatLines(t, body)
			}
			assert.InDeltaSlice(t, c.want, got, 1e-9)
		})
	}

	bad := []struct {
		name, contentType, accept, encoding, body string
		status                                    int
		contains                                  string
	}{
		{name: "too many fields", contentType: "text/csv", body: "female,group B,bachelor's degree,standard,none,72,74,9\n", status: 400, contains: "schema order"},
		{name: "too few fields", contentType: "text/csv", body: "female,group B\n", status: 400, contains: "line 1"},
		{name: "bad score on line 2", contentType: "text/csv", body: csvLine(referenceRecord) + "female,group B,bachelor's degree,standard,none,seventy,74\n", status: 400, contains: "line 2"},
		{name: "unknown category", contentType: "text/csv", body: "robot,group B,bachelor's degree,standard,none,72,74\n", status: 400, contains: "robot"},
		{name: "header missing a column", contentType: "text/csv", body: "gender,race_ethnicity\nfemale,group B\n", status: 400, contains: "missing required column"},
		{name: "empty", contentType: "text/csv", body: "\n", status: 400, contains: "empty"},
		{name: "xml", contentType: "application/xml", body: "<a/>", status: 415, contains: "Content-Type"},
		{name: "accept xml", contentType: "text/csv", accept: "application/xml", body: lines, status: 406, contains: "Accept"},
		{name: "brotli", contentType: "text/csv", encoding: "br", body: lines, status: 415, contains: "Content-Encoding"},
		{name: "plain labelled gzip", contentType: "text/csv", encoding: "gzip", body: lines, status: 400, contains: "not gzip"},
		{name: "cut gzip", contentType: "text/csv", encoding: "gzip", body: gzipped(t, lines)[:20], status: 400, contains: "gzip"},
		{name: "gzip bomb", contentType: "text/csv", encoding: "gzip", body: gzipped(t, strings.Repeat("0", 64<<20)), status: 413, contains: "MAX_BODY_BYTES"},
	}
	for _, c := range bad {
		t.Run(c.name, func(t *testing.T) {
			h := http.Header{"Content-Type": {c.contentType}}
			if c.accept != "" {
				h.Set("Accept", c.accept)
			}
			if c.encoding != "" {
				h.Set("Content-Encoding", c.encoding)
			}
			status, rh, body := send(t, "POST", base+"/invocations", h, c.body)
			assert.Equal(t, c.status, status, "%s", clipBytes(body))
			assert.True(t, strings.HasPrefix(rh.Get("Content-Type"), "application/json"), "Content-Type %q", rh.Get("Content-Type"))
			assert.Contains(t, decodeAs[errorBody](t, body).Error, c.contains)
		})
	}
}

func TestKServeV1(t *testing.T) {
	root, version := sampleStore(t)
	base, _ := startServer(t, map[string]string{"MODEL_STORE": root})
	records := []map[string]any{referenceRecord, otherRecords[0], otherRecords[1]}
	var want []float64
	for _, r := range records {
		want = append(want, predictOne(t, base, mustJSON(t, r)).MathScore)
	}

	status, h, body := send(t, "GET", base+"/v1/models/"+modelName, nil, "")
	require.Equal(t, http.StatusOK, status, "%s", body)
	assert.Equal(t, kserveModel{Name: modelName, Ready: true}, decodeAs[kserveModel](t, body))
	assert.Equal(t, version, h.Get("X-Model-Version"))

	var arrays [][]any
	for _, r := range records {
		var a []any
		for _, n := range studentFeatures() {
			a = append(a, r[n])
		}
		arrays = append(arrays, a)
	}
	for name, inst := range map[string]any{"records": records, "arrays": arrays} {
		t.Run(name, func(t *testing.T) {
			status, h, body := send(t, "POST", base+"/v1/models/"+modelName+":predict", nil, mustJSON(t, map[string]any{"instances": inst}))
			require.Equal(t, http.StatusOK, status, "%s", body)
			assert.Equal(t, version, h.Get("X-Model-Version"))
			var got map[string][]float64
			require.NoError(t, json.Unmarshal(body, &got))
			assert.Equal(t, []string{"predictions"}, keys(got), "the answer holds predictions only")
			assert.Equal(t, want, got["predictions"], "the same numbers as /predict")
		})
	}

	bad := []struct {
		name, method, path, body string
		status                   int
		contains                 string
	}{
		{name: "wrong model", method: "GET", path: "/v1/models/other", status: 404, contains: `"other"`},
		{name: "wrong model predict", method: "POST", path: "/v1/models/other:predict", body: mustJSON(t, map[string]any{"instances": records}), status: 404, contains: `"other"`},
		{name: "no verb", method: "POST", path: "/v1/models/" + modelName, body: "{}", status: 404, contains: ":predict"},
		{name: "other verb", method: "POST", path: "/v1/models/" + modelName + ":explain", body: "{}", status: 404, contains: ":predict"},
		{name: "one record", method: "POST", path: "/v1/models/" + modelName + ":predict", body: referenceJSON, status: 400, contains: "instances"},
		{name: "short array", method: "POST", path: "/v1/models/" + modelName + ":predict", body: `{"instances":[["female",72]]}`, status: 400, contains: "instances[0]"},
		{name: "array with a bad score", method: "POST", path: "/v1/models/" + modelName + ":predict", body: `{"instances":[["female","group B","bachelor's degree","standard","none",720,74]]}`, status: 400, contains: "instances[0].reading_score"},
		{name: "mixed", method: "POST", path: "/v1/models/" + modelName + ":predict", body: `{"instances":[["female","group B","bachelor's degree","standard","none",72,74],` + referenceJSON + `]}`, status: 400, contains: "instances[1]"},
		{name: "empty", method: "POST", path: "/v1/models/" + modelName + ":predict", body: `{"instances":[]}`, status: 400, contains: "empty"},
		{name: "DELETE", method: "DELETE", path: "/v1/models/" + modelName, status: 405, contains: "allowed"},
	}
	for _, c := range bad {
		t.Run(c.name, func(t *testing.T) {
			status, _, body := send(t, c.method, base+c.path, ctHeader("application/json"), c.body)
			assert.Equal(t, c.status, status, "%s", clipBytes(body))
			assert.Contains(t, decodeAs[errorBody](t, body).Error, c.contains)
		})
	}
}

func keys[V any](m map[string]V) []string {
	var ks []string
	for k := range m {
		ks = append(ks, k)
	}
	return ks
}

// oipTyped is an inference request whose score inputs have datatype dt.
func oipTyped(t testing.TB, records []map[string]any, dt string, outputs ...string) string {
	t.Helper()
	var inputs []map[string]any
	for _, c := range dataset.Students.Features {
		in := map[string]any{"name": c.Name, "datatype": "BYTES", "shape": []int{len(records)}}
		var data []any
		for _, r := range records {
			data = append(data, r[c.Name])
		}
		if c.Kind == dataset.Numeric {
			in["datatype"] = dt
		}
		in["data"] = data
		inputs = append(inputs, in)
	}
	req := map[string]any{"id": "typed-" + dt, "inputs": inputs}
	if len(outputs) > 0 {
		var os []map[string]string
		for _, o := range outputs {
			os = append(os, map[string]string{"name": o})
		}
		req["outputs"] = os
	}
	return mustJSON(t, req)
}

// Acceptance of issue 21: INT32 and FP32 scores, and the versioned route,
// answer what /predict does.
func TestOpenInferenceProtocolTypesAndVersions(t *testing.T) {
	root, version := sampleStore(t)
	base, _ := startServer(t, map[string]string{"MODEL_STORE": root})
	whole := map[string]any{"gender": "male", "race_ethnicity": "group C", "parental_level_of_education": "high school",
		"lunch": "standard", "test_preparation_course": "none", "reading_score": 61.0, "writing_score": 58.0}
	records := []map[string]any{referenceRecord, whole}
	var want []float64
	for _, r := range records {
		want = append(want, predictOne(t, base, mustJSON(t, r)).MathScore)
	}
	infer := base + "/v2/models/" + modelName + "/infer"
	versioned := base + "/v2/models/" + modelName + "/versions/" + version
	for _, c := range []struct{ dt, url string }{
		{"INT32", infer}, {"INT64", infer}, {"INT8", infer}, {"UINT8", infer}, {"UINT64", infer}, {"INT16", infer}, {"UINT16", infer}, {"UINT32", infer},
		{"FP32", infer}, {"FP16", infer}, {"FP64", infer},
		{"INT32", versioned + "/infer"}, {"FP32", versioned + "/infer"}, {"FP64", versioned + "/infer"},
	} {
		t.Run(c.dt+strings.TrimPrefix(c.url, base), func(t *testing.T) {
			status, h, body := post(t, c.url, "application/json", oipTyped(t, records, c.dt))
			require.Equal(t, http.StatusOK, status, "%s", body)
			got := decodeAs[oipInferResponse](t, body)
			assert.Equal(t, "typed-"+c.dt, got.ID, "the request id echoed")
			assert.Equal(t, version, got.ModelVersion)
			assert.Equal(t, version, h.Get("X-Model-Version"))
			require.Len(t, got.Outputs, 1)
			assert.Equal(t, want, got.Outputs[0].Data, "the same numbers as /predict")
		})
	}
	// BOOL scores are 0 and 1.
	zeroOne := []map[string]any{{"gender": "female", "race_ethnicity": "group B", "parental_level_of_education": "bachelor's degree",
		"lunch": "standard", "test_preparation_course": "none", "reading_score": true, "writing_score": false}}
	status, _, body := post(t, infer, "application/json", oipTyped(t, zeroOne, "BOOL"))
	require.Equal(t, http.StatusOK, status, "%s", body)
	asNumbers := mustJSON(t, map[string]any{"gender": "female", "race_ethnicity": "group B", "parental_level_of_education": "bachelor's degree",
		"lunch": "standard", "test_preparation_course": "none", "reading_score": 1, "writing_score": 0})
	assert.Equal(t, []float64{predictOne(t, base, asNumbers).MathScore}, decodeAs[oipInferResponse](t, body).Outputs[0].Data)

	// The outputs filter: the one output by name.
	status, _, body = post(t, infer, "application/json", oipTyped(t, records, "INT32", "math_score"))
	require.Equal(t, http.StatusOK, status, "%s", body)
	assert.Equal(t, want, decodeAs[oipInferResponse](t, body).Outputs[0].Data)

	for _, suffix := range []string{"", "/ready"} {
		status, _, body := send(t, "GET", versioned+suffix, nil, "")
		assert.Equal(t, http.StatusOK, status, "GET %s: %s", versioned+suffix, body)
		status, _, body = send(t, "GET", base+"/v2/models/"+modelName+"/versions/20200101T000000Z-old"+suffix, nil, "")
		assert.Equal(t, http.StatusNotFound, status, "%s", body)
		e := decodeAs[errorBody](t, body).Error
		assert.Contains(t, e, "20200101T000000Z-old", "the 404 names the version")
		assert.Contains(t, e, version, "… and the one served")
	}
	status, _, body = post(t, base+"/v2/models/"+modelName+"/versions/nope/infer", "application/json", oipTyped(t, records, "FP32"))
	assert.Equal(t, http.StatusNotFound, status, "%s", body)
	assert.Contains(t, decodeAs[errorBody](t, body).Error, `"nope"`)
	status, _, body = post(t, base+"/v2/models/other/versions/"+version+"/infer", "application/json", oipTyped(t, records, "FP32"))
	assert.Equal(t, http.StatusNotFound, status, "%s", body)
	assert.Contains(t, decodeAs[errorBody](t, body).Error, `"other"`)
}

// curl -d sends application/x-www-form-urlencoded: a JSON body is read as
// JSON all the same; a gzip body is inflated; paths in 404s are clipped.
func TestBodiesAndPaths(t *testing.T) {
	root, _ := sampleStore(t)
	base, _ := startServer(t, map[string]string{"MODEL_STORE": root})
	want := modelPrediction(t, root, referenceRecord)
	for _, ct := range []string{"application/x-www-form-urlencoded", "text/plain", "none", "application/octet-stream"} {
		h := http.Header{}
		if ct != "none" {
			h.Set("Content-Type", ct)
		}
		status, _, body := send(t, "POST", base+"/predict", h, " \n"+referenceJSON)
		require.Equal(t, http.StatusOK, status, "Content-Type %s: %s", ct, body)
		assert.InDelta(t, want, decodeAs[predictResponse](t, body).MathScore, 1e-9)
	}
	status, _, body := send(t, "POST", base+"/predict", http.Header{"Content-Type": {"application/json"}, "Content-Encoding": {"gzip"}}, gzipped(t, referenceJSON))
	require.Equal(t, http.StatusOK, status, "%s", body)
	assert.InDelta(t, want, decodeAs[predictResponse](t, body).MathScore, 1e-9)

	// A real form body to the web form is still a form.
	status, _, body = send(t, "POST", base+"/predictdata", http.Header{"Content-Type": {"application/x-www-form-urlencoded"}, "Accept": {"application/json"}}, formValues(referenceRecord).Encode())
	assert.Equal(t, http.StatusOK, status, "%s", clipBytes(body))

	long := "/" + strings.Repeat("x", 10000)
	status, _, body = send(t, "GET", base+long, nil, "")
	assert.Equal(t, http.StatusNotFound, status)
	e := decodeAs[errorBody](t, body).Error
	assert.Less(t, len(e), 200, "the 404 echoes a short prefix of the path: %q", e)
	assert.Contains(t, e, strings.Repeat("x", 40))
}
