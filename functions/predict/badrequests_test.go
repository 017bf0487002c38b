package main

import (
	"fmt"
	"math"
	"net/http"
	"slices"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"github.com/studentperf/studentperf/shared/features"
	"github.com/studentperf/studentperf/shared/testkit/modeltest"
)

// badCase is one malformed request and the 4xx answer it must get.
type badCase struct {
	name        string
	limits      bool   // send to the server with MAX_BATCH=3 and MAX_BODY_BYTES=1024
	method      string // POST when empty
	path        string // /predict when empty
	contentType string // application/json when empty; "none" sends no Content-Type
	body        string
	status      int
	field       string   // when set, a problem must name this field (see namesField)
	value       string   // ... with this value, when set
	allowed     []string // ... allowing at least these
	contains    string   // when set, the error must contain this
	allow       string   // when set, the Allow header must be this
}

// namesField reports whether a problem's field names want: exactly, or
// as the last part of a path (OIP reports a category of row i as
// "instances[i].gender", a score as "reading_score[i]").
func namesField(got, want string) bool {
	return got == want || strings.HasSuffix(got, "."+want) || strings.HasPrefix(got, want+"[")
}

// withField returns the reference record with one member replaced by a
// raw JSON value ("" deletes the member).
func withField(t testing.TB, field, raw string) string {
	t.Helper()
	var parts []string
	found := false
	for _, name := range []string{"gender", "race_ethnicity", "parental_level_of_education", "lunch", "test_preparation_course", "reading_score", "writing_score"} {
		v := mustJSON(t, referenceRecord[name])
		if name == field {
			found = true
			if raw == "" {
				continue
			}
			v = raw
		}
		parts = append(parts, fmt.Sprintf("%q:%s", name, v))
	}
	require.True(t, found, "withField: no field %q", field)
	return "{" + strings.Join(parts, ",") + "}"
}

// formWith returns the reference form with one field set ("" deletes it).
func formWith(field, value string) string {
	v := formValues(referenceRecord)
	if value == "" {
		v.Del(field)
	} else {
		v.Set(field, value)
	}
	return v.Encode()
}

// oipWith returns an inference request for the reference record with the
// named input changed by edit (nil deletes it).
func oipWith(t testing.TB, name string, edit func(map[string]any)) string {
	t.Helper()
	req := decodeAs[map[string]any](t, []byte(modeltest.OIPRequest(t, []map[string]any{referenceRecord}, false)))
	var inputs []any
	for _, in := range req["inputs"].([]any) {
		in := in.(map[string]any)
		if in["name"] == name {
			if edit == nil {
				continue
			}
			edit(in)
		}
		inputs = append(inputs, in)
	}
	req["inputs"] = inputs
	return mustJSON(t, req)
}

