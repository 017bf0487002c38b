package main

import (
	"context"
	"fmt"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"github.com/studentperf/studentperf/shared/dataset"
	"github.com/studentperf/studentperf/shared/explain"
	"github.com/studentperf/studentperf/shared/knn"
	"github.com/studentperf/studentperf/shared/model"
	"github.com/studentperf/studentperf/shared/modelstore"
	"github.com/studentperf/studentperf/shared/predictor"
	"github.com/studentperf/studentperf/shared/testkit/modeltest"
)

// wideAPI serves a kNN model over 18 features (16 numbers, two
// categories), fitted on 400 generated rows: explained by sampled
// permutations, about 20 ms a record. It returns the api, its explainer
// and n records of the model's own table as JSON objects.
func wideAPI(t testing.TB, limits Limits, n int) (*api, *explain.Explainer, []map[string]any) {
	t.Helper()
	tab := modeltest.WideTable(t, 400, 16, []int{3, 4}, 8)
	m := modeltest.FitWide(t, "knn", tab)
	b, err := model.Encode(m)
	require.NoError(t, err)
	d := modelstore.NewDir(t.TempDir())
	ctx := context.Background()
	require.NoError(t, d.WriteVersion(ctx, m.Name, "v1", map[string][]byte{"model.json": b}))
	require.NoError(t, d.SetCurrent(ctx, m.Name, modelstore.Pointer{Version: "v1", SHA256: model.Sum(b), Model: m.Name, Created: time.Now()}, ""))
	log := slog.New(slog.DiscardHandler)
	p := predictor.New(d, m.Name, log)
	require.NoError(t, p.Reload(ctx))
	ex, err := p.Current().Explainer()
	require.NoError(t, err)
	require.Equal(t, explain.MethodSampledPermutations, ex.Method())
	recs := make([]map[string]any, n)
	for i := range recs {
		r := i % tab.Len()
		recs[i] = map[string]any{}
		for c, col := range tab.Schema.Features {
			if col.Kind == dataset.Category {
				recs[i][col.Name] = tab.Cols[c].Levels[tab.Cols[c].Codes[r]]
			} else {
				recs[i][col.Name] = tab.Cols[c].Values[r]
			}
		}
	}
	return newAPI(p, limits, log), ex, recs
}

// studentKNN is kNN (k 7) fitted on 1,000 generated student rows: 2^7
// predictions over 1,000 rows an explanation, about 1.5 ms.
func studentKNN(tb testing.TB) *model.Model {
	tb.Helper()
	lin, tab := fitModel(tb, "synthetic:1000", 3)
	rows, err := lin.Transform.Rows(tab)
	require.NoError(tb, err)
	w := lin.Transform.Width()
	X := make([]float64, len(rows)*w)
	for i, r := range rows {
		require.True(tb, model.KNNRow(lin.Transform, r, X[i*w:(i+1)*w]))
	}
	k, err := knn.Fit(X, w, tab.Target, 7, false)
	require.NoError(tb, err)
	m, err := model.New(modelName, dataset.Students, lin.Transform, model.Estimator{Name: "knn", Family: "knn", KNN: k}, lin.Provenance)
	require.NoError(tb, err)
	return m
}

// explainRequest is POST /predict?explain=true of records as a batch.
func explainRequest(t testing.TB, ctx context.Context, recs []map[string]any) *http.Request {
	t.Helper()
	req := httptest.NewRequestWithContext(ctx, http.MethodPost, "/predict?explain=true", strings.NewReader(mustJSON(t, map[string]any{"instances": recs})))
	req.Header.Set("Content-Type", "application/json")
	return req
}

// TestExplainSampledOverHTTP: a kNN model over 18 features answers
// ?explain=true with "method": "sampled_permutations" per explanation and
// in X-Explain-Method, contributions that add up to each prediction within
// 1e-9, and the same answer twice.
func TestExplainSampledOverHTTP(t *testing.T) {
	a, _, recs := wideAPI(t, Limits{MaxBody: 1 << 20, MaxBatch: 100}, 3)
	h := a.handler()
	var bodies []string
	for range 2 {
		rec := httptest.NewRecorder()
		h.ServeHTTP(rec, explainRequest(t, context.Background(), recs))
		require.Equal(t, http.StatusOK, rec.Code, "%s", rec.Body)
		assert.Equal(t, explain.MethodSampledPermutations, rec.Header().Get("X-Explain-Method"))
		got := decodeAs[struct {
			Predictions  []float64 `json:"predictions"`
			Explanations []struct {
				Method        string             `json:"method"`
				Baseline      float64            `json:"baseline"`
				Contributions map[string]float64 `json:"contributions"`
			} `json:"explanations"`
		}](t, rec.Body.Bytes())
		require.Len(t, got.Explanations, len(recs))
		for i, e := range got.Explanations {
			assert.Equal(t, explain.MethodSampledPermutations, e.Method)
			assert.Len(t, e.Contributions, 18)
			s := e.Baseline
			for _, c := range e.Contributions {
				s += c
			}
			assert.InDelta(t, got.Predictions[i], s, 1e-9, "record %d: baseline + Σ contributions", i)
		}
		bodies = append(bodies, rec.Body.String())
	}
	assert.Equal(t, bodies[0], bodies[1], "the same request, the same answer")
}

