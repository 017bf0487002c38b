package main

import (
	"bytes"
	"context"
	"encoding/json"
	"flag"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/studentperf/studentperf/shared/modelstore"
	"github.com/studentperf/studentperf/shared/predictor"
	"github.com/studentperf/studentperf/shared/testkit/modeltest"
)

var updateAnswers = flag.Bool("update-answers", false, "rewrite testdata/student_answers.golden from this build's answers")

// studentAnswersGolden holds the student model's answers to a set of good
// and hostile requests on every route, as the server gave them before
// the schema became the model's own (written by this test with
// -update-answers on that commit, 5df7474): the student model must answer
// them byte for byte the same.
const studentAnswersGolden = "testdata/student_answers.golden"

// answerCase is one request of the golden set.
type answerCase struct {
	Method, Path, ContentType, Body string
}

func studentAnswerCases(t testing.TB) []answerCase {
	ref := referenceJSON
	inst := func(records ...string) string { return `{"instances":[` + strings.Join(records, ",") + `]}` }
	js := func(body string) answerCase { return answerCase{"POST", "/predict", "application/json", body} }
	form := func(body string) answerCase {
		return answerCase{"POST", "/predictdata", "application/x-www-form-urlencoded", body}
	}
	infer := func(body string) answerCase {
		return answerCase{"POST", "/v2/models/" + modelName + "/infer", "application/json", body}
	}
	csvHeader := "gender,race_ethnicity,parental_level_of_education,lunch,test_preparation_course,reading_score,writing_score\n"
	line := "female,group B,bachelor's degree,standard,none,72,74\n"
	cases := []answerCase{
		js(ref), js(inst(ref, ref)), js(" " + ref + "\n"),
		js(withField(t, "gender", `" female "`)), js(withField(t, "gender", `"FEMALE"`)), js(withField(t, "gender", `"f\u0065male"`)),
		js(withField(t, "reading_score", "-0")), js(withField(t, "reading_score", "72.0000000000001")), js(withField(t, "reading_score", "7.2e1")),
		js(""), js("null"), js("[]"), js(`{"gender":"male",` + ref[1:]), js(`{"shoe_size":9,` + ref[1:]),
		js(withField(t, "gender", "")), js(`{}`), js(withField(t, "gender", "1")), js(withField(t, "lunch", "true")),
		js(withField(t, "race_ethnicity", "null")), js(withField(t, "reading_score", `"72"`)), js(withField(t, "writing_score", "null")),
		js(withField(t, "reading_score", "-1")), js(withField(t, "writing_score", "100.5")), js(withField(t, "reading_score", "1e400")),
		js(withField(t, "gender", `"robot"`)), js(withField(t, "gender", `""`)), js(withField(t, "test_preparation_course", `"   "`)),
		js(`{"gender":"robot","race_ethnicity":"group B","parental_level_of_education":"bachelor's degree","lunch":"standard","test_preparation_course":"none","reading_score":-5,"writing_score":"x"}`),
		js(inst()), js(inst(ref, withField(t, "reading_score", "101"))), js(inst(ref, withField(t, "gender", `"robot"`))), js(inst(withField(t, "lunch", ""))),
		js(`{"instances":[` + ref + `],"gender":"female"}`), js(ref + "{}"),
		{"POST", "/predict", "text/csv", csvHeader + line + line},
		{"POST", "/predict", "text/csv", csvHeader + "female,group B,bachelor's degree,standard,none,,74\n"},
		{"POST", "/predict", "text/csv", csvHeader + "robot,group B,bachelor's degree,standard,none,101,74\n"},
		{"POST", "/predict", "text/csv", "gender,lunch\nfemale,standard\n"},
		{"POST", "/predict?explain=true", "application/json", ref},
		{"POST", "/predict?explain=true", "text/csv", csvHeader + line},
		{"POST", "/invocations", "text/csv", line + line},
		{"POST", "/invocations", "text/csv", "female,group B\n"},
		{"POST", "/invocations", "application/json", ref},
		{"POST", "/v1/models/" + modelName + ":predict", "application/json", `{"instances":[["female","group B","bachelor's degree","standard","none",72,74]]}`},
		{"POST", "/v1/models/" + modelName + ":predict", "application/json", `{"instances":[["female",72]]}`},
		{"GET", "/v2/models/" + modelName, "", ""},
		infer(modeltest.OIPRequest(t, []map[string]any{referenceRecord}, false)),
		infer(oipWith(t, "writing_score", nil)), infer(oipWith(t, "lunch", func(in map[string]any) { in["name"] = "dinner" })),
		infer(oipWith(t, "reading_score", func(in map[string]any) { in["datatype"] = "BYTES" })),
		infer(oipWith(t, "writing_score", func(in map[string]any) { in["datatype"], in["data"] = "INT32", []float64{74.5} })),
		infer(oipWith(t, "reading_score", func(in map[string]any) { in["data"] = []string{"72"} })),
		infer(oipWith(t, "writing_score", func(in map[string]any) { in["data"] = []float64{-3} })),
		infer(oipWith(t, "gender", func(in map[string]any) { in["data"] = []string{"robot"} })),
		infer(`{"inputs":[]}`),
		form(formValues(referenceRecord).Encode()), form("gender=female"), form(formWith("reading_score", "abc")),
		form(formWith("writing_score", "101")), form(formWith("ethnicity", "group Z")), form(formValues(referenceRecord).Encode() + "&shoe_size=9"),
		form(formWith("ethnicity", "") + "&race_ethnicity=group+B"),
	}
	return cases
}

// studentHandler serves the sample model in process.
func studentHandler(t testing.TB) (http.Handler, string) {
	t.Helper()
	root := t.TempDir()
	m, tab := fitModel(t, "sample", 42)
	version := pushModel(t, root, m, tab, time.Now())
	pred := predictor.New(modelstore.NewDir(root), modelName, nil)
	require.NoError(t, pred.Reload(context.Background()))
	return newAPI(pred, Limits{MaxBody: 1 << 20, MaxBatch: 100}, slog.New(slog.DiscardHandler)).handler(), version
}

func TestStudentAnswersUnchanged(t *testing.T) {
	h, version := studentHandler(t)
	type answer struct {
		answerCase
		Status int
		Answer string
	}
	var got []answer
	for _, c := range studentAnswerCases(t) {
		r := httptest.NewRequest(c.Method, c.Path, strings.NewReader(c.Body))
		if c.ContentType != "" {
			r.Header.Set("Content-Type", c.ContentType)
		}
		w := httptest.NewRecorder()
		h.ServeHTTP(w, r)
		got = append(got, answer{c, w.Code, strings.ReplaceAll(w.Body.String(), version, "VERSION")})
	}
	b, err := json.MarshalIndent(got, "", "  ")
	require.NoError(t, err)
	if *updateAnswers {
		require.NoError(t, os.MkdirAll(filepath.Dir(studentAnswersGolden), 0o755))
		require.NoError(t, os.WriteFile(studentAnswersGolden, b, 0o644))
		return
	}
	want, err := os.ReadFile(studentAnswersGolden)
	require.NoError(t, err, "the golden answers (run with -update-answers on the commit before the change)")
	var wantAnswers []answer
	require.NoError(t, json.Unmarshal(want, &wantAnswers))
	require.Len(t, got, len(wantAnswers))
	for i := range got {
		assert.Equal(t, wantAnswers[i], got[i], "request %d: %s %s %q", i, got[i].Method, got[i].Path, got[i].Body)
	}
	assert.True(t, bytes.Equal(want, b) || t.Failed(), "answers differ")
}
