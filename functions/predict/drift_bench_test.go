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

// BenchmarkHandlerPredictDrift is BenchmarkHandlerPredict over a model
// with a training baseline, with drift counting on and off: the cost of
// counting one record.
func BenchmarkHandlerPredictDrift(b *testing.B) {
	root, _, _ := driftStore(b)
	for _, on := range []bool{false, true} {
		name := "off"
		if on {
			name = "on"
		}
		b.Run(name, func(b *testing.B) {
			log := slog.New(slog.NewJSONHandler(io.Discard, nil))
			p := predictor.New(modelstore.NewDir(root), modelName, log)
			require.NoError(b, p.Reload(context.Background()))
			a := newAPI(p, Limits{MaxBody: 1 << 20, MaxBatch: 10000}, log)
			a.drift = on
			h := a.handler()
			b.ReportAllocs()
			for b.Loop() {
				req := httptest.NewRequest(http.MethodPost, "/predict", strings.NewReader(referenceJSON))
				req.Header.Set("Content-Type", "application/json")
				rec := httptest.NewRecorder()
				h.ServeHTTP(rec, req)
				if rec.Code != http.StatusOK {
					b.Fatalf("status %d: %s", rec.Code, rec.Body)
				}
			}
		})
	}
}

// BenchmarkHandlerPredictExplain is one POST /predict?explain=true.
func BenchmarkHandlerPredictExplain(b *testing.B) {
	h := benchHandler(b)
	b.ReportAllocs()
	for b.Loop() {
		req := httptest.NewRequest(http.MethodPost, "/predict?explain=true", strings.NewReader(referenceJSON))
		req.Header.Set("Content-Type", "application/json")
		rec := httptest.NewRecorder()
		h.ServeHTTP(rec, req)
		if rec.Code != http.StatusOK {
			b.Fatalf("status %d: %s", rec.Code, rec.Body)
		}
	}
}
