package main

import (
	"context"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
	"github.com/studentperf/studentperf/shared/dataset"
	"github.com/studentperf/studentperf/shared/ensemble"
	"github.com/studentperf/studentperf/shared/model"
	"github.com/studentperf/studentperf/shared/modelstore"
	"github.com/studentperf/studentperf/shared/predictor"
	"github.com/studentperf/studentperf/shared/tree"
)

// boostStore is a store holding 256 boosted trees of 31 leaves fitted on
// 5,000 generated rows, as shared/explain's benchmarks grow them: the
// model whose explanation tables cost most to build.
func boostStore(tb testing.TB) string {
	tb.Helper()
	lin, tab := fitModel(tb, "synthetic:5000", 3)
	d, err := model.TreeData(lin.Transform, tab)
	require.NoError(tb, err)
	bn, err := tree.FitBinner(d, nil, tree.MaxBins)
	require.NoError(tb, err)
	bd, err := bn.Bin(d, nil)
	require.NoError(tb, err)
	e, err := ensemble.FitBoost(bd, tab.Target, ensemble.Boost{Trees: 256, LearningRate: 0.1, Subsample: 1,
		Tree: tree.Params{MaxLeaves: 31, MinSamplesLeaf: 20}}, 1)
	require.NoError(tb, err)
	m, err := model.New(modelName, dataset.Students, lin.Transform, model.Estimator{Name: "boost", Family: "boost", Trees: e}, lin.Provenance)
	require.NoError(tb, err)
	root := tb.TempDir()
	pushModel(tb, root, m, tab, time.Now())
	return root
}

// BenchmarkExplainAfterLoad is the first and the second POST
// /predict?explain=true after a version loads: each op loads the store's
// version into a new predictor and api, as a reload does, then sends the
// reference record twice. first-ms and second-ms are the medians over the
// ops of each request's latency (ns/op is the whole op, load included).
// The first must be no slower than the second: what is built from a model
// to explain it is built when the version loads, not by a request.
func BenchmarkExplainAfterLoad(b *testing.B) {
	for _, c := range []struct {
		name  string
		store func(testing.TB) string
	}{
		{"boost256", boostStore},
		{"linear", func(tb testing.TB) string { root, _ := sampleStore(tb); return root }},
	} {
		b.Run(c.name, func(b *testing.B) {
			root := c.store(b)
			log := slog.New(slog.NewJSONHandler(io.Discard, nil))
			var first, second []time.Duration
			for b.Loop() {
				p := predictor.New(modelstore.NewDir(root), modelName, log)
				if err := p.Reload(context.Background()); err != nil {
					b.Fatal(err)
				}
				h := newAPI(p, Limits{MaxBody: 1 << 20, MaxBatch: 10000}, log).handler()
				first = append(first, timedExplain(b, h))
				second = append(second, timedExplain(b, h))
			}
			b.ReportMetric(medianMS(first), "first-ms")
			b.ReportMetric(medianMS(second), "second-ms")
		})
	}
}

// timedExplain posts the reference record to /predict?explain=true and
// returns how long the handler took; anything but 200 fails.
func timedExplain(b *testing.B, h http.Handler) time.Duration {
	req := httptest.NewRequest(http.MethodPost, "/predict?explain=true", strings.NewReader(referenceJSON))
	req.Header.Set("Content-Type", "application/json")
	rec := httptest.NewRecorder()
	t0 := time.Now()
	h.ServeHTTP(rec, req)
	d := time.Since(t0)
	if rec.Code != http.StatusOK {
		b.Fatalf("status %d: %s", rec.Code, rec.Body)
	}
	return d
}

// medianMS is the median of ds in milliseconds.
func medianMS(ds []time.Duration) float64 {
	slices.Sort(ds)
	return float64(ds[len(ds)/2].Nanoseconds()) / 1e6
}