// TestExplainStopsWhenTheContextEnds: a batch whose request context is
// cancelled after its fifth record explains no sixth, counted by the
// gate; the answer is a 503 naming how far it got, and the slot is free.
func TestExplainStopsWhenTheContextEnds(t *testing.T) {
	a, _, recs := wideAPI(t, Limits{MaxBody: 1 << 20, MaxBatch: 1000, MaxExplainWork: 1e15}, 200)
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	a.explain.afterRow = func(done int) {
		if done == 5 {
			cancel()
		}
	}
	rec := httptest.NewRecorder()
	a.handler().ServeHTTP(rec, explainRequest(t, ctx, recs))
	assert.Equal(t, http.StatusServiceUnavailable, rec.Code, "%s", rec.Body)
	assert.Contains(t, rec.Body.String(), "stopped after 5 of 200 records")
	assert.Equal(t, int64(5), a.explain.rows.Load(), "records explained")
	assert.Zero(t, a.explain.active.Load(), "slots held")
	assert.Empty(t, a.explain.slots, "slots held")
}

// TestExplainStopsWhenTheClientLeaves: over a real connection, a client
// that gives up on a 200-record batch (about 4 s of work) after its third
// record stops the server's work soon after: far fewer records are
// explained than were asked for.
func TestExplainStopsWhenTheClientLeaves(t *testing.T) {
	a, _, recs := wideAPI(t, Limits{MaxBody: 1 << 20, MaxBatch: 1000, MaxExplainWork: 1e15}, 200)
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	a.explain.afterRow = func(done int) {
		if done == 3 {
			cancel()
		}
	}
	srv := httptest.NewServer(a.handler())
	defer srv.Close()
	req := explainRequest(t, ctx, recs)
	req.URL.Scheme, req.URL.Host, req.RequestURI = "http", strings.TrimPrefix(srv.URL, "http://"), ""
	_, err := http.DefaultClient.Do(req)
	require.Error(t, err, "the client cancelled")
	require.Eventually(t, func() bool { return a.explain.active.Load() == 0 }, 10*time.Second, 5*time.Millisecond, "the server's work ends")
	done := a.explain.rows.Load()
	t.Logf("%d of 200 records explained; the client left after 3", done)
	assert.GreaterOrEqual(t, done, int64(3))
	assert.Less(t, done, int64(50), "records explained after the client left (of 200)")
}

// TestExplainTooMuchWorkIs413: a request for more records than the budget
// allows for the model's cost is a 413 whose error names the limit, the
// family and the method; the limit itself passes.
func TestExplainTooMuchWorkIs413(t *testing.T) {
	a, ex, recs := wideAPI(t, Limits{MaxBody: 1 << 20, MaxBatch: 100}, 4)
	a.explain = newExplainGate(2, 3.5*ex.Cost())
	h := a.handler()
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, explainRequest(t, context.Background(), recs))
	require.Equal(t, http.StatusRequestEntityTooLarge, rec.Code, "%s", rec.Body)
	body := decodeAs[map[string]any](t, rec.Body.Bytes())
	msg, _ := body["error"].(string)
	for _, want := range []string{"at most 3 records", "family knn", "sampled_permutations", "got 4"} {
		assert.Contains(t, msg, want)
	}
	assert.Zero(t, a.explain.rows.Load(), "nothing explained")
	rec = httptest.NewRecorder()
	h.ServeHTTP(rec, explainRequest(t, context.Background(), recs[:3]))
	assert.Equal(t, http.StatusOK, rec.Code, "%s", rec.Body)
	// Without explain, the same four records are answered.
	req := httptest.NewRequest(http.MethodPost, "/predict", strings.NewReader(mustJSON(t, map[string]any{"instances": recs})))
	req.Header.Set("Content-Type", "application/json")
	rec = httptest.NewRecorder()
	h.ServeHTTP(rec, req)
	assert.Equal(t, http.StatusOK, rec.Code, "%s", rec.Body)
}