func TestBadRequests(t *testing.T) {
	root, _ := sampleStore(t)
	base, _ := startServer(t, map[string]string{"MODEL_STORE": root})
	limited, _ := startServer(t, map[string]string{"MODEL_STORE": root, "MAX_BATCH": "3", "MAX_BODY_BYTES": "1024"})

	genders := []string{"female", "male"}
	ref := referenceJSON
	instances := func(records ...string) string { return `{"instances":[` + strings.Join(records, ",") + `]}` }
	form := "application/x-www-form-urlencoded"
	infer := "/v2/models/" + modelName + "/infer"
	mp, mpType := multipartBody(t, formValues(referenceRecord))
	refForm := formValues(referenceRecord).Encode()

	tests := []badCase{
		// Not a JSON object.
		{name: "empty body", body: "", status: 400, contains: "empty"},
		{name: "whitespace body", body: " \n\t\r ", status: 400, contains: "empty"},
		{name: "null", body: "null", status: 400},
		{name: "array", body: "[]", status: 400},
		{name: "array of a record", body: "[" + ref + "]", status: 400},
		{name: "string", body: `"female"`, status: 400},
		{name: "number", body: `66.1`, status: 400},
		{name: "truncated JSON", body: ref[:60], status: 400},
		{name: "truncated after a member", body: `{"gender":"female",`, status: 400},
		{name: "not JSON", body: `gender=female`, status: 400, contains: "invalid JSON"},
		{name: "trailing object", body: ref + "{}", status: 400, contains: "trailing"},
		{name: "trailing garbage", body: ref + " x", status: 400},
		{name: "single quotes", body: strings.ReplaceAll(ref, `"`, `'`), status: 400},
		{name: "NaN literal", body: withField(t, "reading_score", "NaN"), status: 400},

		// Bad members.
		{name: "duplicate key", body: `{"gender":"male",` + ref[1:], status: 400, contains: "duplicate"},
		{name: "duplicate key in instances", body: instances(`{"gender":"male",` + ref[1:]), status: 400, contains: "duplicate"},
		{name: "duplicate instances", body: `{"instances":[` + ref + `],"instances":[` + ref + `]}`, status: 400, contains: "duplicate"},
		{name: "unknown field", body: `{"shoe_size":9,` + ref[1:], status: 400, field: "shoe_size", value: "9"},
		{name: "unknown field case", body: strings.Replace(ref, `"gender"`, `"Gender"`, 1), status: 400, field: "Gender"},
		{name: "missing gender", body: withField(t, "gender", ""), status: 400, field: "gender", contains: "required"},
		{name: "missing race_ethnicity", body: withField(t, "race_ethnicity", ""), status: 400, field: "race_ethnicity", contains: "required"},
		{name: "missing parental_level_of_education", body: withField(t, "parental_level_of_education", ""), status: 400, field: "parental_level_of_education", contains: "required"},
		{name: "missing lunch", body: withField(t, "lunch", ""), status: 400, field: "lunch", contains: "required"},
		{name: "missing test_preparation_course", body: withField(t, "test_preparation_course", ""), status: 400, field: "test_preparation_course", contains: "required"},
		{name: "missing reading_score", body: withField(t, "reading_score", ""), status: 400, field: "reading_score", contains: "required"},
		{name: "missing writing_score", body: withField(t, "writing_score", ""), status: 400, field: "writing_score", contains: "required"},
		{name: "empty object", body: `{}`, status: 400, field: "gender", contains: "required"},
		{name: "number for a category", body: withField(t, "gender", "1"), status: 400, field: "gender", value: "1", contains: "string"},
		{name: "bool for a category", body: withField(t, "lunch", "true"), status: 400, field: "lunch", value: "true"},
		{name: "null for a category", body: withField(t, "race_ethnicity", "null"), status: 400, field: "race_ethnicity", value: "null"},
		{name: "deeply nested category", body: withField(t, "gender", strings.Repeat("[", 200)+strings.Repeat("]", 200)), status: 400, field: "gender"},
		{name: "string for a score", body: withField(t, "reading_score", `"72"`), status: 400, field: "reading_score", value: `"72"`, contains: "number"},
		{name: "bool for a score", body: withField(t, "reading_score", "true"), status: 400, field: "reading_score", value: "true"},
		{name: "null for a score", body: withField(t, "writing_score", "null"), status: 400, field: "writing_score", value: "null"},
		{name: "object for a score", body: withField(t, "writing_score", `{"value":74}`), status: 400, field: "writing_score"},
		{name: "array for a score", body: withField(t, "reading_score", `[72]`), status: 400, field: "reading_score", value: "[72]"},
		{name: "score -1", body: withField(t, "reading_score", "-1"), status: 400, field: "reading_score", value: "-1", contains: "between 0 and 100"},
		{name: "score 100.5", body: withField(t, "writing_score", "100.5"), status: 400, field: "writing_score", value: "100.5", contains: "between 0 and 100"},
		{name: "score 1e400", body: withField(t, "reading_score", "1e400"), status: 400, field: "reading_score", value: "1e400", contains: "finite"},
		{name: "score -1e400", body: withField(t, "writing_score", "-1e400"), status: 400, field: "writing_score"},
		{name: "unknown category", body: withField(t, "gender", `"robot"`), status: 400, field: "gender", value: "robot", allowed: genders, contains: "unknown category"},
		{name: "unknown category lunch", body: withField(t, "lunch", `"caviar"`), status: 400, field: "lunch", value: "caviar", allowed: []string{"free/reduced", "standard"}},
		{name: "empty category", body: withField(t, "gender", `""`), status: 400, field: "gender", contains: "empty"},
		{name: "blank category", body: withField(t, "test_preparation_course", `"   "`), status: 400, field: "test_preparation_course"},
		{name: "several bad fields", body: `{"gender":"robot","race_ethnicity":"group B","parental_level_of_education":"bachelor's degree","lunch":"standard","test_preparation_course":"none","reading_score":-5,"writing_score":"x"}`,
			status: 400, field: "writing_score", contains: "reading_score"},
		// ...and the unknown category among them, in the same answer.
		{name: "several bad fields with a category", body: `{"gender":"robot","race_ethnicity":"group B","parental_level_of_education":"bachelor's degree","lunch":"standard","test_preparation_course":"none","reading_score":-5,"writing_score":"x"}`,
			status: 400, field: "gender", value: "robot", allowed: genders, contains: "writing_score"},

		// Batches.
		{name: "instances empty", body: `{"instances":[]}`, status: 400, contains: "empty"},
		{name: "instances an object", body: `{"instances":` + ref + `}`, status: 400},
		{name: "instances a string", body: `{"instances":"all"}`, status: 400},
		{name: "instances null", body: `{"instances":null}`, status: 400},
		{name: "instances with a number", body: instances(ref, "1"), status: 400},
		{name: "instances with an array", body: instances("[" + ref + "]"), status: 400},
		{name: "instances mixed with fields", body: `{"instances":[` + ref + `],"gender":"female"}`, status: 400, contains: "instances"},
		{name: "instances with a bad record", body: instances(ref, withField(t, "reading_score", "101")), status: 400, field: "instances[1].reading_score", value: "101"},
		{name: "instances with an unknown category", body: instances(ref, withField(t, "gender", `"robot"`)), status: 400, field: "instances[1].gender", value: "robot", allowed: genders},
		{name: "instances with a missing field", body: instances(withField(t, "lunch", "")), status: 400, field: "instances[0].lunch"},
		{name: "batch over MAX_BATCH", limits: true, body: instances(ref, ref, ref, ref), status: 413, contains: "3"},
		{name: "body over MAX_BODY_BYTES", limits: true, body: ref[:len(ref)-1] + strings.Repeat(" ", 1024) + "}", status: 413},

		// Media types, methods, paths.
		{name: "text/plain", contentType: "text/plain", body: "gender female", status: 415, contains: "Content-Type"},
		{name: "text/plain bad JSON", contentType: "text/plain", body: "{" + ref, status: 400, contains: "JSON"},
		{name: "form to /predict", contentType: form, body: refForm, status: 415},
		{name: "multipart to /predict", contentType: mpType, body: mp, status: 415},
		{name: "malformed Content-Type", contentType: "application/json; =", body: "gender=female", status: 415},
		{name: "GET /predict", method: "GET", status: 405, allow: "POST"},
		{name: "PUT /predict", method: "PUT", body: ref, status: 405, allow: "POST"},
		{name: "DELETE /predict", method: "DELETE", status: 405, allow: "POST"},
		{name: "PATCH /healthz", method: "PATCH", path: "/healthz", status: 405, allow: "GET, HEAD"},
		{name: "POST /metrics", method: "POST", path: "/metrics", status: 405},
		{name: "unknown path", method: "GET", path: "/nope", status: 404, contains: "/nope"},
		{name: "POST unknown path", path: "/predict/extra", body: ref, status: 404},
		{name: "trailing slash", path: "/predict/", body: ref, status: 404},

		// The form endpoint (API clients get JSON errors).
		{name: "form missing fields", path: "/predictdata", contentType: form, body: "gender=female", status: 400, field: "reading_score", contains: "required"},
		{name: "form empty", path: "/predictdata", contentType: form, body: "", status: 400, field: "gender"},
		{name: "form bad score", path: "/predictdata", contentType: form, body: formWith("reading_score", "abc"), status: 400, field: "reading_score", value: "abc"},
		{name: "form score out of range", path: "/predictdata", contentType: form, body: formWith("writing_score", "101"), status: 400, field: "writing_score", value: "101"},
		{name: "form score NaN", path: "/predictdata", contentType: form, body: formWith("writing_score", "NaN"), status: 400, field: "writing_score"},
		{name: "form score Inf", path: "/predictdata", contentType: form, body: formWith("reading_score", "+Inf"), status: 400, field: "reading_score"},
		// A form problem names the form's own field ("ethnicity"), which the user sees.
		{name: "form unknown category", path: "/predictdata", contentType: form, body: formWith("ethnicity", "group Z"), status: 400, field: "ethnicity", value: "group Z",
			allowed: []string{"group A", "group B", "group C", "group D", "group E"}},
		{name: "form duplicate field", path: "/predictdata", contentType: form, body: refForm + "&gender=male", status: 400, field: "gender", contains: "more than once"},
		{name: "form unknown field", path: "/predictdata", contentType: form, body: refForm + "&shoe_size=9", status: 400, field: "shoe_size", value: "9"},
		{name: "form race_ethnicity name", path: "/predictdata", contentType: form, body: formWith("ethnicity", "") + "&race_ethnicity=group+B", status: 400, field: "ethnicity"},
		{name: "form wrong content type", path: "/predictdata", contentType: "application/json", body: ref, status: 415},
		{name: "form malformed urlencoding", path: "/predictdata", contentType: form, body: refForm + "&%zz=1", status: 400, contains: "malformed"},
		{name: "form malformed multipart", path: "/predictdata", contentType: "multipart/form-data; boundary=XYZ", body: "--XYZ\r\nContent-Disposition: form-data; name=\"gender\"\r\n\r\nfemale", status: 400, contains: "multipart"},
		{name: "form multipart without boundary", path: "/predictdata", contentType: "multipart/form-data", body: mp, status: 400, contains: "boundary"},
		{name: "form multipart other boundary", path: "/predictdata", contentType: "multipart/form-data; boundary=nothere", body: mp, status: 400},
		{name: "form over MAX_BODY_BYTES", limits: true, path: "/predictdata", contentType: form, body: refForm + "&x=" + strings.Repeat("a", 1100), status: 413},
		{name: "DELETE /predictdata", method: "DELETE", path: "/predictdata", status: 405, allow: "GET, HEAD, POST"},

		// Open Inference Protocol.
		{name: "infer wrong model", path: "/v2/models/other-model/infer", body: modeltest.OIPRequest(t, []map[string]any{referenceRecord}, false), status: 404, contains: "other-model"},
		{name: "metadata wrong model", method: "GET", path: "/v2/models/other-model", status: 404},
		{name: "ready wrong model", method: "GET", path: "/v2/models/other-model/ready", status: 404},
		{name: "infer GET", method: "GET", path: infer, status: 405, allow: "POST"},
		{name: "infer empty body", path: infer, body: "", status: 400},
		{name: "infer not an object", path: infer, body: "[1,2]", status: 400},
		{name: "infer no inputs", path: infer, body: `{"inputs":[]}`, status: 400, contains: "no inputs"},
		{name: "infer unknown member", path: infer, body: `{"inputz":[]}`, status: 400},
		{name: "infer duplicate member", path: infer, body: `{"inputs":[],"inputs":[]}`, status: 400, contains: "duplicate"},
		{name: "infer missing input", path: infer, body: oipWith(t, "writing_score", nil), status: 400, field: "writing_score", contains: "required"},
		{name: "infer unknown input", path: infer, body: oipWith(t, "lunch", func(in map[string]any) { in["name"] = "dinner" }), status: 400, field: "dinner"},
		{name: "infer wrong datatype", path: infer, body: oipWith(t, "reading_score", func(in map[string]any) { in["datatype"] = "BYTES" }), status: 400, field: "reading_score", value: "BYTES"},
		{name: "infer FP64 for a category", path: infer, body: oipWith(t, "gender", func(in map[string]any) { in["datatype"] = "FP64" }), status: 400, field: "gender", value: "FP64"},
		{name: "infer INT32 fraction", path: infer, body: oipWith(t, "writing_score", func(in map[string]any) { in["datatype"], in["data"] = "INT32", []float64{74.5} }), status: 400, field: "writing_score[0]", value: "74.5"},
		{name: "infer UINT8 negative", path: infer, body: oipWith(t, "writing_score", func(in map[string]any) { in["datatype"], in["data"] = "UINT8", []int{-1} }), status: 400, field: "writing_score[0]", value: "-1"},
		{name: "infer INT8 overflow", path: infer, body: oipWith(t, "writing_score", func(in map[string]any) { in["datatype"], in["data"] = "INT8", []int{300} }), status: 400, field: "writing_score[0]", value: "300"},
		{name: "infer FP16 overflow", path: infer, body: oipWith(t, "writing_score", func(in map[string]any) { in["datatype"], in["data"] = "FP16", []float64{70000} }), status: 400, field: "writing_score[0]", value: "70000"},
		{name: "infer unknown datatype", path: infer, body: oipWith(t, "writing_score", func(in map[string]any) { in["datatype"] = "FP128" }), status: 400, field: "writing_score", value: "FP128"},
		{name: "infer BOOL for a category without true", path: infer, body: oipWith(t, "gender", func(in map[string]any) { in["datatype"], in["data"] = "BOOL", []bool{true} }), status: 400, field: "gender[0]", value: "true"},
		{name: "infer shape mismatch", path: infer, body: oipWith(t, "reading_score", func(in map[string]any) { in["shape"], in["data"] = []int{2}, []float64{72, 73} }), status: 400, field: "reading_score"},
		{name: "infer shape [1,2]", path: infer, body: oipWith(t, "gender", func(in map[string]any) { in["shape"] = []int{1, 2} }), status: 400, field: "gender"},
		{name: "infer negative shape", path: infer, body: oipWith(t, "gender", func(in map[string]any) { in["shape"] = []int{-1} }), status: 400, field: "gender"},
		{name: "infer data and shape counts differ", path: infer, body: oipWith(t, "gender", func(in map[string]any) { in["data"] = []string{"female", "male"} }), status: 400, field: "gender"},
		{name: "infer data not an array", path: infer, body: oipWith(t, "lunch", func(in map[string]any) { in["data"] = "standard" }), status: 400, field: "lunch"},
		{name: "infer unknown output", path: infer, body: strings.Replace(modeltest.OIPRequest(t, []map[string]any{referenceRecord}, false), `"id":"req-1"`, `"id":"req-1","outputs":[{"name":"reading_score"}]`, 1), status: 400, contains: "unknown output"},
		{name: "infer duplicate input", path: infer, body: strings.Replace(modeltest.OIPRequest(t, []map[string]any{referenceRecord}, false), `"inputs":[`, `"inputs":[{"name":"gender","datatype":"BYTES","shape":[1],"data":["male"]},`, 1), status: 400, field: "gender", contains: "more than once"},
		{name: "infer nested bad data", path: infer, body: oipWith(t, "reading_score", func(in map[string]any) { in["shape"], in["data"] = []int{1, 1}, [][]float64{{72, 73}} }), status: 400, field: "reading_score"},
		{name: "infer nested too deep", path: infer, body: oipWith(t, "reading_score", func(in map[string]any) { in["data"] = [][][]float64{{{72}}} }), status: 400, field: "reading_score[0]"},
		{name: "infer string for a score", path: infer, body: oipWith(t, "reading_score", func(in map[string]any) { in["data"] = []string{"72"} }), status: 400, field: "reading_score[0]"},
		{name: "infer score out of range", path: infer, body: oipWith(t, "writing_score", func(in map[string]any) { in["data"] = []float64{-3} }), status: 400, field: "writing_score[0]"},
		{name: "infer unknown category", path: infer, body: oipWith(t, "gender", func(in map[string]any) { in["data"] = []string{"robot"} }), status: 400, field: "gender[0]", value: "robot", allowed: genders},
		{name: "infer zero rows", path: infer, body: strings.ReplaceAll(strings.ReplaceAll(modeltest.OIPRequest(t, []map[string]any{referenceRecord}, false), `"shape":[1]`, `"shape":[0]`), `"data":[`, `"data":[],"x":[`), status: 400},
		{name: "infer over MAX_BATCH", limits: true, path: infer, body: modeltest.OIPRequest(t, []map[string]any{referenceRecord, referenceRecord, referenceRecord, referenceRecord}, false), status: 413},
		{name: "infer huge shape", path: infer, body: oipWith(t, "gender", func(in map[string]any) { in["shape"] = []int64{math.MaxInt64} }), status: 413},
		{name: "infer text/plain", path: infer, contentType: "text/plain", body: "inputs", status: 415},
	}
	require.GreaterOrEqual(t, len(tests), 40, "bad-request cases")

	var fiveXX []string
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			server := base
			if tc.limits {
				server = limited
			}
			method, path := tc.method, tc.path
			if method == "" {
				method = http.MethodPost
			}
			if path == "" {
				path = "/predict"
			}
			h := http.Header{}
			switch tc.contentType {
			case "":
				h.Set("Content-Type", "application/json")
			case "none":
			default:
				h.Set("Content-Type", tc.contentType)
			}
			status, header, body := send(t, method, server+path, h, tc.body)
			if status >= 500 {
				fiveXX = append(fiveXX, fmt.Sprintf("%s: %d %s", tc.name, status, body))
			}
			assert.Equal(t, tc.status, status, "%s %s: %s", method, path, clipBytes(body))
			assert.True(t, strings.HasPrefix(header.Get("Content-Type"), "application/json"), "Content-Type %q; want application/json", header.Get("Content-Type"))
			if tc.allow != "" {
				assert.Equal(t, tc.allow, header.Get("Allow"), "Allow")
			}
			e := decodeAs[errorBody](t, body)
			require.NotEmpty(t, strings.TrimSpace(e.Error), "body %s; want a non-empty \"error\"", clipBytes(body))
			if tc.contains != "" {
				assert.Contains(t, e.Error, tc.contains, "error")
			}
			if tc.field == "" {
				return
			}
			assert.Contains(t, e.Error, tc.field, "the error must name the field")
			i := slices.IndexFunc(e.Problems, func(p features.Problem) bool { return namesField(p.Field, tc.field) })
			require.GreaterOrEqual(t, i, 0, "problems %+v; want one for field %q", e.Problems, tc.field)
			p := e.Problems[i]
			assert.NotEmpty(t, strings.TrimSpace(p.Reason), "problem %+v: empty reason", p)
			if tc.value != "" {
				assert.Equal(t, tc.value, p.Value, "problem for %s: value", tc.field)
			}
			for _, a := range tc.allowed {
				assert.Contains(t, p.Allowed, a, "problem for %s: allowed", tc.field)
			}
		})
	}
	t.Logf("%d bad-request cases", len(tests))
	assert.Empty(t, fiveXX, "5xx responses; want none")
}

