package main

import (
	"bytes"
	"context"
	"encoding/json"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
	"github.com/studentperf/studentperf/shared/modelstore"
	"github.com/studentperf/studentperf/shared/predictor"
)

// fuzzMaxBatch bounds batches in the fuzz targets.
const fuzzMaxBatch = 16

// fuzzServer is the handler a fuzz target drives: the sample model pushed
// to a directory store and loaded, bodies limited to maxBody bytes.
func fuzzServer(f *testing.F, maxBody int64) (http.Handler, string) {
	f.Helper()
	root := f.TempDir()
	m, tab := fitModel(f, "sample", 42)
	version := pushModel(f, root, m, tab, time.Now())
	pred := predictor.New(modelstore.NewDir(root), modelName, nil)
	require.NoError(f, pred.Reload(context.Background()))
	return newAPI(pred, Limits{MaxBody: maxBody, MaxBatch: fuzzMaxBatch}, slog.New(slog.DiscardHandler)).handler(), version
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
		`{"id":"A1","zip":95823,"grade":"fair","sqft":1500.5,"balance":-250,"listed":"2024-03-01","price":5000}`,
		`{"zip":"99999","sqft":"1e3","listed":null}`,
		`{"instances":[{},{"grade":" FAIR ","listed":"2024-02-30"}]}`,
	} {
		f.Add([]byte(s))
	}
	h, version := fuzzServer(f, 64<<10)
	// The same bodies to a model of another table, whose schema was
	// inferred: it answers with its target's name.
	gh, _ := genericServer(f, true, Limits{MaxBody: 64 << 10, MaxBatch: fuzzMaxBatch})

	f.Fuzz(func(t *testing.T, body []byte) {
		fuzzGeneric(t, gh, body)
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

// fuzzGeneric posts body to the generic model's handler: never a 5xx, a
// JSON error on every refusal, and on a 200 the prediction keyed by the
// target, price (or predictions).
func fuzzGeneric(t *testing.T, h http.Handler, body []byte) {
	r := httptest.NewRequest(http.MethodPost, "/predict", bytes.NewReader(body))
	r.Header.Set("Content-Type", "application/json")
	w := httptest.NewRecorder()
	h.ServeHTTP(w, r)
	if w.Code >= 500 {
		t.Fatalf("generic model, POST /predict %q: got status %d; want < 500: %s", body, w.Code, w.Body)
	}
	var resp struct {
		Error       *string  `json:"error"`
		Price       *float64 `json:"price"`
		Predictions []float64
	}
	require.NoError(t, json.Unmarshal(w.Body.Bytes(), &resp), "generic model, POST /predict %q: got body %q; want JSON", body, w.Body)
	if w.Code == http.StatusOK && resp.Price == nil && resp.Predictions == nil {
		t.Fatalf("generic model, POST /predict %q: got 200 %s without a price", body, w.Body)
	}
	if w.Code != http.StatusOK && (resp.Error == nil || *resp.Error == "") {
		t.Fatalf("generic model, POST /predict %q: got %d %s without an error", body, w.Code, w.Body)
	}
}
