package predictor_test

import (
	"context"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/studentperf/studentperf/shared/model"
	"github.com/studentperf/studentperf/shared/modelstore"
	"github.com/studentperf/studentperf/shared/predictor"
	"github.com/studentperf/studentperf/shared/testkit/modeltest"
	"github.com/studentperf/studentperf/shared/testkit/s3test"
)

// encoded fits OLS on generated rows and returns model.json.
func encoded(t *testing.T, seed uint64) []byte {
	t.Helper()
	return modeltest.Encoded(t, "m", "synthetic:300", seed)
}

// put writes a version and points current.json at it with the given
// sha256 (the model's own, or a wrong one to plant a corrupt version).
func put(t *testing.T, s modelstore.Store, version string, data []byte, sha string) {
	t.Helper()
	ctx := context.Background()
	require.NoError(t, s.WriteVersion(ctx, "m", version, map[string][]byte{"model.json": data}))
	prev := ""
	if cur, err := s.Current(ctx, "m"); err == nil {
		prev = cur.Rev
	}
	require.NoError(t, s.SetCurrent(ctx, "m", modelstore.Pointer{Version: version, SHA256: sha, Model: "m", Created: time.Now()}, prev))
}

// counting counts the model downloads of a real store.
type counting struct {
	modelstore.Store
	reads atomic.Int64
}

func (c *counting) ReadFile(ctx context.Context, name, version, file string) ([]byte, error) {
	c.reads.Add(1)
	return c.Store.ReadFile(ctx, name, version, file)
}

func TestReloadLifecycle(t *testing.T) {
	ctx := context.Background()
	d := &counting{Store: modelstore.NewDir(t.TempDir())}
	var outcomes []string
	p := predictor.New(d, "m", nil)
	p.OnReload = func(o string) { outcomes = append(outcomes, o) }

	require.ErrorIs(t, p.Reload(ctx), predictor.ErrNoModel)
	assert.Nil(t, p.Current())

	first := encoded(t, 1)
	put(t, d, "v1", first, model.Sum(first))
	require.NoError(t, p.Reload(ctx))
	require.Equal(t, "v1", p.Current().Version)
	require.NoError(t, p.Reload(ctx))

	// A version whose bytes do not match its pointer is refused, once:
	// it is not downloaded again while the pointer still names it.
	second := encoded(t, 2)
	put(t, d, "v2", second, model.Sum(first))
	require.ErrorContains(t, p.Reload(ctx), "refused")
	assert.Equal(t, "v1", p.Current().Version, "the last good model keeps serving")
	assert.Equal(t, "v2", p.Status().Refused)
	reads := d.reads.Load()
	require.NoError(t, p.Reload(ctx))
	assert.Equal(t, reads, d.reads.Load(), "a refused version is not downloaded again")

	put(t, d, "v3", second, model.Sum(second))
	require.NoError(t, p.Reload(ctx))
	assert.Equal(t, "v3", p.Current().Version)
	assert.Empty(t, p.Status().Refused)
	assert.Equal(t, "unchanged loaded unchanged refused unchanged loaded", strings.Join(outcomes, " "))
}

// TestLoadedExplainer: each loaded version carries the explainer of its
// own model, built at load: it explains that model's predictions, and a
// Loaded made by hand, which has none, says so.
func TestLoadedExplainer(t *testing.T) {
	ctx := context.Background()
	d := modelstore.NewDir(t.TempDir())
	p := predictor.New(d, "m", nil)
	for i, v := range []string{"v1", "v2"} {
		b := encoded(t, uint64(i+1))
		put(t, d, v, b, model.Sum(b))
		require.NoError(t, p.Reload(ctx))
		l := p.Current()
		require.Equal(t, v, l.Version)
		ex, err := l.Explainer()
		require.NoError(t, err, v)
		r := ex.Reference()
		r.Num[0] += 7
		want, err := l.Model.Predict(r)
		require.NoError(t, err)
		e, err := ex.Explain(r)
		require.NoError(t, err, v)
		assert.Equal(t, want, e.Prediction, "%s: the explainer explains the model it loaded with", v)
		base, err := l.Model.Predict(ex.Reference())
		require.NoError(t, err)
		assert.Equal(t, base, e.Baseline, v)
	}
	_, err := (&predictor.Loaded{}).Explainer()
	assert.ErrorContains(t, err, "without an explainer")
}

func TestCorruptPointerIsRefused(t *testing.T) {
	ctx := context.Background()
	root := t.TempDir()
	d := modelstore.NewDir(root)
	b := encoded(t, 1)
	put(t, d, "v1", b, model.Sum(b))
	p := predictor.New(d, "m", nil)
	require.NoError(t, p.Reload(ctx))
	require.NoError(t, os.WriteFile(filepath.Join(root, "m", "current.json"), []byte(`{"version": "v2", "sha256": "oops"}`), 0o644))
	require.ErrorContains(t, p.Reload(ctx), "refused")
	assert.Equal(t, "v1", p.Current().Version)
	assert.Empty(t, p.Status().StoreErr, "the store answered; the pointer was bad")
}

