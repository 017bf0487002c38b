package main

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"log/slog"
	"math"
	"net/http"
	"net/http/httptest"
	"net/url"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
	"github.com/studentperf/studentperf/shared/features"
	"github.com/studentperf/studentperf/shared/modelstore"
	"github.com/studentperf/studentperf/shared/predictor"
)

// fuzzMaxBatch bounds batches in the fuzz targets.
const fuzzMaxBatch = 16

// fuzzFields is the field mapping of a model fitted on the embedded sample.
func fuzzFields(f *testing.F) *fieldSet {
	f.Helper()
	m, _ := fitModel(f, "sample", 42)
	return newFieldSet(m)
}

// checkDecodedRows checks what a decoder accepted: every category given
// and every score a number in [0, 100].
func checkDecodedRows(t *testing.T, rows []features.Row, fs *fieldSet) {
	t.Helper()
	for i, r := range rows {
		if len(r.Cat) != fs.nCat || len(r.Num) != fs.nNum {
			t.Fatalf("row %d: got %d categories and %d scores; want %d and %d", i, len(r.Cat), len(r.Num), fs.nCat, fs.nNum)
		}
		for j, c := range r.Cat {
			if strings.TrimSpace(c) == "" {
				t.Fatalf("row %d: got empty category %d accepted", i, j)
			}
		}
		for j, v := range r.Num {
			if math.IsNaN(v) || v < features.MinScore || v > features.MaxScore {
				t.Fatalf("row %d: got score %d = %v accepted; want a number in [0, 100]", i, j, v)
			}
		}
	}
}

// checkDecodeError checks a decoder's error maps to a 4xx.
func checkDecodeError(t *testing.T, err error) {
	t.Helper()
	if s := statusOf(err); s < 400 || s > 499 {
		t.Fatalf("error %v maps to status %d; want a 4xx", err, s)
	}
}

func FuzzDecodePredict(f *testing.F) {
	for _, s := range []string{
		referenceJSON,
		`{"instances":[` + referenceJSON + `,` + referenceJSON + `]}`,
		`{"instances":[]}`,
		`{"gender":"female","gender":"male"}`,
		strings.Replace(referenceJSON, "72", "1e400", 1),
		strings.Replace(referenceJSON, "72", "-0", 1),
		strings.Replace(referenceJSON, `"female"`, `""`, 1),
		referenceJSON + `{}`,
		`{"instances":[` + referenceJSON + `],"lunch":"standard"}`,
		`[` + referenceJSON + `]`,
		``,
		`{"reading_score":[[[[[[[]]]]]]]}`,
	} {
		f.Add([]byte(s))
	}
	fs := fuzzFields(f)
	f.Fuzz(func(t *testing.T, body []byte) {
		fast, fastOK := decodeRecordFast(body, fs)
		req, err := decodePredict(body, fs, fuzzMaxBatch)
		if fastOK {
			// The fast path may only accept what the full decoder accepts,
			// and must decode it the same.
			if err != nil || req.batch || len(req.rows) != 1 || !slices.Equal(fast.Cat, req.rows[0].Cat) || !slices.Equal(fast.Num, req.rows[0].Num) {
				t.Fatalf("fast path accepted %q as %+v; full decoder: %+v, %v", body, fast, req.rows, err)
			}
		}
		if err != nil {
			checkDecodeError(t, err)
			return
		}
		if len(req.rows) == 0 || len(req.rows) > fuzzMaxBatch || (!req.batch && len(req.rows) != 1) {
			t.Fatalf("got %d rows (batch %v) accepted; want 1, or 1 to %d in a batch", len(req.rows), req.batch, fuzzMaxBatch)
		}
		checkDecodedRows(t, req.rows, fs)
		if !json.Valid(body) {
			t.Fatalf("accepted %q, which is not valid JSON", body)
		}
	})
}

func FuzzDecodeForm(f *testing.F) {
	ref := formValues(referenceRecord).Encode()
	for _, s := range []string{
		ref,
		ref + "&gender=male",
		ref + "&shoe_size=9",
		strings.Replace(ref, "reading_score=72", "reading_score=NaN", 1),
		strings.Replace(ref, "reading_score=72", "reading_score=0x1p6", 1),
		strings.Replace(ref, "writing_score=74", "writing_score=+Inf", 1),
		"gender=&ethnicity=%20",
		"",
		"%zz=1",
	} {
		f.Add([]byte(s))
	}
	fs := fuzzFields(f)
	f.Fuzz(func(t *testing.T, body []byte) {
		values, err := url.ParseQuery(string(body))
		if err != nil {
			return
		}
		row, err := decodeForm(values, fs)
		if err != nil {
			var ps features.Problems
			if !errors.As(err, &ps) || len(ps) == 0 {
				t.Fatalf("got error %v; want field problems", err)
			}
			checkDecodeError(t, err)
			return
		}
		checkDecodedRows(t, []features.Row{row}, fs)
	})
}

