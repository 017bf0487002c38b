package pusher_test

import (
	"context"
	"errors"
	"fmt"
	"os"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/studentperf/studentperf/shared/metrics"
	"github.com/studentperf/studentperf/shared/model"
	"github.com/studentperf/studentperf/shared/modelstore"
	"github.com/studentperf/studentperf/shared/pusher"
	"github.com/studentperf/studentperf/shared/testkit/modeltest"
)

func candidate(t *testing.T, rows int, seed uint64, r2 float64) pusher.Candidate {
	t.Helper()
	m, tab := modeltest.Fit(t, "m", fmt.Sprintf("synthetic:%d", rows), seed)
	b, err := model.Encode(m)
	require.NoError(t, err)
	return pusher.Candidate{
		Model: m, Bytes: b, Test: tab, Now: time.Unix(int64(seed), 0),
		Metrics: &model.Metrics{Selected: "ols", Test: metrics.Regression{R2: r2, Rows: rows}},
		Report:  func(*model.Metrics) ([]byte, error) { return []byte("<html>"), nil },
	}
}

// push reads the base and pushes, as one training run does.
func push(t *testing.T, s pusher.Store, c pusher.Candidate, p pusher.Policy) (pusher.Decision, error) {
	t.Helper()
	base, err := pusher.ReadBase(context.Background(), s, "m")
	require.NoError(t, err)
	c.Base = base
	return pusher.Push(context.Background(), s, "m", c, p)
}

// failingStore is a directory store whose SetCurrent fails: a fake for an
// error path the real store cannot be made to produce on demand.
type failingStore struct{ *modelstore.Dir }

func (failingStore) SetCurrent(context.Context, string, modelstore.Pointer, string) error {
	return errors.New("injected: pointer update failed")
}

func TestFailedPointerUpdateRemovesTheNewVersion(t *testing.T) {
	d := modelstore.NewDir(t.TempDir())
	_, err := push(t, failingStore{d}, candidate(t, 300, 1, 0.9), pusher.Policy{MinR2: 0.5})
	require.ErrorContains(t, err, "injected")
	assert.NotErrorIs(t, err, pusher.ErrLostRace)
	vs, err := d.Versions(context.Background(), "m")
	require.NoError(t, err)
	assert.Empty(t, vs, "versions after a failed push")
}

func TestGates(t *testing.T) {
	ctx := context.Background()
	d := modelstore.NewDir(t.TempDir())
	_, err := push(t, d, candidate(t, 300, 1, 0.4), pusher.Policy{MinR2: 0.5})
	require.ErrorIs(t, err, pusher.ErrBelowMinR2)

	first := candidate(t, 300, 1, 0.9)
	dec, err := push(t, d, first, pusher.Policy{MinR2: 0.5})
	require.NoError(t, err)
	require.True(t, dec.Pushed, "first push: %+v", dec)

	dec, err = push(t, d, first, pusher.Policy{MinR2: 0.5})
	require.NoError(t, err)
	assert.False(t, dec.Pushed, "identical model")
	assert.Contains(t, dec.Reason, "same sha256")

	// A model from other data: its claimed R² is compared with the current
	// model's R² on the candidate's own held-out rows.
	other := candidate(t, 300, 2, 0.0001)
	dec, err = push(t, d, other, pusher.Policy{MinR2: 0})
	require.NoError(t, err)
	assert.False(t, dec.Pushed, "worse model")
	require.NotNil(t, dec.PreviousR2, "the current model's R² is reported")

	better := candidate(t, 300, 3, 1)
	dec, err = push(t, d, better, pusher.Policy{MinR2: 0})
	require.NoError(t, err)
	require.True(t, dec.Pushed, "better model: %+v", dec)
	assert.NotEmpty(t, dec.PreviousVersion)
	cur, err := d.Current(ctx, "m")
	require.NoError(t, err)
	assert.Equal(t, dec.Version, cur.Version)
	assert.Equal(t, model.Sum(better.Bytes), cur.SHA256)

	metrics, err := d.ReadFile(ctx, "m", dec.Version, "metrics.json")
	require.NoError(t, err)
	assert.Contains(t, string(metrics), `"model_sha256": "`+cur.SHA256+`"`, "metrics.json records the model's sha256 for rollback")
}

// Two runs start from the same base; the second to push loses, its
// version is deleted and the first stays current.
func TestLostRace(t *testing.T) {
	ctx := context.Background()
	d := modelstore.NewDir(t.TempDir())
	a, b := candidate(t, 300, 1, 0.9), candidate(t, 300, 2, 0.9)
	base, err := pusher.ReadBase(ctx, d, "m")
	require.NoError(t, err)
	a.Base, b.Base = base, base

	won, err := pusher.Push(ctx, d, "m", a, pusher.Policy{MinR2: 0.5})
	require.NoError(t, err)
	require.True(t, won.Pushed)
	_, err = pusher.Push(ctx, d, "m", b, pusher.Policy{MinR2: 0.5})
	require.ErrorIs(t, err, pusher.ErrLostRace)
	assert.Contains(t, err.Error(), "now version "+won.Version)
	assert.Contains(t, err.Error(), "was deleted")

	vs, err := d.Versions(ctx, "m")
	require.NoError(t, err)
	assert.Equal(t, []string{won.Version}, vs, "the loser's version is gone")
	cur, err := d.Current(ctx, "m")
	require.NoError(t, err)
	assert.Equal(t, won.Version, cur.Version)
}

func TestUnreadablePointerIsAnError(t *testing.T) {
	d := modelstore.NewDir(t.TempDir())
	require.NoError(t, d.WriteVersion(context.Background(), "m", "v1", map[string][]byte{"model.json": []byte("x")}))
	// A pointer naming a version with a malformed sha256.
	writeFile(t, d.Root()+"/m/current.json", `{"version":"v1","sha256":"nope"}`)
	_, err := pusher.ReadBase(context.Background(), d, "m")
	require.ErrorContains(t, err, "read current model")
}

func TestReloadCheckCatchesBytesThatPredictDifferently(t *testing.T) {
	c := candidate(t, 300, 1, 0.9)
	other := candidate(t, 300, 2, 0.9)
	c.Bytes = other.Bytes // bytes that decode fine but are another model
	d := modelstore.NewDir(t.TempDir())
	_, err := push(t, d, c, pusher.Policy{MinR2: 0.5})
	require.ErrorContains(t, err, "reload check")
	vs, err := d.Versions(context.Background(), "m")
	require.NoError(t, err)
	assert.Empty(t, vs)
}

func writeFile(t *testing.T, path, body string) {
	t.Helper()
	require.NoError(t, os.WriteFile(path, []byte(body), 0o644))
}