// TestCategoryMatching checks that categories match whatever their case
// and surrounding spaces, in every input route.
func TestCategoryMatching(t *testing.T) {
	root, _ := sampleStore(t)
	base, _ := startServer(t, map[string]string{"MODEL_STORE": root})
	want := predictOne(t, base, referenceJSON).MathScore
	require.InDelta(t, modelPrediction(t, root, referenceRecord), want, 1e-9, "POST /predict of the exact categories")

	variants := []string{
		withField(t, "gender", `" FEMALE "`),
		withField(t, "race_ethnicity", `"Group b"`),
		withField(t, "parental_level_of_education", `"\tBachelor's Degree\n"`),
		withField(t, "lunch", `"STANDARD"`),
		`{"gender":"Female ","race_ethnicity":" GROUP B","parental_level_of_education":"BACHELOR'S DEGREE","lunch":"Standard","test_preparation_course":"NONE","reading_score":72,"writing_score":74.0}`,
	}
	for _, body := range variants {
		assert.Equal(t, want, predictOne(t, base, body).MathScore, "POST /predict %s: want it as for the exact categories", body)
	}

	v := formValues(referenceRecord)
	v.Set("gender", " FEMALE ")
	v.Set("ethnicity", "GROUP B")
	status, _, body := post(t, base+"/predictdata", "application/x-www-form-urlencoded", v.Encode())
	assert.Equal(t, http.StatusOK, status, `POST /predictdata with " FEMALE "`)
	assert.Contains(t, string(body), fmt.Sprintf(">%.2f<", want), `POST /predictdata with " FEMALE ": the page must show the score`)

	rec := map[string]any{}
	for k, x := range referenceRecord {
		rec[k] = x
	}
	rec["gender"] = " FEMALE "
	status, _, body = post(t, base+"/v2/models/"+modelName+"/infer", "application/json", modeltest.OIPRequest(t, []map[string]any{rec}, false))
	require.Equal(t, http.StatusOK, status, `infer with " FEMALE ": %s`, body)
	r := decodeAs[oipInferResponse](t, body)
	require.Len(t, r.Outputs, 1, `infer with " FEMALE ": outputs`)
	assert.Equal(t, []float64{want}, r.Outputs[0].Data, `infer with " FEMALE "`)
}