func FuzzDecodeInfer(f *testing.F) {
	for _, s := range []string{
		oipRequestFor(f, false, referenceRecord),
		oipRequestFor(f, true, referenceRecord, otherRecords[0]),
		`{"inputs":[]}`,
		`{"inputs":[{"name":"gender","datatype":"BYTES","shape":[1],"data":["female"]}]}`,
		`{"inputs":[{"name":"gender","datatype":"BYTES","shape":[2,1],"data":[["female"],"male"]}]}`,
		`{"inputs":[{"name":"reading_score","datatype":"FP64","shape":[1],"data":[1e400]}],"outputs":[{"name":"math_score"}]}`,
		`{"inputs":[{"name":"reading_score","datatype":"FP64","shape":[9223372036854775807],"data":null}]}`,
		`{"id":"x","inputs":null,"parameters":{"a":1}}`,
	} {
		f.Add([]byte(s))
	}
	fs := fuzzFields(f)
	f.Fuzz(func(t *testing.T, body []byte) {
		req, rows, err := decodeInfer(body, fs, fuzzMaxBatch)
		if err != nil {
			checkDecodeError(t, err)
			return
		}
		if len(rows) == 0 || len(rows) > fuzzMaxBatch {
			t.Fatalf("got %d rows accepted; want 1 to %d", len(rows), fuzzMaxBatch)
		}
		if len(req.Inputs) != len(fs.names) {
			t.Fatalf("got %d inputs accepted; want %d", len(req.Inputs), len(fs.names))
		}
		for _, in := range req.Inputs {
			if len(in.Shape) == 0 || in.Shape[0] != int64(len(rows)) {
				t.Fatalf("input %q has shape %v; want [%d] or [%d, 1] like the %d rows", in.Name, in.Shape, len(rows), len(rows), len(rows))
			}
		}
		checkDecodedRows(t, rows, fs)
	})
}

// oipRequestFor is oipRequest for a fuzz seed.
func oipRequestFor(f *testing.F, nested bool, records ...map[string]any) string {
	f.Helper()
	return oipRequest(f, records, nested)
}

func FuzzCheckJSON(f *testing.F) {
	for _, s := range []string{
		referenceJSON,
		`{"a":1,"a":2}`,
		`{"a":{"b":1,"b":2}}`,
		`[1,2,{"x":[true,false,null]}]`,
		strings.Repeat("[", 40) + strings.Repeat("]", 40),
		`{} {}`,
		`"\ud800"`,
		`  `,
	} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, body []byte) {
		err := checkJSON(body)
		if err != nil {
			checkDecodeError(t, err)
			return
		}
		if !json.Valid(body) {
			t.Fatalf("checkJSON accepted %q, which is not valid JSON", body)
		}
	})
}

func FuzzHandler(f *testing.F) {
	for _, s := range []string{
		referenceJSON,
		`{"instances":[` + referenceJSON + `]}`,
		strings.Replace(referenceJSON, `"female"`, `"robot"`, 1),
		strings.Replace(referenceJSON, `"female"`, `" FEMALE "`, 1),
		strings.Replace(referenceJSON, "74", "74.000000000000000000001", 1),
		`{"instances":[` + strings.Repeat(referenceJSON+",", fuzzMaxBatch) + referenceJSON + `]}`,
		`null`,
		"\xff\xfe",
	} {
		f.Add([]byte(s))
	}
	root := f.TempDir()
	m, tab := fitModel(f, "sample", 42)
	version := pushModel(f, root, m, tab, time.Now())
	pred := predictor.New(modelstore.NewDir(root), modelName, nil)
	require.NoError(f, pred.Reload(context.Background()))
	h := newAPI(pred, Limits{MaxBody: 64 << 10, MaxBatch: fuzzMaxBatch}, slog.New(slog.DiscardHandler)).handler()

	f.Fuzz(func(t *testing.T, body []byte) {
		r := httptest.NewRequest(http.MethodPost, "/predict", bytes.NewReader(body))
		r.Header.Set("Content-Type", "application/json")
		w := httptest.NewRecorder()
		h.ServeHTTP(w, r)
		if w.Code >= 500 {
			t.Fatalf("POST /predict %q: got status %d; want < 500: %s", body, w.Code, w.Body)
		}
		var resp struct {
			Error        *string  `json:"error"`
			MathScore    *float64 `json:"math_score"`
			Predictions  []float64
			ModelVersion string `json:"model_version"`
		}
		require.NoError(t, json.Unmarshal(w.Body.Bytes(), &resp), "POST /predict %q: got body %q; want JSON", body, w.Body)
		switch w.Code {
		case http.StatusOK:
			if resp.ModelVersion != version || w.Header().Get("X-Model-Version") != version {
				t.Fatalf("POST /predict %q: got version %q (header %q); want %q", body, resp.ModelVersion, w.Header().Get("X-Model-Version"), version)
			}
			if resp.MathScore == nil && resp.Predictions == nil {
				t.Fatalf("POST /predict %q: got 200 %s without a prediction", body, w.Body)
			}
		default:
			if resp.Error == nil || *resp.Error == "" {
				t.Fatalf("POST /predict %q: got %d %s without an error", body, w.Code, w.Body)
			}
		}
	})
}
