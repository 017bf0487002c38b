package main

import (
	"context"
	"fmt"
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

// boostModel is 256 boosted trees of 31 leaves fitted on 5,000 generated
// rows, as shared/explain's benchmarks grow them: the model whose
// explanation tables cost most to build.
func boostModel(tb testing.TB) *model.Model {
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
	return m
}

// twoVersions writes m as two versions, v0 and v1, of a directory store,
// so that pointing current.json at the other one makes the next reload
// load a model.
func twoVersions(tb testing.TB, m *model.Model) *modelstore.Dir {
	tb.Helper()
	b, err := model.Encode(m)
	require.NoError(tb, err)
	d := modelstore.NewDir(tb.TempDir())
	for _, v := range []string{"v0", "v1"} {
		require.NoError(tb, d.WriteVersion(context.Background(), modelName, v, map[string][]byte{"model.json": b}))
	}
	return d
}

// point sets current.json to version v of the store.
func point(tb testing.TB, d *modelstore.Dir, v string, sha string) {
	ctx := context.Background()
	prev := ""
	if cur, err := d.Current(ctx, modelName); err == nil {
		prev = cur.Rev
	}
	require.NoError(tb, d.SetCurrent(ctx, modelName, modelstore.Pointer{Version: v, SHA256: sha, Model: modelName, Created: time.Now()}, prev))
}

// BenchmarkExplainAfterLoad is the first and the second POST
// /predict?explain=true after a version loads into a running server: each
// op points current.json at the other of two versions and reloads, as the
// reload loop does, then sends the reference record twice. first-ms and
// second-ms are the medians over the ops of each request's latency (ns/op
// is the whole op, the load included). The first should pay nothing the
// second does not: what is built from a model to explain its predictions
// is built when the version loads, not by a request. The same pair without
// ?explain= is beside it: what any first request after a load pays (the
// new model's memory is not yet in the processor's caches).
func BenchmarkExplainAfterLoad(b *testing.B) {
	for _, c := range []struct {
		name  string
		model func(testing.TB) *model.Model
	}{
		{"boost256", boostModel},
		{"linear", func(tb testing.TB) *model.Model { m, _ := fitModel(tb, "sample", 42); return m }},
	} {
		m := c.model(b)
		d := twoVersions(b, m)
		enc, err := model.Encode(m)
		require.NoError(b, err)
		sha := model.Sum(enc)
		for _, path := range []string{"/predict?explain=true", "/predict"} {
			b.Run(c.name+"/"+pathName(path), func(b *testing.B) {
				log := slog.New(slog.NewJSONHandler(io.Discard, nil))
				p := predictor.New(d, modelName, log)
				h := newAPI(p, Limits{MaxBody: 1 << 20, MaxBatch: 10000}, log).handler()
				var first, second []time.Duration
				i := 0
				for b.Loop() {
					v := fmt.Sprintf("v%d", i%2)
					i++
					point(b, d, v, sha)
					if err := p.Reload(context.Background()); err != nil || p.Current().Version != v {
						b.Fatalf("reload to %s: %v", v, err)
					}
					first = append(first, timedPost(b, h, path))
					second = append(second, timedPost(b, h, path))
				}
				b.ReportMetric(medianMS(first), "first-ms")
				b.ReportMetric(medianMS(second), "second-ms")
			})
		}
	}
}

// timedPost posts the reference record to path and returns how long the
// handler took; anything but 200 fails.
func timedPost(b *testing.B, h http.Handler, path string) time.Duration {
	req := httptest.NewRequest(http.MethodPost, path, strings.NewReader(referenceJSON))
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

// pathName names a sub-benchmark by the request it sends.
func pathName(path string) string {
	if strings.Contains(path, "explain=true") {
		return "explain"
	}
	return "plain"
}