// TestExplainConcurrencyIsBounded: with two slots, two requests explain
// while a third waits, and gives up with a 503 and Retry-After when they
// hold their slots longer than it may wait; at most two ever explain at
// once. Then N+1 requests that each wait their turn all succeed with the
// bound kept; and one whose context ends while it waits gives up cleanly.
func TestExplainConcurrencyIsBounded(t *testing.T) {
	const n = 2
	a, _, recs := wideAPI(t, Limits{MaxBody: 1 << 20, MaxBatch: 100}, 1)
	a.explain = newExplainGate(n, 0)
	a.explain.wait = 200 * time.Millisecond
	entered, hold := make(chan struct{}, n+1), make(chan struct{})
	a.explain.onSlot = func() { entered <- struct{}{}; <-hold }
	h := a.handler()
	codes := make(chan int, n)
	for range n {
		go func() {
			rec := httptest.NewRecorder()
			h.ServeHTTP(rec, explainRequest(t, context.Background(), recs))
			codes <- rec.Code
		}()
	}
	for range n {
		<-entered
	}
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, explainRequest(t, context.Background(), recs))
	assert.Equal(t, http.StatusServiceUnavailable, rec.Code, "%s", rec.Body)
	assert.Equal(t, "1", rec.Header().Get("Retry-After"))
	assert.Contains(t, rec.Body.String(), fmt.Sprintf("all %d explanation slots", n))
	assert.Len(t, entered, 0, "the third request never explained")
	close(hold)
	for range n {
		assert.Equal(t, http.StatusOK, <-codes)
	}
	assert.Equal(t, int64(n), a.explain.peak.Load())

	// N+1 at once, each allowed to wait: all answered, never more than N
	// explaining.
	a.explain = newExplainGate(n, 0)
	var wg sync.WaitGroup
	statuses := make([]int, 3*n+1)
	for i := range statuses {
		wg.Go(func() {
			rec := httptest.NewRecorder()
			h.ServeHTTP(rec, explainRequest(t, context.Background(), recs))
			statuses[i] = rec.Code
		})
	}
	wg.Wait()
	for i, s := range statuses {
		assert.Equal(t, http.StatusOK, s, "request %d", i)
	}
	assert.LessOrEqual(t, a.explain.peak.Load(), int64(n))
	assert.GreaterOrEqual(t, a.explain.peak.Load(), int64(1))

	// A request whose client leaves while it waits gives up, holding
	// nothing.
	hold = make(chan struct{})
	a.explain = newExplainGate(1, 0)
	a.explain.onSlot = func() { <-hold }
	go func() {
		h.ServeHTTP(httptest.NewRecorder(), explainRequest(t, context.Background(), recs))
	}()
	require.Eventually(t, func() bool { return a.explain.active.Load() == 1 }, 5*time.Second, time.Millisecond)
	ctx, cancel := context.WithTimeout(context.Background(), 50*time.Millisecond)
	defer cancel()
	rec = httptest.NewRecorder()
	h.ServeHTTP(rec, explainRequest(t, ctx, recs))
	assert.Equal(t, http.StatusServiceUnavailable, rec.Code, "%s", rec.Body)
	assert.Contains(t, rec.Body.String(), "ended while it waited")
	close(hold)
	require.Eventually(t, func() bool { return a.explain.active.Load() == 0 }, 5*time.Second, time.Millisecond)
	assert.Empty(t, a.explain.slots)
}

// TestExplainDefaultBudget: under the default budget a linear model of the
// student data explains all of MAX_BATCH, and its kNN (2^7 evaluations of
// 1,000 training rows a record) refuses the 10,000-record batch
// with a 413 at once, while a few hundred records pass.
func TestExplainDefaultBudget(t *testing.T) {
	g := newExplainGate(2, 0)
	lin, _ := fitModel(t, "synthetic:1000", 3)
	ex, err := explain.New(lin)
	require.NoError(t, err)
	assert.GreaterOrEqual(t, g.maxRows(ex), 10000, "linear")

	m := studentKNN(t)
	d := twoVersions(t, m)
	enc, err := model.Encode(m)
	require.NoError(t, err)
	point(t, d, "v0", model.Sum(enc))
	log := slog.New(slog.DiscardHandler)
	p := predictor.New(d, modelName, log)
	require.NoError(t, p.Reload(context.Background()))
	ex, err = p.Current().Explainer()
	require.NoError(t, err)
	limit := g.maxRows(ex)
	assert.Greater(t, limit, 300, "kNN")
	assert.Less(t, limit, 2000, "kNN")
	a := newAPI(p, Limits{MaxBody: 6 << 20, MaxBatch: 10000}, log)
	body, _ := modeltest.BatchBodies(t, 10000)
	req := httptest.NewRequest(http.MethodPost, "/predict?explain=true", strings.NewReader(string(body)))
	req.Header.Set("Content-Type", "application/json")
	rec := httptest.NewRecorder()
	t0 := time.Now()
	a.handler().ServeHTTP(rec, req)
	assert.Equal(t, http.StatusRequestEntityTooLarge, rec.Code, "%s", rec.Body)
	assert.Contains(t, rec.Body.String(), fmt.Sprintf("at most %d records", limit))
	assert.Contains(t, rec.Body.String(), "family knn")
	assert.Zero(t, a.explain.rows.Load(), "records explained")
	t.Logf("10,000 records refused in %v; the limit is %d", time.Since(t0), limit)
}
