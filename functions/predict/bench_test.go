package main

import (
	"context"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"
	"github.com/studentperf/studentperf/shared/modelstore"
	"github.com/studentperf/studentperf/shared/predictor"
)

// benchHandler is the whole predict HTTP API over the reference model, as
// run builds it, with JSON logs written to io.Discard.
func benchHandler(b *testing.B) http.Handler {
	root, _ := sampleStore(b)
	log := slog.New(slog.NewJSONHandler(io.Discard, nil))
	p := predictor.New(modelstore.NewDir(root), "student-math-score", log)
	require.NoError(b, p.Reload(context.Background()))
	return newAPI(p, Limits{MaxBody: 1 << 20, MaxBatch: 10000}, log).handler()
}

// BenchmarkHandlerPredict is one POST /predict in process: routing,
// decoding, validation, prediction, encoding, metrics and the log line;
// no network.
func BenchmarkHandlerPredict(b *testing.B) {
	h := benchHandler(b)
	postLoop(b, h, "/predict")
}

// postLoop posts the reference record to path once per iteration and
// fails on anything but 200.
func postLoop(b *testing.B, h http.Handler, path string) {
	b.ReportAllocs()
	for b.Loop() {
		req := httptest.NewRequest(http.MethodPost, path, strings.NewReader(referenceJSON))
		req.Header.Set("Content-Type", "application/json")
		rec := httptest.NewRecorder()
		h.ServeHTTP(rec, req)
		if rec.Code != http.StatusOK {
			b.Fatalf("status %d: %s", rec.Code, rec.Body)
		}
	}
}

// BenchmarkHandlerHealthz is the floor: routing, metrics and the log line.
func BenchmarkHandlerHealthz(b *testing.B) {
	h := benchHandler(b)
	b.ReportAllocs()
	for b.Loop() {
		req := httptest.NewRequest(http.MethodGet, "/healthz", nil)
		rec := httptest.NewRecorder()
		h.ServeHTTP(rec, req)
		if rec.Code != http.StatusOK {
			b.Fatalf("status %d", rec.Code)
		}
	}
}