func TestRunPicksUpANewModel(t *testing.T) {
	d := modelstore.NewDir(t.TempDir())
	p := predictor.New(d, "m", nil)
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	// An interval far beyond the test: only the backoff while no model is
	// loaded can find the model in time.
	go func() { p.Run(ctx, time.Hour); close(done) }()
	time.Sleep(3 * predictor.MinBackoff)
	b := encoded(t, 1)
	put(t, d, "v1", b, model.Sum(b))
	require.Eventually(t, func() bool { return p.Current() != nil }, 5*time.Second, 10*time.Millisecond,
		"Run did not load the model")
	cancel()
	<-done
	assert.Equal(t, "v1", p.Current().Version)
}

func TestReloadIfStale(t *testing.T) {
	ctx := context.Background()
	d := &counting{Store: modelstore.NewDir(t.TempDir())}
	var checks atomic.Int64
	p := predictor.New(d, "m", nil)
	p.OnReload = func(string) { checks.Add(1) }
	require.ErrorIs(t, p.ReloadIfStale(ctx, time.Hour), predictor.ErrNoModel, "no model: always checks")
	b := encoded(t, 1)
	put(t, d, "v1", b, model.Sum(b))
	require.NoError(t, p.ReloadIfStale(ctx, time.Hour))
	require.NotNil(t, p.Current())
	n := checks.Load()
	require.NoError(t, p.ReloadIfStale(ctx, time.Hour))
	assert.Equal(t, n, checks.Load(), "a fresh check is not repeated")
	time.Sleep(20 * time.Millisecond)
	require.NoError(t, p.ReloadIfStale(ctx, 10*time.Millisecond))
	assert.Equal(t, n+1, checks.Load(), "a stale check is")
}

// On S3 an unchanged pointer costs one conditional GET answered 304, and
// no model download; a store going away keeps the model serving and says
// so in Status; a store coming back is seen again.
func TestS3ConditionalReloadAndOutage(t *testing.T) {
	srv := s3test.Start(t)
	srv.Setenv(t)
	srv.Bucket(t, "models")
	proxy := s3test.NewProxy(t, srv)
	var modelGets, notModified atomic.Int64
	proxy.OnRequest = func(r *http.Request) bool {
		if r.Method == http.MethodGet && strings.HasSuffix(r.URL.Path, "/model.json") {
			modelGets.Add(1)
		}
		if r.Method == http.MethodGet && r.Header.Get("If-None-Match") != "" {
			notModified.Add(1)
		}
		return true
	}
	ctx := context.Background()
	s, err := modelstore.Open(ctx, "s3://models/prod", modelstore.Options{S3Endpoint: proxy.Endpoint()})
	require.NoError(t, err)
	b := encoded(t, 1)
	put(t, s, "v1", b, model.Sum(b))

	p := predictor.New(s, "m", nil)
	require.NoError(t, p.Reload(ctx))
	require.Equal(t, int64(1), modelGets.Load())
	for range 3 {
		require.NoError(t, p.Reload(ctx))
	}
	assert.Equal(t, int64(1), modelGets.Load(), "no download while current.json is unchanged")
	assert.Equal(t, int64(3), notModified.Load(), "each check is a conditional GET")

	proxy.Refuse(true)
	err = p.Reload(ctx)
	require.Error(t, err)
	st := p.Status()
	assert.NotEmpty(t, st.StoreErr)
	assert.Equal(t, 1, st.Failures)
	assert.Equal(t, "v1", p.Current().Version, "keeps serving while the store is away")

	proxy.Refuse(false)
	b2 := encoded(t, 2)
	put(t, s, "v2", b2, model.Sum(b2))
	require.NoError(t, p.Reload(ctx))
	assert.Equal(t, "v2", p.Current().Version)
	assert.Empty(t, p.Status().StoreErr)
}

func TestLoadedCreatedAndReadFile(t *testing.T) {
	ctx := context.Background()
	d := modelstore.NewDir(t.TempDir())
	b := encoded(t, 1)
	created := time.Date(2024, 5, 6, 7, 8, 9, 0, time.UTC)
	require.NoError(t, d.WriteVersion(ctx, "m", "v1", map[string][]byte{"model.json": b, "metrics.json": []byte(`{"selected":"x"}`)}))
	require.NoError(t, d.SetCurrent(ctx, "m", modelstore.Pointer{Version: "v1", SHA256: model.Sum(b), Model: "m", Created: created}, ""))
	p := predictor.New(d, "m", nil)
	require.NoError(t, p.Reload(ctx))
	assert.True(t, created.Equal(p.Current().Created), "Created %v; want %v (current.json's)", p.Current().Created, created)

	got, err := p.ReadFile(ctx, "v1", "metrics.json")
	require.NoError(t, err)
	assert.JSONEq(t, `{"selected":"x"}`, string(got))
	_, err = p.ReadFile(ctx, "v1", "report.html")
	assert.ErrorIs(t, err, modelstore.ErrNotFound, "a missing file")
	assert.ErrorContains(t, err, "report.html", "the error names the file")
}
