package pusher_test

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/studentperf/studentperf/shared/model"
	"github.com/studentperf/studentperf/shared/modelstore"
	"github.com/studentperf/studentperf/shared/modeltest"
	"github.com/studentperf/studentperf/shared/pusher"
	"github.com/studentperf/studentperf/shared/regress"
)

func candidate(t *testing.T, rows int, seed uint64, r2 float64) pusher.Candidate {
	t.Helper()
	m, tab := modeltest.Fit(t, "m", fmt.Sprintf("synthetic:%d", rows), seed)
	b, _ := model.Encode(m)
	return pusher.Candidate{
		Model: m, Bytes: b, Test: tab, Now: time.Unix(int64(seed), 0),
		Metrics: &model.Metrics{Selected: "ols", Test: regress.Metrics{R2: r2, Rows: rows}},
		Report:  func(*model.Metrics) ([]byte, error) { return []byte("<html>"), nil },
	}
}

// failingStore is a directory store whose SetCurrent fails: a fake for an
// error path the real store cannot be made to produce on demand.
type failingStore struct{ *modelstore.Dir }

func (failingStore) SetCurrent(context.Context, string, modelstore.Pointer, string) error {
	return errors.New("injected: pointer update failed")
}

func TestFailedPointerUpdateRemovesTheNewVersion(t *testing.T) {
	d := modelstore.NewDir(t.TempDir())
	_, err := pusher.Push(context.Background(), failingStore{d}, "m", candidate(t, 300, 1, 0.9), pusher.Policy{MinR2: 0.5})
	if err == nil || !strings.Contains(err.Error(), "injected") {
		t.Fatalf("got %v; want the injected failure", err)
	}
	if vs, _ := d.Versions(context.Background(), "m"); len(vs) != 0 {
		t.Fatalf("versions after a failed push: got %v; want none", vs)
	}
}

func TestGates(t *testing.T) {
	ctx := context.Background()
	d := modelstore.NewDir(t.TempDir())
	if _, err := pusher.Push(ctx, d, "m", candidate(t, 300, 1, 0.4), pusher.Policy{MinR2: 0.5}); !errors.Is(err, pusher.ErrBelowMinR2) {
		t.Fatalf("below MIN_R2: got %v; want ErrBelowMinR2", err)
	}
	first := candidate(t, 300, 1, 0.9)
	dec, err := pusher.Push(ctx, d, "m", first, pusher.Policy{MinR2: 0.5})
	if err != nil || !dec.Pushed {
		t.Fatalf("first push: %+v, %v", dec, err)
	}
	dec, err = pusher.Push(ctx, d, "m", first, pusher.Policy{MinR2: 0.5})
	if err != nil || dec.Pushed || !strings.Contains(dec.Reason, "same sha256") {
		t.Fatalf("identical model: %+v, %v; want not pushed", dec, err)
	}
	// A model from other data: its claimed R² is compared with the current
	// model's R² on the candidate's own held-out rows.
	other := candidate(t, 300, 2, 0.0001)
	dec, err = pusher.Push(ctx, d, "m", other, pusher.Policy{MinR2: 0})
	if err != nil || dec.Pushed || dec.PreviousR2 == nil {
		t.Fatalf("worse model: %+v, %v; want not pushed with the current R²", dec, err)
	}
	better := candidate(t, 300, 3, 1)
	dec, err = pusher.Push(ctx, d, "m", better, pusher.Policy{MinR2: 0})
	if err != nil || !dec.Pushed || dec.PreviousVersion == "" {
		t.Fatalf("better model: %+v, %v; want pushed over the previous version", dec, err)
	}
	cur, _ := d.Current(ctx, "m")
	if cur.Version != dec.Version || cur.SHA256 != model.Sum(better.Bytes) {
		t.Fatalf("current: got %+v; want version %s", cur, dec.Version)
	}
}

func TestReloadCheckCatchesBytesThatPredictDifferently(t *testing.T) {
	c := candidate(t, 300, 1, 0.9)
	other := candidate(t, 300, 2, 0.9)
	c.Bytes = other.Bytes // bytes that decode fine but are another model
	d := modelstore.NewDir(t.TempDir())
	if _, err := pusher.Push(context.Background(), d, "m", c, pusher.Policy{MinR2: 0.5}); err == nil || !strings.Contains(err.Error(), "reload check") {
		t.Fatalf("got %v; want a reload check failure", err)
	}
	if vs, _ := d.Versions(context.Background(), "m"); len(vs) != 0 {
		t.Fatalf("versions: got %v; want none", vs)
	}
}
